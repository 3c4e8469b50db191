// Train-mode batch-norm statistics on the GPU; contract and CPU twin in kernels/batch_norm.hpp.
#pragma once
#include <cuda_runtime_api.h>

#include "core/cuda_context.hpp"
#include "kernels/batch_norm.hpp"

namespace zcnas::cuda {

// Scratch of the statistics kernel: per-block partial sums and per-channel arrival counters. Launches that
// share one workspace must be ordered (one stream).
class BatchNormWorkspace {
 public:
  // Room for `channels` x `splits`; grows only after synchronising `stream`.
  void reserve(int64_t channels, int64_t splits, cudaStream_t stream);
  double2* partials() { return partials_.data(); }
  unsigned* counters() { return counters_.data(); }

 private:
  DeviceBuffer<double2> partials_;   // [C][splits] (sum, sum of squares)
  DeviceBuffer<unsigned> counters_;  // [C], 0 between launches: the last block of a channel resets its own
};

// x: [B, C, S] sample-major; gamma, beta: [C]; out: [C]. One read of x; a channel's statistics are
// finished by the last of its blocks to arrive, so there is no second launch.
void batch_norm_stats(const float* x, int64_t batch, int64_t channels, int64_t spatial, const float* gamma,
                      const float* beta, ChannelAffine* out, BatchNormWorkspace& workspace, cudaStream_t stream);

}  // namespace zcnas::cuda
