// The batch-norm statistics kernel's device code and launch shape; the launcher is in kernels/batch_norm.cu,
// the contract in kernels/batch_norm.cuh. Internal linkage: the emulated tests compile these same functions for
// the host. Blocks (split, channel) sum x and x^2 in double over their share of the channel; the last block of
// a channel to arrive adds the partials in a fixed order and writes the ChannelAffine.
// Single pass: var = E[x^2] - mean^2 in double loses nothing that float32 activations can show.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kernels/device_utils.cuh"
#include "kernels/pointwise.hpp"

namespace zcnas::cuda {
namespace {

constexpr int kStatsThreads = 256;
constexpr int64_t kElementsPerBlock = 4096;  // 16 loads per thread: enough blocks to keep memory busy
constexpr int64_t kMaxSplits = 256;

// partials: [channels][splits]; counters: [channels], zero on entry and zero again on return.
__global__ void __launch_bounds__(kStatsThreads)
    batch_norm_stats_kernel(const float* __restrict__ x, int64_t batch, int64_t channels, int64_t spatial,
                            int64_t splits, double eps, const float* __restrict__ gamma, const float* __restrict__ beta,
                            double2* __restrict__ partials, unsigned* __restrict__ counters,
                            ChannelAffine* __restrict__ out) {
  const int64_t c = blockIdx.y, split = blockIdx.x;
  const int64_t count = batch * spatial;
  const int64_t per_block = ceil_div(count, splits);
  const int64_t begin = split * per_block, end = min(count, begin + per_block);
  const auto s32 = static_cast<uint32_t>(spatial);  // batch * spatial < 2^31, checked by the launcher
  double sum = 0.0, squares = 0.0;
  for (int64_t i = begin + threadIdx.x; i < end; i += kStatsThreads) {
    const uint32_t b = static_cast<uint32_t>(i) / s32;
    const double v = __ldg(x + (b * channels + c) * spatial + (static_cast<uint32_t>(i) - b * s32));
    sum += v;
    squares += v * v;
  }
  sum = block_sum(sum);
  squares = block_sum(squares);

  __shared__ bool last;
  if (threadIdx.x == 0) {
    partials[c * splits + split] = make_double2(sum, squares);
    __threadfence();  // publish the partial before counting in
    last = atomicAdd(&counters[c], 1u) == static_cast<unsigned>(splits - 1);
  }
  __syncthreads();
  if (!last || threadIdx.x != 0) return;
  __threadfence();
  double total = 0.0, total_squares = 0.0;
  for (int64_t k = 0; k < splits; ++k) {  // fixed order: reproducible
    const double2 p = __ldcg(partials + c * splits + k);
    total += p.x;
    total_squares += p.y;
  }
  const double n = static_cast<double>(count);
  const double mean = total / n;
  const double var = fmax(total_squares / n - mean * mean, 0.0);
  out[c] = ChannelAffine{static_cast<float>(mean), static_cast<float>(1.0 / sqrt(var + eps)), gamma[c], beta[c]};
  counters[c] = 0;  // ready for the next launch on this workspace
}

// Blocks per channel: one per kElementsPerBlock values, at most kMaxSplits.
inline int64_t stats_splits(int64_t batch, int64_t spatial) {
  return std::clamp<int64_t>(ceil_div(batch * spatial, kElementsPerBlock), 1, kMaxSplits);
}

inline LaunchShape batch_norm_stats_launch(int64_t splits, int64_t channels) {
  return LaunchShape{dim3(static_cast<unsigned>(splits), static_cast<unsigned>(channels)), dim3(kStatsThreads), 0};
}

}  // namespace
}  // namespace zcnas::cuda
