// The CUDA kernels that are not ops of a forward plan, against the CPU ops with the same contract on seeded
// random inputs: Hamming counts and parameter draws bit for bit, log-determinants to a derived bound. The
// forward's ops (fused node op, batch-norm statistics, pools, linear, convolutions) are checked on every
// device by tests/test_backend_ops.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <tuple>

#include "core/random.hpp"
#include "gpu_test_support.hpp"
#include "kernels/hamming.cuh"
#include "kernels/init_params.cuh"
#include "kernels/logdet.cuh"
#include "kernels/tensor_layout.hpp"

namespace zcnas {
namespace {

using test::random_codes;
using test::to_device;
using test::to_host;

constexpr uint64_t kGarbage = 0xdeadbeefcafef00dULL;  // output buffers start dirty: every word must be written

// ---- Hamming ----------------------------------------------------------------------------------------------

// (batch, units, extra words, multiplicity)
class HammingGpu : public ::testing::TestWithParam<std::tuple<int64_t, int64_t, int64_t, int64_t>> {};

TEST_P(HammingGpu, PopcountAndInt8MatchCpuTwinExactly) {
  ZCNAS_REQUIRE_GPU();
  const auto [batch, units, extra, multiplicity] = GetParam();
  const int64_t words = sign_words(units) + extra;
  const auto bits = random_codes(batch, words, units, 7 + static_cast<uint64_t>(units));
  // K starts non-zero: the kernels accumulate.
  std::vector<int64_t> K0(static_cast<size_t>(batch * batch));
  for (size_t i = 0; i < K0.size(); ++i) K0[i] = static_cast<int64_t>(mix64(i) % 1000) - 500;
  std::vector<int64_t> expected = K0;
  accumulate_hamming_cpu(bits.data(), batch, words, units, multiplicity, expected.data());

  auto dbits = to_device(bits);
  {
    auto dK = to_device(K0);
    cuda::accumulate_hamming(dbits.data(), batch, words, units, multiplicity, dK.data(), nullptr);
    EXPECT_EQ(to_host(dK.data(), K0.size()), expected) << "popcount";
  }
  {
    auto dK = to_device(K0);
    cuda::HammingInt8Gemm gemm(nullptr);
    gemm.accumulate(dbits.data(), batch, words, units, multiplicity, dK.data());
    EXPECT_EQ(to_host(dK.data(), K0.size()), expected) << "int8 tensor-core GEMM";
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, HammingGpu,
                         ::testing::Values(std::make_tuple(0, 10, 0, 1), std::make_tuple(1, 1, 0, 1),
                                           std::make_tuple(1, 64, 0, 2), std::make_tuple(2, 65, 1, 1),
                                           std::make_tuple(33, 150, 0, 6), std::make_tuple(70, 5000, 3, 4),
                                           std::make_tuple(31, 70000, 0, 1), std::make_tuple(128, 16384, 0, 2)));

TEST(IdenticalSamples, FlaggedExactlyWhenTwoCodesAreEqual) {
  ZCNAS_REQUIRE_GPU();
  cuda::DeviceBuffer<int> flag(1);
  for (int64_t batch : {1, 2, 9, 130}) {
    for (bool duplicate : {false, true}) {
      const int64_t units = 300, words = sign_words(units);
      auto bits = random_codes(batch, words, units, 77);
      if (duplicate && batch >= 2)
        std::copy_n(bits.begin(), words, bits.begin() + (batch - 1) * words);  // last sample = first sample
      std::vector<int64_t> K(static_cast<size_t>(batch * batch), 0);
      accumulate_hamming_cpu(bits.data(), batch, words, units, 3, K.data());
      auto dK = to_device(K);
      cuda::flag_identical_samples(dK.data(), batch, flag.data(), nullptr);
      EXPECT_EQ(to_host(flag.data(), 1)[0], duplicate && batch >= 2 ? 1 : 0) << "batch " << batch;
    }
  }
}

TEST(KernelToDouble, AddsTheOffsetExactly) {
  ZCNAS_REQUIRE_GPU();
  const std::vector<int64_t> K = {0, 1, -7, int64_t{1} << 40, 123456789};
  auto dK = to_device(K);
  cuda::DeviceBuffer<double> out(K.size());
  cuda::kernel_to_double(dK.data(), static_cast<int64_t>(K.size()), 1000, out.data(), nullptr);
  const auto got = to_host(out.data(), K.size());
  for (size_t i = 0; i < K.size(); ++i) EXPECT_EQ(got[i], static_cast<double>(K[i] + 1000));
}

// ---- log-determinant --------------------------------------------------------------------------------------

// NASWOT-like kernels from random codes: agreements of distinct random samples give a well-conditioned K.
std::vector<double> naswot_like_kernel(int64_t n, int64_t units, uint64_t seed) {
  const int64_t words = sign_words(units);
  const auto bits = random_codes(n, words, units, seed);
  std::vector<int64_t> K(static_cast<size_t>(n * n), 0);
  accumulate_hamming_cpu(bits.data(), n, words, units, 1, K.data());
  return std::vector<double>(K.begin(), K.end());
}

TEST(LogAbsDetGpu, BatchMatchesCpuTwinIncludingFallbackAndSingular) {
  ZCNAS_REQUIRE_GPU();
  cuda::BatchedLogAbsDet logdet(nullptr);
  for (int64_t n : {1, 2, 17, 64, 128}) {
    std::vector<std::vector<double>> mats;
    for (uint64_t s = 0; s < 3; ++s) mats.push_back(naswot_like_kernel(n, 4 * n + 100, 100 + s));
    if (n >= 2) {
      // Rows 0 and 1 equal, with values whose Cholesky is exact (pivot 4 - 2 * 2 = 0): both twins must
      // fail Cholesky and find LU's exact zero pivot. (Near-singular kernels from real codes are flagged
      // exactly by flag_identical_samples instead, see below.)
      std::vector<double> singular(static_cast<size_t>(n * n), 0.0);
      for (int64_t i = 0; i < n; ++i) singular[static_cast<size_t>(i * n + i)] = 4.0;
      singular[1] = singular[static_cast<size_t>(n)] = 4.0;
      mats.push_back(singular);
      // Symmetric, not positive definite (a rank-one change of a kernel): Cholesky fails, LU answers.
      auto indefinite = mats[1];
      indefinite[static_cast<size_t>(n * n - 1)] *= -1.0;
      mats.push_back(indefinite);
    }
    std::vector<double> all;
    for (const auto& m : mats) all.insert(all.end(), m.begin(), m.end());
    auto dK = to_device(all);
    std::vector<double> scores(mats.size());
    logdet.compute(dK.data(), n, static_cast<int64_t>(mats.size()), scores.data());
    for (size_t k = 0; k < mats.size(); ++k) {
      const double expected = log_abs_det_cpu(mats[k].data(), n);
      if (std::isinf(expected)) {
        EXPECT_TRUE(std::isinf(scores[k]) && scores[k] < 0) << "n=" << n << " matrix " << k << ": " << scores[k];
      } else {
        // Cholesky and LU are backward stable: the factors are exact for K + E with |E| <= c n u |K|, which moves
        // log|det| by about n u cond(K); these K have cond <~ 1e3, so 1e-10 relative has a wide margin.
        EXPECT_NEAR(scores[k], expected, 1e-10 * std::max(1.0, std::fabs(expected))) << "n=" << n << " matrix " << k;
      }
    }
  }
}

TEST(LogAbsDetGpu, EmptyInputs) {
  ZCNAS_REQUIRE_GPU();
  cuda::BatchedLogAbsDet logdet(nullptr);
  double scores[2] = {NAN, NAN};
  cuda::DeviceBuffer<double> dK(1);
  logdet.compute(dK.data(), 5, 0, scores);  // no matrices: nothing written
  EXPECT_TRUE(std::isnan(scores[0]));
  logdet.compute(dK.data(), 0, 2, scores);  // 0 x 0 matrices: the empty product
  EXPECT_EQ(scores[0], log_abs_det_cpu(nullptr, 0));
  EXPECT_EQ(scores[1], 0.0);
}

// ---- parameter drawing --------------------------------------------------------------------------------------

TEST(InitParamsGpu, UniformDrawsMatchTheHostGeneratorBitForBit) {
  ZCNAS_REQUIRE_GPU();
  const std::vector<std::pair<std::string, int64_t>> params = {{"a", 0}, {"b.weight", 1}, {"c", 1000}, {"d", 70001}};
  std::vector<cuda::DeviceBuffer<float>> outs;
  std::vector<cuda::UniformParam> table;
  for (size_t k = 0; k < params.size(); ++k) {
    outs.emplace_back(static_cast<size_t>(std::max<int64_t>(params[k].second, 1)));
    table.push_back(
        {name_key(params[k].first), 1.0 / std::sqrt(static_cast<double>(k + 3)), params[k].second, outs.back().data()});
  }
  // More than one launch's worth of parameters.
  for (int k = 0; k < 70; ++k) {
    outs.emplace_back(static_cast<size_t>(k + 1));
    table.push_back({name_key("p" + std::to_string(k)), 0.125, k + 1, outs.back().data()});
  }
  const uint64_t seed = 987654321;
  cuda::draw_uniform_params(table.data(), static_cast<int64_t>(table.size()), seed, nullptr);
  for (size_t k = 0; k < table.size(); ++k) {
    const auto got = to_host(outs[k].data(), static_cast<size_t>(table[k].count));
    for (int64_t i = 0; i < table[k].count; ++i) {
      const double u = counter_uniform01(seed, table[k].key, static_cast<uint64_t>(i));
      const float expected = static_cast<float>(table[k].bound * (2.0 * u - 1.0));
      ASSERT_EQ(got[static_cast<size_t>(i)], expected) << "parameter " << k << " element " << i;
    }
  }
}

}  // namespace
}  // namespace zcnas
