// Every CUDA kernel against its CPU twin on seeded random inputs: bit for bit where the twin performs the
// same operations (sign bits, Hamming counts, the fused node kernel, pools, parameter draws), to a derived
// bound where the order of a floating-point sum differs (batch-norm statistics, log-determinants).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <tuple>

#include "core/random.hpp"
#include "gpu_test_support.hpp"
#include "kernels/batch_norm.cuh"
#include "kernels/hamming.cuh"
#include "kernels/init_params.cuh"
#include "kernels/logdet.cuh"
#include "kernels/pointwise.cuh"
#include "kernels/pool.cuh"
#include "kernels/sign_bits.cuh"

namespace zcnas {
namespace {

using test::random_bits;
using test::random_values;
using test::to_device;
using test::to_host;

constexpr uint64_t kGarbage = 0xdeadbeefcafef00dULL;  // output buffers start dirty: every word must be written

// ---- sign bits ------------------------------------------------------------------------------------------

// (batch, channels, spatial, extra words past sign_words)
class SignBitsGpu : public ::testing::TestWithParam<std::tuple<int64_t, int64_t, int64_t, int64_t>> {};

template <typename T>
void check_sign_bits(int64_t batch, int64_t channels, int64_t spatial, int64_t extra, bool channel_major) {
  const SignLayout layout = channel_major ? SignLayout::channel_major(batch, channels, spatial)
                                          : SignLayout::sample_major(batch, channels, spatial);
  const int64_t words = sign_words(layout.units()) + extra;
  const auto x = random_values<T>(static_cast<size_t>(batch * channels * spatial), 11 + static_cast<uint64_t>(spatial));
  std::vector<uint64_t> expected(static_cast<size_t>(batch * words), kGarbage);
  pack_sign_bits_cpu(x.data(), layout, expected.data(), words);

  auto dx = to_device(x);
  auto dbits = to_device(std::vector<uint64_t>(static_cast<size_t>(batch * words), kGarbage));
  cuda::pack_sign_bits(dx.data(), layout, dbits.data(), words, nullptr);
  EXPECT_EQ(to_host(dbits.data(), expected.size()), expected)
      << (channel_major ? "channel" : "sample") << "-major, " << sizeof(T) * 8 << "-bit";
}

TEST_P(SignBitsGpu, MatchesCpuTwinBitForBit) {
  ZCNAS_REQUIRE_GPU();
  const auto [batch, channels, spatial, extra] = GetParam();
  for (bool channel_major : {false, true}) {
    check_sign_bits<float>(batch, channels, spatial, extra, channel_major);
    check_sign_bits<double>(batch, channels, spatial, extra, channel_major);
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, SignBitsGpu,
                         ::testing::Values(std::make_tuple(0, 3, 5, 0), std::make_tuple(1, 1, 1, 0),
                                           std::make_tuple(1, 3, 7, 2), std::make_tuple(5, 3, 50, 0),
                                           std::make_tuple(33, 16, 64, 1), std::make_tuple(7, 1, 2049, 0),
                                           std::make_tuple(3, 5, 4099, 33), std::make_tuple(128, 16, 1024, 0)));

// ---- Hamming ----------------------------------------------------------------------------------------------

// (batch, units, extra words, multiplicity)
class HammingGpu : public ::testing::TestWithParam<std::tuple<int64_t, int64_t, int64_t, int64_t>> {};

TEST_P(HammingGpu, PopcountAndInt8MatchCpuTwinExactly) {
  ZCNAS_REQUIRE_GPU();
  const auto [batch, units, extra, multiplicity] = GetParam();
  const int64_t words = sign_words(units) + extra;
  const auto bits = random_bits(batch, words, units, 7 + static_cast<uint64_t>(units));
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
      auto bits = random_bits(batch, words, units, 77);
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
  const auto bits = random_bits(n, words, units, seed);
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

// ---- fused node kernel ---------------------------------------------------------------------------------

std::vector<ChannelAffine> random_affine(int64_t channels, uint64_t seed) {
  const auto v = random_values<float>(static_cast<size_t>(4 * channels), seed);
  std::vector<ChannelAffine> a(static_cast<size_t>(channels));
  for (size_t c = 0; c < a.size(); ++c) a[c] = {v[4 * c], 0.5f + std::fabs(v[4 * c + 1]), v[4 * c + 2], v[4 * c + 3]};
  return a;
}

// (batch, channels, height, width)
class PointwiseGpu : public ::testing::TestWithParam<std::tuple<int64_t, int64_t, int64_t, int64_t>> {};

TEST_P(PointwiseGpu, EveryTermMixAndOutputSetMatchesCpuTwinBitForBit) {
  ZCNAS_REQUIRE_GPU();
  const auto [batch, channels, height, width] = GetParam();
  const PointwiseShape shape{batch, channels, height, width};
  const int64_t numel = batch * shape.units();
  std::vector<std::vector<float>> xs;
  std::vector<cuda::DeviceBuffer<float>> dxs;
  for (uint64_t t = 0; t < 4; ++t) {
    xs.push_back(random_values<float>(static_cast<size_t>(numel), 31 + t));
    dxs.push_back(to_device(xs.back()));
  }
  const auto affine = random_affine(channels, 5), affine2 = random_affine(channels, 6);
  auto daffine = to_device(affine), daffine2 = to_device(affine2);

  const std::vector<std::vector<TermKind>> mixes = {
      {TermKind::Plain},
      {TermKind::BatchNorm},
      {TermKind::AvgPool3x3},
      {TermKind::Plain, TermKind::BatchNorm, TermKind::AvgPool3x3},
      {TermKind::BatchNorm, TermKind::BatchNorm, TermKind::Plain, TermKind::AvgPool3x3}};
  const int64_t words = sign_words(shape.units());
  for (const auto& mix : mixes) {
    for (int outputs = 1; outputs < 8; ++outputs) {  // bit 0: y, 1: relu, 2: bits
      PointwiseTerm host_terms[kMaxPointwiseTerms], dev_terms[kMaxPointwiseTerms];
      for (size_t t = 0; t < mix.size(); ++t) {
        const bool second = t == 1;
        host_terms[t] = {mix[t], xs[t].data(), (second ? affine2 : affine).data()};
        dev_terms[t] = {mix[t], dxs[t].data(), (second ? daffine2 : daffine).data()};
      }
      // Bits into a wider row (stride) with extra words, as the executor's multiplicity groups do.
      const int64_t bits_words = words + 1, stride = words + 3;
      std::vector<float> y(static_cast<size_t>(numel), -1.0f), relu(static_cast<size_t>(numel), -1.0f);
      std::vector<uint64_t> bits(static_cast<size_t>(std::max<int64_t>(batch * stride, 1)), kGarbage);
      auto dy = to_device(y), drelu = to_device(relu);
      auto dbits = to_device(bits);
      PointwiseOutputs host_out, dev_out;
      if (outputs & 1) host_out.y = y.data(), dev_out.y = dy.data();
      if (outputs & 2) host_out.relu = relu.data(), dev_out.relu = drelu.data();
      if (outputs & 4) {
        host_out.bits = bits.data(), dev_out.bits = dbits.data();
        host_out.bits_stride = dev_out.bits_stride = stride;
        host_out.bits_words = dev_out.bits_words = bits_words;
      }
      const int n = static_cast<int>(mix.size());
      pointwise_cpu(shape, host_terms, n, host_out);
      cuda::pointwise(shape, dev_terms, n, dev_out, nullptr);
      const auto gy = to_host(dy.data(), y.size()), grelu = to_host(drelu.data(), relu.size());
      const auto gbits = to_host(dbits.data(), bits.size());
      // Compare bit patterns: -0.0 and 0.0 must agree too.
      EXPECT_EQ(std::memcmp(gy.data(), y.data(), y.size() * sizeof(float)), 0)
          << "y, terms " << n << ", outputs " << outputs;
      EXPECT_EQ(std::memcmp(grelu.data(), relu.data(), relu.size() * sizeof(float)), 0) << "relu, terms " << n;
      EXPECT_EQ(gbits, bits) << "bits, terms " << n << ", outputs " << outputs;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, PointwiseGpu,
                         ::testing::Values(std::make_tuple(0, 2, 3, 3), std::make_tuple(1, 1, 1, 1),
                                           std::make_tuple(2, 3, 5, 7), std::make_tuple(3, 16, 8, 8),
                                           std::make_tuple(4, 5, 13, 11), std::make_tuple(2, 16, 32, 32)));

// ---- batch-norm statistics ---------------------------------------------------------------------------------

// Largest difference between two floats in units in the last place of the larger.
double ulps(float a, float b) {
  const float scale = std::max(std::fabs(a), std::fabs(b));
  const float ulp = std::nextafter(scale, std::numeric_limits<float>::infinity()) - scale;
  return std::fabs(static_cast<double>(a) - static_cast<double>(b)) / static_cast<double>(ulp);
}

// (batch, channels, spatial)
class BatchNormGpu : public ::testing::TestWithParam<std::tuple<int64_t, int64_t, int64_t>> {};

TEST_P(BatchNormGpu, StatisticsMatchCpuTwinWithinRounding) {
  ZCNAS_REQUIRE_GPU();
  const auto [batch, channels, spatial] = GetParam();
  auto x = random_values<float>(static_cast<size_t>(batch * channels * spatial), 3);
  for (size_t i = 0; i < x.size(); ++i) x[i] += static_cast<float>(i % 3);  // non-zero means
  const auto gamma = random_values<float>(static_cast<size_t>(channels), 4);
  const auto beta = random_values<float>(static_cast<size_t>(channels), 5);
  std::vector<ChannelAffine> expected(static_cast<size_t>(channels));
  batch_norm_stats_cpu(x.data(), batch, channels, spatial, gamma.data(), beta.data(), expected.data());

  auto dx = to_device(x), dgamma = to_device(gamma), dbeta = to_device(beta);
  cuda::DeviceBuffer<ChannelAffine> dout(static_cast<size_t>(channels));
  cuda::BatchNormWorkspace workspace;
  for (int repeat = 0; repeat < 2; ++repeat) {  // the arrival counters must reset themselves
    cuda::batch_norm_stats(dx.data(), batch, channels, spatial, dgamma.data(), dbeta.data(), dout.data(), workspace,
                           nullptr);
    const auto got = to_host(dout.data(), expected.size());
    for (size_t c = 0; c < expected.size(); ++c) {
      // Both sides accumulate in double (one pass vs two, different order); the doubles differ by ~1e-16
      // relative of the sums, so after rounding to float the results differ by at most one ulp.
      EXPECT_LE(ulps(got[c].mean, expected[c].mean), 1.0) << "channel " << c << " repeat " << repeat;
      EXPECT_LE(ulps(got[c].invstd, expected[c].invstd), 1.0) << "channel " << c;
      EXPECT_EQ(got[c].gamma, expected[c].gamma);
      EXPECT_EQ(got[c].beta, expected[c].beta);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, BatchNormGpu,
                         ::testing::Values(std::make_tuple(1, 1, 1), std::make_tuple(3, 5, 7),
                                           std::make_tuple(2, 70, 3), std::make_tuple(128, 16, 1024),
                                           std::make_tuple(33, 3, 999)));

// ---- pools and linear ------------------------------------------------------------------------------------------

TEST(PoolGpu, AvgPool2x2GlobalPoolAndLinearMatchCpuTwinsBitForBit) {
  ZCNAS_REQUIRE_GPU();
  for (const auto& [batch, channels, height, width] : {std::make_tuple(1, 1, 2, 2), std::make_tuple(3, 5, 6, 10),
                                                       std::make_tuple(7, 16, 32, 32), std::make_tuple(2, 3, 7, 9)}) {
    const auto x = random_values<float>(static_cast<size_t>(batch * channels * height * width), 9);
    auto dx = to_device(x);
    const int64_t pooled = batch * channels * (height / 2) * (width / 2);
    std::vector<float> y(static_cast<size_t>(pooled));
    avg_pool2x2_cpu(x.data(), batch, channels, height, width, y.data());
    cuda::DeviceBuffer<float> dy(y.size());
    cuda::avg_pool2x2(dx.data(), batch, channels, height, width, dy.data(), nullptr);
    EXPECT_EQ(to_host(dy.data(), y.size()), y) << "avg_pool2x2 " << height << "x" << width;

    std::vector<float> g(static_cast<size_t>(batch * channels));
    global_avg_pool_cpu(x.data(), batch, channels, height * width, g.data());
    cuda::DeviceBuffer<float> dg(g.size());
    cuda::global_avg_pool(dx.data(), batch, channels, height * width, dg.data(), nullptr);
    EXPECT_EQ(to_host(dg.data(), g.size()), g) << "global_avg_pool";

    for (int64_t out : {1, 3, 10}) {
      const auto w = random_values<float>(static_cast<size_t>(out * channels), 10);
      const auto bias = random_values<float>(static_cast<size_t>(out), 12);
      std::vector<float> l(static_cast<size_t>(batch * out));
      linear_cpu(g.data(), batch, channels, out, w.data(), bias.data(), l.data());
      auto dw = to_device(w), dbias = to_device(bias);
      cuda::DeviceBuffer<float> dl(l.size());
      cuda::linear(dg.data(), batch, channels, out, dw.data(), dbias.data(), dl.data(), nullptr);
      EXPECT_EQ(to_host(dl.data(), l.size()), l) << "linear to " << out;
    }
  }
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
