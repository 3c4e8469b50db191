// The cuBLAS and cuSOLVER calls of the CUDA kernels (kernels/library_calls.hpp): the properties the libraries
// require of their arguments, and LAPACK standing in for cuSOLVER on exactly those arguments, on buffers laid out
// as the device lays them out. The results must equal the CPU ops, so a wrong leading dimension, stride or fill
// mode fails here without a GPU. The GEMM of the int8 Hamming path runs with the emulated kernels around it
// (tests/emulated/test_hamming_emulated.cpp).
#include <gtest/gtest.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/library_calls.hpp"
#include "kernels/logdet.hpp"
#include "test_support.hpp"

namespace zcnas {
namespace {

TEST(HammingGemmCall, SuitsTheInt8Kernels) {
  // cuBLAS's int8 GEMM with int32 results wants the sizes and leading dimensions in multiples of 4.
  for (int64_t batch : {1, 5, 37, 128}) {
    for (int64_t words : {1, 7, 1024, 3000}) {
      const HammingGemmLayout layout = hamming_gemm_layout(batch, words);
      for (int64_t w0 = 0; w0 < words; w0 += layout.chunk_words) {
        const GemmCall g = hamming_gram_gemm(layout, w0, std::min(layout.chunk_words, words - w0));
        for (int v : {g.m, g.n, g.k, g.lda, g.ldb, g.ldc}) EXPECT_EQ(v % 4, 0) << batch << " " << words;
        EXPECT_EQ(g.beta, w0 == 0 ? 0 : 1);
      }
    }
  }
}

TEST(HammingGemmCall, RejectsBadArguments) {
  EXPECT_NE(test::error_of([] { hamming_gemm_layout(0, 4); }).find("batch = 0"), std::string::npos);
  EXPECT_NE(test::error_of([] { hamming_gemm_layout(4, -1); }).find("words = -1"), std::string::npos);
  const HammingGemmLayout layout = hamming_gemm_layout(4, 10);
  EXPECT_NE(test::error_of([&] { hamming_gram_gemm(layout, 0, 11); }).find("chunk = 11"), std::string::npos);
  EXPECT_NE(test::error_of([&] { hamming_gram_gemm(layout, -1, 1); }).find("w0 = -1"), std::string::npos);
}

char lapack_uplo(BlasFill fill) { return fill == BlasFill::Lower ? 'L' : 'U'; }

// BatchedLogAbsDet::compute as the device runs it, cuSOLVER replaced by LAPACK (column-major, as cuSOLVER) on the
// same arguments and buffers: potrf of every matrix at its stride, log_diagonal_kernel's sums (which read the
// factors at n * n and the diagonal at n + 1), and LU of each rejected matrix in the first slot.
std::vector<double> batched_log_abs_det_by_lapack(const std::vector<double>& K, int64_t n, int64_t count) {
  const PotrfBatchedCall potrf = logdet_potrf_batched(n, count);
  std::vector<double> work(static_cast<size_t>(count * potrf.stride), std::nan(""));
  std::copy(K.begin(), K.end(), work.begin());
  std::vector<double> scores(static_cast<size_t>(count));
  const auto log_diagonal = [&](int64_t slot) {
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) sum += std::log(std::fabs(work[static_cast<size_t>(slot * n * n + i * n + i)]));
    return sum;
  };
  for (int m = 0; m < potrf.batch; ++m) {
    const int64_t begin = m * potrf.stride, end = begin + int64_t{potrf.lda} * (potrf.n - 1) + potrf.n;
    ZCNAS_REQUIRE(end <= static_cast<int64_t>(work.size()), "potrf of matrix {} ends past the work buffer", m);
    const lapack_int info =
        LAPACKE_dpotrf(LAPACK_COL_MAJOR, lapack_uplo(potrf.uplo), potrf.n, work.data() + begin, potrf.lda);
    ZCNAS_REQUIRE(info >= 0, "potrf rejected argument {}", -info);
    scores[static_cast<size_t>(m)] = info == 0 ? 2.0 * log_diagonal(m) : std::nan("");
  }
  for (int64_t m = 0; m < count; ++m) {
    if (!std::isnan(scores[static_cast<size_t>(m)])) continue;
    const GetrfCall lu = logdet_getrf(n);
    ZCNAS_REQUIRE(int64_t{lu.lda} * (lu.n - 1) + lu.m <= n * n, "getrf reads past the first slot");
    std::copy(K.begin() + m * n * n, K.begin() + (m + 1) * n * n, work.begin());
    std::vector<lapack_int> pivots(static_cast<size_t>(lu.pivots));
    ZCNAS_REQUIRE(lu.pivots >= std::min(lu.m, lu.n), "getrf needs {} pivots, has {}", std::min(lu.m, lu.n), lu.pivots);
    const lapack_int info = LAPACKE_dgetrf(LAPACK_COL_MAJOR, lu.m, lu.n, work.data(), lu.lda, pivots.data());
    ZCNAS_REQUIRE(info >= 0, "getrf rejected argument {}", -info);
    scores[static_cast<size_t>(m)] = info == 0 ? log_diagonal(0) : -std::numeric_limits<double>::infinity();
  }
  return scores;
}

enum class Kind { Gram, Indefinite, AllEqual };

// Gram: a Gram matrix of random sign vectors (positive definite); Indefinite: symmetric N(0,1) entries, which
// Cholesky rejects; AllEqual: every entry 64, the kernel of identical samples of 64 units (singular: its square
// root is exact, so both factorisations meet an exact zero pivot).
std::vector<double> symmetric_matrix(Kind kind, int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<double> a(static_cast<size_t>(n * n), 64.0);
  if (kind == Kind::Gram) {
    const int64_t dims = 4 * n + 8;
    std::vector<double> v(static_cast<size_t>(n * dims));
    for (auto& x : v) x = (rng() & 1) ? 1.0 : -1.0;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double s = 0.0;
        for (int64_t d = 0; d < dims; ++d)
          s += v[static_cast<size_t>(i * dims + d)] * v[static_cast<size_t>(j * dims + d)];
        a[static_cast<size_t>(i * n + j)] = s;
      }
  } else if (kind == Kind::Indefinite) {
    std::normal_distribution<double> normal;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j <= i; ++j)
        a[static_cast<size_t>(i * n + j)] = a[static_cast<size_t>(j * n + i)] = normal(rng);
  }
  return a;
}

void expect_equal_scores(const std::vector<Kind>& kinds, int64_t n) {
  std::vector<double> K;
  for (size_t m = 0; m < kinds.size(); ++m) {
    const auto a = symmetric_matrix(kinds[m], n, static_cast<uint32_t>(m + 1));
    K.insert(K.end(), a.begin(), a.end());
  }
  const auto got = batched_log_abs_det_by_lapack(K, n, static_cast<int64_t>(kinds.size()));
  for (size_t m = 0; m < kinds.size(); ++m) {
    const double expected = log_abs_det_cpu(K.data() + m * static_cast<size_t>(n * n), n);
    if (std::isinf(expected)) {
      EXPECT_EQ(got[m], expected) << "matrix " << m;
    } else {
      EXPECT_NEAR(got[m], expected, 1e-9 * std::max(1.0, std::fabs(expected))) << "matrix " << m;
    }
  }
}

TEST(LogDetCalls, OnePositiveDefiniteMatrix) { expect_equal_scores({Kind::Gram}, 1); }

TEST(LogDetCalls, BatchOfPositiveDefiniteMatrices) { expect_equal_scores({Kind::Gram, Kind::Gram, Kind::Gram}, 37); }

TEST(LogDetCalls, RejectedMatricesGoToLu) {
  ASSERT_FALSE(std::isinf(log_abs_det_cpu(symmetric_matrix(Kind::Indefinite, 37, 2).data(), 37)));
  expect_equal_scores({Kind::Gram, Kind::Indefinite, Kind::Gram, Kind::AllEqual, Kind::Indefinite}, 37);
}

TEST(LogDetCalls, SingularMatrixIsMinusInfinity) {
  const auto scores = batched_log_abs_det_by_lapack(symmetric_matrix(Kind::AllEqual, 13, 1), 13, 1);
  EXPECT_EQ(scores[0], -std::numeric_limits<double>::infinity());
  expect_equal_scores({Kind::AllEqual, Kind::AllEqual}, 13);
}

TEST(LogDetCalls, RejectBadArguments) {
  EXPECT_NE(test::error_of([] { logdet_potrf_batched(0, 1); }).find("n = 0"), std::string::npos);
  EXPECT_NE(test::error_of([] { logdet_potrf_batched(4, 0); }).find("batch = 0"), std::string::npos);
  EXPECT_NE(test::error_of([] { logdet_potrf_batched(4, int64_t{1} << 31); }).find("batch = 2147483648"),
            std::string::npos);
  EXPECT_NE(test::error_of([] { logdet_getrf(-3); }).find("n = -3"), std::string::npos);
}

}  // namespace
}  // namespace zcnas
