// Batch-norm statistics' launcher: the workspace, argument checks, then the launch of
// kernels/batch_norm_kernels.cuh.
#include <algorithm>

#include "core/cuda_check.hpp"
#include "kernels/batch_norm.cuh"
#include "kernels/batch_norm_kernels.cuh"
#include "kernels/launch.cuh"
#include "nn/network.hpp"

namespace zcnas::cuda {

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
  ZCNAS_LAUNCH(batch_norm_stats_kernel, batch_norm_stats_launch(splits, channels), stream, x, batch, channels, spatial,
               splits, kBatchNormEps, gamma, beta, workspace.partials(), workspace.counters(), out);
}

}  // namespace zcnas::cuda
