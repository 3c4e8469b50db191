// 2-D convolution without bias (PyTorch's cross-correlation), the CPU op: im2col + BLAS GEMM per group, a direct
// loop for depthwise convolutions, and with AVX2 a register-blocked direct kernel for dense float 1x1 and 3x3 ones and
// Winograd F(2x2, 3x3) for dense float 3x3 ones of stride 1 and padding 1. The CUDA executor calls cuDNN for the same
// op.
#pragma once
#include <cstdint>
#include <tuple>
#include <vector>

namespace zcnas {

// Output o reads input row o * stride - pad + k * dilation + shift for kernel row k (columns likewise); taps
// outside the input read zero. Input channels [g * Cin/groups, (g + 1) * Cin/groups) feed output channels
// [g * Cout/groups, (g + 1) * Cout/groups). shift > 0 comes with pad 0, and no tap reads past the input
// (nn/network.hpp, ConvOptions).
struct ConvShape {
  int64_t batch = 0, in_channels = 0, height = 0, width = 0;
  int64_t out_channels = 0, out_height = 0, out_width = 0;
  int kernel = 1, stride = 1, pad = 0;
  int dilation = 1, groups = 1, shift = 0;

  int64_t weight_numel() const { return out_channels * (in_channels / groups) * kernel * kernel; }
  // groups == Cin == Cout: one k x k filter per channel.
  bool depthwise() const { return groups == in_channels && groups == out_channels; }

  auto tie() const {
    return std::tie(batch, in_channels, height, width, out_channels, out_height, out_width, kernel, stride, pad,
                    dilation, groups, shift);
  }
  bool operator==(const ConvShape& o) const { return tie() == o.tie(); }
  bool operator<(const ConvShape& o) const { return tie() < o.tie(); }
};

// Per-thread im2col buffers, kept between calls so that a forward rarely allocates.
template <typename T>
struct ConvScratch {
  std::vector<std::vector<T>> per_thread;
};

// x: [Cin][B][H*W], weight: [Cout][Cin/groups][k][k], y: [Cout][B][Ho*Wo].
//  - Depthwise: one thread per [H][W] plane at a time, each output the sum of its in-bounds taps in row-major tap
//    order, in T.
//  - Dense float 3x3, stride 1, padding 1, no dilation or shift, height even, width a multiple of 8, on a machine
//    with AVX2 and FMA: Winograd F(2x2, 3x3), one image per thread at a time; each output rounds like a sum of its
//    terms in another order (a relative error of a few float epsilons of the terms' magnitudes).
//  - Other dense float ones of stride 1 or 2, no dilation or shift, 1x1 or 3x3, output width a multiple of 8 (for a
//    1x1 one of stride 1 without padding, output area a multiple of 8), with AVX2 and FMA: one image per thread at a
//    time, copied once with its padding (split into column and row phases for stride 2), each output the FMA sum over
//    (ci, ky, kx) in that order.
//  - The two above run the same multiply-adds in the same order with AVX-512 vectors where the compiler targets them,
//    so their results do not depend on it.
//  - Otherwise: blocks of images, one per thread at a time, im2col then one single-threaded GEMM per group (BLAS
//    must run one thread per call: the CPU executor sets that).
template <typename T>
void conv2d_cpu(const ConvShape& shape, const T* x, const T* weight, T* y, int threads, ConvScratch<T>& scratch);

}  // namespace zcnas
