// Batched log|det K| through cuSOLVER: potrfBatched for all matrices, getrf for the few it rejects.
#include <cmath>
#include <limits>

#include "core/cuda_check.hpp"
#include "kernels/launch.cuh"
#include "kernels/library_calls.hpp"
#include "kernels/logdet.cuh"
#include "kernels/logdet_kernels.cuh"

namespace zcnas::cuda {
namespace {

cublasFillMode_t cublas_fill(BlasFill fill) {
  return fill == BlasFill::Lower ? CUBLAS_FILL_MODE_LOWER : CUBLAS_FILL_MODE_UPPER;
}

}  // namespace

BatchedLogAbsDet::BatchedLogAbsDet(cudaStream_t stream) : stream_(stream), cusolver_(stream) {}

void BatchedLogAbsDet::compute(const double* K, int64_t n, int64_t count, double* scores) {
  if (count == 0) return;
  ZCNAS_REQUIRE(count > 0 && n >= 0, "log-determinant of {} matrices of size {}", count, n);
  ZCNAS_REQUIRE(n < (int64_t{1} << 15) && count < (int64_t{1} << 31),
                "log-determinant: {} matrices of size {} exceed cuSOLVER's int sizes", count, n);
  ZCNAS_REQUIRE(K != nullptr && scores != nullptr, "log-determinant: null pointer");
  if (n == 0) {
    for (int64_t m = 0; m < count; ++m) scores[m] = 0.0;  // the empty product
    return;
  }
  const PotrfBatchedCall potrf = logdet_potrf_batched(n, count);
  const size_t cm = static_cast<size_t>(count);
  // compute() ends synchronised, so no earlier work still uses these buffers when they grow.
  work_.reserve_discard(cm * static_cast<size_t>(potrf.stride));
  pointers_.reserve_discard(cm);
  info_.reserve_discard(cm);
  device_scores_.reserve_discard(cm);
  host_info_.reserve_discard(cm);
  host_scores_.reserve_discard(cm);

  ZCNAS_LAUNCH(matrix_pointers_kernel, matrix_pointers_launch(count), stream_, work_.data(), n, count,
               pointers_.data());
  ZCNAS_CUDA_CHECK(cudaMemcpyAsync(work_.data(), K, cm * static_cast<size_t>(n * n) * sizeof(double),
                                   cudaMemcpyDeviceToDevice, stream_));
  ZCNAS_CUDA_CHECK(cusolverDnDpotrfBatched(cusolver_.get(), cublas_fill(potrf.uplo), potrf.n, pointers_.data(),
                                           potrf.lda, info_.data(), potrf.batch));
  ZCNAS_LAUNCH(log_diagonal_kernel, log_diagonal_launch(count), stream_, work_.data(), n, info_.data(), true,
               device_scores_.data());
  ZCNAS_CUDA_CHECK(cudaMemcpyAsync(host_scores_.data(), device_scores_.data(), cm * sizeof(double),
                                   cudaMemcpyDeviceToHost, stream_));
  ZCNAS_CUDA_CHECK(cudaMemcpyAsync(host_info_.data(), info_.data(), cm * sizeof(int), cudaMemcpyDeviceToHost, stream_));
  ZCNAS_CUDA_CHECK(cudaStreamSynchronize(stream_));

  for (int64_t m = 0; m < count; ++m) {
    scores[m] = host_scores_[static_cast<size_t>(m)];
    if (host_info_[static_cast<size_t>(m)] == 0) continue;
    // Not positive definite in floating point: LU with partial pivoting of the original matrix, in slot 0.
    const GetrfCall lu = logdet_getrf(n);
    int lwork = 0;
    ZCNAS_CUDA_CHECK(cusolverDnDgetrf_bufferSize(cusolver_.get(), lu.m, lu.n, work_.data(), lu.lda, &lwork));
    lu_workspace_.reserve_discard(static_cast<size_t>(lwork > 0 ? lwork : 1));
    pivots_.reserve_discard(static_cast<size_t>(lu.pivots));
    ZCNAS_CUDA_CHECK(cudaMemcpyAsync(work_.data(), K + m * n * n, static_cast<size_t>(n * n) * sizeof(double),
                                     cudaMemcpyDeviceToDevice, stream_));
    ZCNAS_CUDA_CHECK(cusolverDnDgetrf(cusolver_.get(), lu.m, lu.n, work_.data(), lu.lda, lu_workspace_.data(),
                                      pivots_.data(), info_.data()));
    ZCNAS_LAUNCH(log_diagonal_kernel, log_diagonal_launch(1), stream_, work_.data(), n, info_.data(), false,
                 device_scores_.data());
    ZCNAS_CUDA_CHECK(
        cudaMemcpyAsync(host_scores_.data(), device_scores_.data(), sizeof(double), cudaMemcpyDeviceToHost, stream_));
    ZCNAS_CUDA_CHECK(cudaStreamSynchronize(stream_));
    scores[m] = host_scores_[0];
  }
}

}  // namespace zcnas::cuda
