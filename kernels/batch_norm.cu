// Batch-norm statistics: blocks (split, channel) sum x and x^2 in double over their share of the channel;
// the last block of a channel to arrive adds the partials in a fixed order and writes the ChannelAffine.
// Single pass: var = E[x^2] - mean^2 in double loses nothing that float32 activations can show.
#include <algorithm>

#include "core/cuda_check.hpp"
#include "kernels/batch_norm.cuh"
#include "kernels/device_utils.cuh"
#include "nn/network.hpp"

namespace zcnas::cuda {
namespace {

constexpr int kStatsThreads = 256;
constexpr int64_t kElementsPerBlock = 4096;  // 16 loads per thread: enough blocks to keep memory busy
constexpr int64_t kMaxSplits = 256;

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

int64_t stats_splits(int64_t batch, int64_t spatial) {
  return std::clamp<int64_t>(ceil_div(batch * spatial, kElementsPerBlock), 1, kMaxSplits);
}

}  // namespace

void BatchNormWorkspace::reserve(int64_t channels, int64_t splits, cudaStream_t stream) {
  const auto need_partials = static_cast<size_t>(channels * splits);
  const auto need_counters = static_cast<size_t>(channels);
  if (partials_.size() >= need_partials && counters_.size() >= need_counters) return;
  ZCNAS_CUDA_CHECK(cudaStreamSynchronize(stream));
  partials_.reserve_discard(std::max(need_partials, partials_.size()));
  if (counters_.size() < need_counters) {
    counters_.reserve_discard(need_counters);
    ZCNAS_CUDA_CHECK(cudaMemsetAsync(counters_.data(), 0, counters_.bytes(), stream));
  }
}

void batch_norm_stats(const float* x, int64_t batch, int64_t channels, int64_t spatial, const float* gamma,
                      const float* beta, ChannelAffine* out, BatchNormWorkspace& workspace, cudaStream_t stream) {
  if (channels == 0) return;
  ZCNAS_REQUIRE(batch > 0 && channels > 0 && spatial > 0, "batch norm of an empty tensor [{}, {}, {}]", batch, channels,
                spatial);
  ZCNAS_REQUIRE(channels <= 65535, "batch norm: {} channels exceed the grid", channels);
  ZCNAS_REQUIRE(batch * spatial < (int64_t{1} << 31), "batch norm: {} x {} values per channel exceed 32-bit indices",
                batch, spatial);
  ZCNAS_REQUIRE(x && gamma && beta && out, "batch norm: null pointer");
  const int64_t splits = stats_splits(batch, spatial);
  workspace.reserve(channels, splits, stream);
  const dim3 grid(static_cast<unsigned>(splits), static_cast<unsigned>(channels));
  batch_norm_stats_kernel<<<grid, kStatsThreads, 0, stream>>>(x, batch, channels, spatial, splits, kBatchNormEps, gamma,
                                                              beta, workspace.partials(), workspace.counters(), out);
  ZCNAS_CUDA_CHECK_LAUNCH(batch_norm_stats_kernel);
}

}  // namespace zcnas::cuda
