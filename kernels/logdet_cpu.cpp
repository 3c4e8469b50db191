// log|det K| through LAPACK (Cholesky, falling back to LU).
#include <lapacke.h>

#include <cmath>
#include <limits>
#include <vector>

#include "core/error.hpp"
#include "kernels/logdet.hpp"

namespace zcnas {

double log_abs_det_cpu(const double* K, int64_t n) {
  if (n == 0) return 0.0;
  ZCNAS_REQUIRE(n > 0, "log-determinant of a matrix of size {}", n);
  const auto ni = static_cast<lapack_int>(n);
  std::vector<double> a(K, K + n * n);
  if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', ni, a.data(), ni) == 0) {
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) sum += std::log(a[static_cast<size_t>(i * n + i)]);
    return 2.0 * sum;
  }
  a.assign(K, K + n * n);
  std::vector<lapack_int> pivots(static_cast<size_t>(n));
  const lapack_int info = LAPACKE_dgetrf(LAPACK_ROW_MAJOR, ni, ni, a.data(), ni, pivots.data());
  ZCNAS_REQUIRE(info >= 0, "LU factorisation rejected argument {}", -info);
  if (info > 0) return -std::numeric_limits<double>::infinity();  // an exact zero pivot: singular
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += std::log(std::fabs(a[static_cast<size_t>(i * n + i)]));
  return sum;
}

}  // namespace zcnas
