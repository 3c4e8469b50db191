// The log-determinant kernels of kernels/logdet_kernels.cuh, run by the SIMT emulator on factors that LAPACK
// computes here on cuSOLVER's arguments (Cholesky for the batch, LU for the matrices it rejects), against
// log_abs_det_cpu. The kernel adds the logarithms in another order than the CPU op, so the scores agree to
// 1e-12 relative (to max(|score|, 1)), not bit for bit; NaN and -inf exactly.
#include "emulated/simt.hpp"
// The emulator comes first: kernel code compiles against it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "cpu_library_calls.hpp"
#include "emulated/emulated_support.hpp"
#include "kernels/library_calls.hpp"
#include "kernels/logdet.hpp"
#include "kernels/logdet_kernels.cuh"

namespace zcnas {
namespace {

using simt::kSchedules;
using test::random_values;

enum class Kind { positive_definite, indefinite, singular };

// A symmetric [n][n] matrix: A A^T / n + I/10 (positive definite), B + B^T (indefinite, almost surely
// regular), or a positive definite one with row and column n/2 zeroed (an exact zero pivot for LU too).
std::vector<double> make_matrix(int64_t n, Kind kind, uint64_t seed) {
  const auto a = random_values<double>(static_cast<size_t>(n * n), -1.0, 1.0, seed);
  std::vector<double> k(static_cast<size_t>(n * n));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double v = 0.0;
      if (kind == Kind::indefinite) {
        v = a[static_cast<size_t>(i * n + j)] + a[static_cast<size_t>(j * n + i)];
      } else {
        for (int64_t t = 0; t < n; ++t) v += a[static_cast<size_t>(i * n + t)] * a[static_cast<size_t>(j * n + t)];
        v = v / static_cast<double>(n) + (i == j ? 0.1 : 0.0);
        if (kind == Kind::singular && (i == n / 2 || j == n / 2)) v = 0.0;
      }
      k[static_cast<size_t>(i * n + j)] = v;
    }
  return k;
}

void expect_close(double expected, double got, const std::string& what) {
  if (std::isnan(expected) || std::isinf(expected)) {
    EXPECT_TRUE(std::isnan(expected) ? std::isnan(got) : got == expected) << what << ": " << got << " vs " << expected;
    return;
  }
  EXPECT_LE(std::fabs(got - expected), 1e-12 * std::max(1.0, std::fabs(expected)))
      << what << ": " << got << " vs " << expected;
}

// BatchedLogAbsDet::compute as the device runs it, cuSOLVER replaced by LAPACK on exactly the arguments of
// kernels/library_calls.hpp: matrix pointers into the work buffer, a Cholesky of each, the log-diagonal of all;
// then, for each one rejected (NaN), LU in slot 0 and the log-diagonal of one.
std::vector<double> emulated_scores(const std::vector<double>& K, int64_t n, int64_t count,
                                    const simt::Schedule& schedule) {
  const PotrfBatchedCall potrf = logdet_potrf_batched(n, count);
  std::vector<double> work(static_cast<size_t>(count * potrf.stride), std::nan(""));
  std::copy(K.begin(), K.end(), work.begin());
  std::vector<double*> pointers(static_cast<size_t>(count), nullptr);
  simt::launch(cuda::matrix_pointers_launch(count), schedule, cuda::matrix_pointers_kernel, work.data(), n, count,
               pointers.data());
  for (int64_t m = 0; m < count; ++m)  // the kernel's pointers and the call's matrix stride agree
    EXPECT_EQ(pointers[static_cast<size_t>(m)], work.data() + m * potrf.stride) << "matrix " << m;
  std::vector<int> info(static_cast<size_t>(count));
  test::potrf_batched(potrf, pointers.data(), work, info.data());
  std::vector<double> scores(static_cast<size_t>(count), -1.0);
  simt::launch(cuda::log_diagonal_launch(count), schedule, cuda::log_diagonal_kernel, work.data(), n, info.data(), true,
               scores.data());
  for (int64_t m = 0; m < count; ++m) {
    if (info[static_cast<size_t>(m)] == 0) continue;
    EXPECT_TRUE(std::isnan(scores[static_cast<size_t>(m)])) << "a rejected Cholesky leaves NaN, matrix " << m;
    std::copy_n(K.begin() + m * n * n, n * n, work.begin());
    info[0] = test::getrf(logdet_getrf(n), work.data(), n * n);
    double score = 0.0;
    simt::launch(cuda::log_diagonal_launch(1), schedule, cuda::log_diagonal_kernel, work.data(), n, info.data(), false,
                 &score);
    scores[static_cast<size_t>(m)] = score;
  }
  return scores;
}

// Sizes below, at a multiple of and past the 128-thread block; batches mixing every kind.
TEST(LogdetEmulated, KernelsOnLapackFactorsMatchCpu) {
  const std::vector<std::pair<int64_t, std::vector<Kind>>> cases = {
      {1, {Kind::positive_definite}},
      {5, {Kind::singular, Kind::positive_definite}},
      {37, {Kind::positive_definite, Kind::indefinite, Kind::positive_definite}},
      {128, {Kind::indefinite, Kind::positive_definite}},
      {130, {Kind::positive_definite, Kind::singular, Kind::indefinite, Kind::positive_definite}},
  };
  for (const auto& [n, kinds] : cases) {
    const auto count = static_cast<int64_t>(kinds.size());
    std::vector<double> K;
    std::vector<double> expected;
    for (size_t m = 0; m < kinds.size(); ++m) {
      const auto k = make_matrix(n, kinds[m], 31 * m + static_cast<uint64_t>(n));
      expected.push_back(log_abs_det_cpu(k.data(), n));
      K.insert(K.end(), k.begin(), k.end());
      if (kinds[m] == Kind::singular) {
        ASSERT_EQ(expected.back(), -INFINITY);
      }
    }
    for (const auto& schedule : kSchedules) {
      const auto scores = emulated_scores(K, n, count, schedule);
      for (int64_t m = 0; m < count; ++m)
        expect_close(expected[static_cast<size_t>(m)], scores[static_cast<size_t>(m)],
                     "n " + std::to_string(n) + " matrix " + std::to_string(m) + " " + simt::to_string(schedule));
    }
  }
}

// Every failure status reads as NaN on the Cholesky path and -inf on the LU path, whatever the factors hold.
TEST(LogdetEmulated, FailedFactorisationsGiveNanOrMinusInfinity) {
  const int64_t n = 3, count = 3;
  const std::vector<double> factors(static_cast<size_t>(count * n * n), 2.0);
  const std::vector<int> info = {0, 2, -1};
  for (const auto& schedule : kSchedules)
    for (bool cholesky : {true, false}) {
      std::vector<double> scores(static_cast<size_t>(count), 0.0);
      simt::launch(cuda::log_diagonal_launch(count), schedule, cuda::log_diagonal_kernel, factors.data(), n,
                   info.data(), cholesky, scores.data());
      EXPECT_DOUBLE_EQ(scores[0], (cholesky ? 6.0 : 3.0) * std::log(2.0));
      for (int m = 1; m < count; ++m) {
        if (cholesky) {
          EXPECT_TRUE(std::isnan(scores[static_cast<size_t>(m)]));
        } else {
          EXPECT_EQ(scores[static_cast<size_t>(m)], -INFINITY);
        }
      }
    }
}

TEST(LogdetEmulated, MatrixPointersCoverMoreThanOneBlock) {
  const int64_t n = 3, count = 300;
  std::vector<double> base(static_cast<size_t>(count * n * n));
  for (const auto& schedule : kSchedules) {
    std::vector<double*> pointers(static_cast<size_t>(count + 1), nullptr);
    simt::launch(cuda::matrix_pointers_launch(count), schedule, cuda::matrix_pointers_kernel, base.data(), n, count,
                 pointers.data());
    for (int64_t m = 0; m < count; ++m) ASSERT_EQ(pointers[static_cast<size_t>(m)], base.data() + m * n * n) << m;
    EXPECT_EQ(pointers[static_cast<size_t>(count)], nullptr);
  }
}

}  // namespace
}  // namespace zcnas
