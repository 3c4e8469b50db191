// cuBLAS and cuSOLVER stand-ins for the tests: the library calls of kernels/library_calls.hpp run on the CPU with
// exactly the arguments the .cu files pass, on buffers laid out as the device lays them out. Arguments the
// libraries would reject, and reads or writes outside the buffers, throw.
#pragma once
#include <lapacke.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/error.hpp"
#include "kernels/library_calls.hpp"

namespace zcnas::test {

// C = alpha op(A) op(B) + beta C, column-major, int8 in and int32 accumulation as CUBLAS_COMPUTE_32I. Leading
// dimensions that BLAS rejects and reads or writes outside the buffers throw.
inline void gemm_int8(const GemmCall& g, const std::vector<int8_t>& A, const std::vector<int8_t>& B,
                      std::vector<int32_t>& C) {
  const int a_rows = g.transa == BlasOp::N ? g.m : g.k, b_rows = g.transb == BlasOp::N ? g.k : g.n;
  ZCNAS_REQUIRE(g.m >= 0 && g.n >= 0 && g.k >= 0, "GEMM: m={} n={} k={}", g.m, g.n, g.k);
  ZCNAS_REQUIRE(g.lda >= std::max(1, a_rows), "GEMM: lda = {} < {}", g.lda, a_rows);
  ZCNAS_REQUIRE(g.ldb >= std::max(1, b_rows), "GEMM: ldb = {} < {}", g.ldb, b_rows);
  ZCNAS_REQUIRE(g.ldc >= std::max(1, g.m), "GEMM: ldc = {} < {}", g.ldc, g.m);
  const auto at = [](BlasOp op, int ld, int row, int col) {  // element (row, col) of op(X)
    return static_cast<size_t>(op == BlasOp::N ? row + static_cast<int64_t>(col) * ld
                                               : col + static_cast<int64_t>(row) * ld);
  };
  for (int j = 0; j < g.n; ++j)
    for (int i = 0; i < g.m; ++i) {
      int32_t sum = 0;
      for (int p = 0; p < g.k; ++p)
        sum += int32_t{A.at(at(g.transa, g.lda, i, p))} * int32_t{B.at(at(g.transb, g.ldb, p, j))};
      int32_t& c = C.at(static_cast<size_t>(i + static_cast<int64_t>(j) * g.ldc));
      c = g.alpha * sum + g.beta * c;
    }
}

inline char lapack_uplo(BlasFill fill) { return fill == BlasFill::Lower ? 'L' : 'U'; }

// cusolverDnDpotrfBatched: LAPACK's column-major dpotrf (cuSOLVER is column-major) of matrix i at pointers[i],
// which must lie inside `buffer`; info[i] as cuSOLVER reports it.
inline void potrf_batched(const PotrfBatchedCall& c, double* const* pointers, std::vector<double>& buffer, int* info) {
  ZCNAS_REQUIRE(c.n >= 1 && c.lda >= c.n && c.batch >= 1, "potrfBatched: n={} lda={} batch={}", c.n, c.lda, c.batch);
  for (int m = 0; m < c.batch; ++m) {
    const int64_t begin = pointers[m] - buffer.data(), end = begin + int64_t{c.lda} * (c.n - 1) + c.n;
    ZCNAS_REQUIRE(begin >= 0 && end <= static_cast<int64_t>(buffer.size()),
                  "potrfBatched: matrix {} at [{}, {}) lies outside its buffer of {}", m, begin, end, buffer.size());
    info[m] = LAPACKE_dpotrf(LAPACK_COL_MAJOR, lapack_uplo(c.uplo), c.n, pointers[m], c.lda);
    ZCNAS_REQUIRE(info[m] >= 0, "potrf rejected argument {}", -info[m]);
  }
}

// cusolverDnDgetrf on the first `available` elements of `a`.
inline int getrf(const GetrfCall& c, double* a, int64_t available) {
  ZCNAS_REQUIRE(c.m >= 1 && c.n >= 1 && c.lda >= c.m, "getrf: m={} n={} lda={}", c.m, c.n, c.lda);
  ZCNAS_REQUIRE(int64_t{c.lda} * (c.n - 1) + c.m <= available, "getrf reads past its {} elements", available);
  ZCNAS_REQUIRE(c.pivots >= std::min(c.m, c.n), "getrf needs {} pivots, has {}", std::min(c.m, c.n), c.pivots);
  std::vector<lapack_int> pivots(static_cast<size_t>(c.pivots));
  const lapack_int info = LAPACKE_dgetrf(LAPACK_COL_MAJOR, c.m, c.n, a, c.lda, pivots.data());
  ZCNAS_REQUIRE(info >= 0, "getrf rejected argument {}", -info);
  return static_cast<int>(info);
}

}  // namespace zcnas::test
