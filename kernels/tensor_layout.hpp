// How each device lays out a forward's activations. A forward plan (nn/forward_plan.hpp) only counts
// elements; the ops of one device agree on one layout:
//  - CPU: channel-major [C][B][H*W], so that a convolution is one GEMM over a block of images and batch
//    norm reads each channel contiguously;
//  - CUDA: sample-major [B][C][H*W], cuDNN's NCHW.
// Either way a sample's unit u = c * H * W + s indexes its sign bits, so the codes agree across devices.
#pragma once
#include <cstdint>

namespace zcnas {

// 64-bit words holding the sign bits of `units` units.
constexpr int64_t sign_words(int64_t units) { return (units + 63) / 64; }

}  // namespace zcnas
