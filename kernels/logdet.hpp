// log|det K| of a symmetric positive semi-definite matrix in float64 (the CPU op; the batched CUDA one is in
// logdet.cuh).
#pragma once
#include <cstdint>

namespace zcnas {

// Cholesky first (K is a Gram matrix); LU with partial pivoting when Cholesky fails. A singular K gives -inf.
// K: [n][n] row-major; not modified.
double log_abs_det_cpu(const double* K, int64_t n);

}  // namespace zcnas
