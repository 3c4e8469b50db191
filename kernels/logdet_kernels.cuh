// The log-determinant kernels' device code and launch shapes; the cuSOLVER calls around them are in
// kernels/logdet.cu, the contract in kernels/logdet.cuh. Internal linkage: the emulated tests compile these same
// functions for the host.
#pragma once
#include <cmath>
#include <cstdint>

#include "kernels/device_utils.cuh"

namespace zcnas::cuda {
namespace {

constexpr int kPointerThreads = 256;
constexpr int kLogDiagonalThreads = 128;

// pointers[m] = base + m * n * n: the array-of-matrices form that potrfBatched takes.
__global__ void matrix_pointers_kernel(double* base, int64_t n, int64_t count, double** pointers) {
  const int64_t m = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (m < count) pointers[m] = base + m * n * n;
}

inline LaunchShape matrix_pointers_launch(int64_t count) { return one_thread_per_item(count, kPointerThreads); }

// One block per matrix. Cholesky factors: score = 2 * sum log L_ii; LU factors: sum log |U_ii|.
// A failed Cholesky leaves NaN for the host to redo by LU; a failed LU (an exact zero pivot) means singular.
__global__ void log_diagonal_kernel(const double* __restrict__ factors, int64_t n, const int* __restrict__ info,
                                    bool cholesky, double* __restrict__ scores) {
  const int64_t m = blockIdx.x;
  if (info[m] != 0) {
    if (threadIdx.x == 0) scores[m] = cholesky ? nan("") : -INFINITY;
    return;
  }
  const double* a = factors + m * n * n;
  double sum = 0.0;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) sum += log(fabs(a[i * n + i]));
  sum = block_sum(sum);
  if (threadIdx.x == 0) scores[m] = cholesky ? 2.0 * sum : sum;
}

// One block per matrix of the `count` factored back to back.
inline LaunchShape log_diagonal_launch(int64_t count) {
  return LaunchShape{dim3(static_cast<unsigned>(count)), dim3(kLogDiagonalThreads), 0};
}

}  // namespace
}  // namespace zcnas::cuda
