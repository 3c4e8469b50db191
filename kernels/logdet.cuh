// log|det K| on the GPU for a batch of matrices, with the contract of kernels/logdet.hpp: float64, Cholesky
// first (K is a Gram matrix), LU with partial pivoting where Cholesky fails, -inf when K is singular.
#pragma once
#include <cuda_runtime_api.h>

#include <cstdint>

#include "core/cuda_context.hpp"
#include "kernels/logdet.hpp"

namespace zcnas::cuda {

class BatchedLogAbsDet {
 public:
  explicit BatchedLogAbsDet(cudaStream_t stream);

  // K: device, `count` matrices [n][n] back to back (symmetric, so row- and column-major agree); not modified.
  // scores: host, `count` values. One batched Cholesky for all matrices; the rare ones it rejects are
  // redone by LU one at a time. Synchronises the stream: the fallback is decided on the host.
  void compute(const double* K, int64_t n, int64_t count, double* scores);

 private:
  cudaStream_t stream_;
  CusolverHandle cusolver_;
  DeviceBuffer<double> work_;           // [count][n][n] factors
  DeviceBuffer<double*> pointers_;      // [count] matrix pointers into work_
  DeviceBuffer<int> info_;              // [count] potrf status, then getrf status of one matrix
  DeviceBuffer<double> device_scores_;  // [count]
  DeviceBuffer<int> pivots_;            // [n]
  DeviceBuffer<double> lu_workspace_;
  PinnedBuffer<int> host_info_;
  PinnedBuffer<double> host_scores_;
};

}  // namespace zcnas::cuda
