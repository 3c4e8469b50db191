// Train-mode batch-norm statistics (the CPU op here, the CUDA kernel in batch_norm.cuh): per channel, the
// batch's mean and biased variance over (B, H, W), turned into the ChannelAffine that the fused node op
// applies. Accumulated in double; eps = kBatchNormEps.
#pragma once
#include <cstdint>

#include "kernels/pointwise.hpp"

namespace zcnas {

// x: channel-major [C][B * spatial]; out[c] = {T(mean), T(1 / sqrt(var + eps)), gamma[c], beta[c]}. The mean,
// then the squared deviations from it (two passes, no cancellation), as PyTorch's CPU kernel computes them.
template <typename T>
void batch_norm_stats_cpu(const T* x, int64_t batch, int64_t channels, int64_t spatial, const T* gamma, const T* beta,
                          BasicChannelAffine<T>* out, int threads);

}  // namespace zcnas
