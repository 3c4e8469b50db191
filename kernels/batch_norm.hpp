// Train-mode batch-norm statistics (CPU twin here, CUDA launcher in batch_norm.cuh): per channel of a
// sample-major [B, C, S] tensor, the batch's mean and biased variance over (B, S), turned into the
// ChannelAffine that the fused node kernel applies. eps = kBatchNormEps.
#pragma once
#include <cstdint>

#include "kernels/pointwise.hpp"

namespace zcnas {

// out[c] = {float(mean), float(1 / sqrt(var + eps)), gamma[c], beta[c]}; statistics accumulated in double.
void batch_norm_stats_cpu(const float* x, int64_t batch, int64_t channels, int64_t spatial, const float* gamma,
                          const float* beta, ChannelAffine* out);

}  // namespace zcnas
