// The cuBLAS and cuSOLVER calls of the CUDA kernels, run on the CPU with exactly their arguments
// (kernels/library_calls.hpp): a plain column-major GEMM stands in for cublasGemmEx and LAPACK for cuSOLVER, on
// buffers laid out as the device lays them out. The results must equal the CPU ops, so a wrong transpose, leading
// dimension, stride or beta in the argument builders fails here without a GPU.
#include <gtest/gtest.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "kernels/hamming.hpp"
#include "kernels/library_calls.hpp"
#include "kernels/logdet.hpp"
#include "kernels/tensor_layout.hpp"
#include "test_support.hpp"

namespace zcnas {
namespace {

// C = alpha op(A) op(B) + beta C, column-major, int8 in and int32 accumulation as CUBLAS_COMPUTE_32I. Leading
// dimensions that BLAS rejects and reads or writes outside the buffers throw.
void gemm_int8(const GemmCall& g, const std::vector<int8_t>& A, const std::vector<int8_t>& B, std::vector<int32_t>& C) {
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

std::vector<uint64_t> random_bits(int64_t batch, int64_t units, uint32_t seed) {
  const int64_t words = sign_words(units);
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> bits(static_cast<size_t>(batch * words));
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t w = 0; w < words; ++w) {
      const int64_t valid = std::min<int64_t>(64, units - 64 * w);  // zero past `units`
      bits[static_cast<size_t>(b * words + w)] = valid == 64 ? rng() : rng() & ((uint64_t{1} << valid) - 1);
    }
  return bits;
}

// HammingInt8Gemm::accumulate as the device runs it, the GEMM replaced by gemm_int8 on the same arguments. The
// buffers start with garbage, as reused device buffers may: padding rows and a first chunk's old G must not
// reach K.
void accumulate_hamming_by_gemm(const std::vector<uint64_t>& bits, int64_t batch, int64_t words, int64_t units,
                                int64_t multiplicity, std::vector<int64_t>& K) {
  const HammingGemmLayout layout = hamming_gemm_layout(batch, words);
  std::vector<int8_t> codes(static_cast<size_t>(layout.rows * layout.chunk_words * 64), 1);
  std::vector<int32_t> gram(static_cast<size_t>(layout.rows * layout.rows), 0x5a5a5a5a);
  std::vector<int64_t> popcounts(static_cast<size_t>(batch), 0);
  if (words == 0) std::fill(gram.begin(), gram.end(), 0);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t w = 0; w < words; ++w)
      popcounts[static_cast<size_t>(b)] += __builtin_popcountll(bits[static_cast<size_t>(b * words + w)]);
  for (int64_t w0 = 0; w0 < words; w0 += layout.chunk_words) {
    const int64_t chunk = std::min(layout.chunk_words, words - w0);
    for (int64_t b = 0; b < batch; ++b)  // expand_bits_kernel: codes[b][64 * (w - w0) + k] = bit k of word w
      for (int64_t w = 0; w < chunk; ++w)
        for (int k = 0; k < 64; ++k)
          codes[static_cast<size_t>((b * chunk + w) * 64 + k)] =
              static_cast<int8_t>((bits[static_cast<size_t>(b * words + w0 + w)] >> k) & 1);
    gemm_int8(hamming_gram_gemm(layout, w0, chunk), codes, codes, gram);
  }
  // combine_gram_kernel reads G with leading dimension `rows`.
  for (int64_t i = 0; i < batch; ++i)
    for (int64_t j = 0; j < batch; ++j)
      K[static_cast<size_t>(i * batch + j)] +=
          multiplicity * (units - popcounts[static_cast<size_t>(i)] - popcounts[static_cast<size_t>(j)] +
                          2 * int64_t{gram.at(static_cast<size_t>(i + j * layout.rows))});
}

struct HammingCase {
  int64_t batch, units, multiplicity;
};

std::string case_name(const HammingCase& c) {
  return "batch" + std::to_string(c.batch) + "_units" + std::to_string(c.units) + "_m" + std::to_string(c.multiplicity);
}
void PrintTo(const HammingCase& c, std::ostream* os) { *os << case_name(c); }

class HammingGemmCall : public ::testing::TestWithParam<HammingCase> {};

TEST_P(HammingGemmCall, EqualsTheCpuKernel) {
  const auto [batch, units, multiplicity] = GetParam();
  const int64_t words = sign_words(units);
  const auto bits = random_bits(batch, units, static_cast<uint32_t>(batch * 131 + units));
  std::vector<int64_t> start(static_cast<size_t>(batch * batch));
  std::mt19937 rng(7);
  for (auto& v : start) v = static_cast<int64_t>(rng() % 1000);  // both paths add to K
  std::vector<int64_t> expected = start, got = start;
  accumulate_hamming_cpu(bits.data(), batch, words, units, multiplicity, expected.data());
  accumulate_hamming_by_gemm(bits, batch, words, units, multiplicity, got);
  EXPECT_EQ(got, expected);
}

// Batches off and on multiples of 4, one word or several, and 2,100 words: chunks of 1024, 1024 and 52 words
// that accumulate through beta.
INSTANTIATE_TEST_SUITE_P(Shapes, HammingGemmCall,
                         ::testing::Values(HammingCase{1, 50, 1}, HammingCase{5, 64, 2}, HammingCase{8, 130, 1},
                                           HammingCase{37, 1000, 3}, HammingCase{6, 2100 * 64 - 17, 2},
                                           HammingCase{4, 0, 1}),
                         [](const auto& info) { return case_name(info.param); });

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
