// CPU ops behind NASWOT against direct definitions: the sign bits of the fused node op, Hamming counts,
// identical-code detection, log-determinant.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "kernels/hamming.hpp"
#include "kernels/logdet.hpp"
#include "kernels/pointwise.hpp"

namespace zcnas {
namespace {

// Values in {-1, 0, +1} * random magnitudes: zeros test the strict "> 0".
std::vector<float> random_signed(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> sign(-1, 1);
  std::uniform_real_distribution<float> mag(0.1f, 2.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(sign(rng)) * mag(rng);
  return v;
}

// Packs sample-major values by the definition: bit u of sample b's row is x[b][u] > 0.
std::vector<uint64_t> pack_by_definition(const std::vector<float>& x, int64_t batch, int64_t units, int64_t words) {
  std::vector<uint64_t> bits(static_cast<size_t>(batch * words), 0);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t u = 0; u < units; ++u)
      if (x[static_cast<size_t>(b * units + u)] > 0.0f) bits[static_cast<size_t>(b * words + u / 64)] |= uint64_t{1} << (u % 64);
  return bits;
}

class SignBits : public ::testing::TestWithParam<std::tuple<int64_t, int64_t, int64_t>> {};

TEST_P(SignBits, FusedNodeOpWritesTheDefinitionFromChannelMajorValues) {
  const auto [batch, channels, spatial] = GetParam();
  const int64_t units = channels * spatial, words = sign_words(units);
  const auto x = random_signed(static_cast<size_t>(batch * units), 11);
  // The same tensor stored channel-major, as the CPU ops hold it: xc[(c * batch + b) * spatial + s] = x[b][c][s].
  std::vector<float> xc(x.size());
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t s = 0; s < spatial; ++s)
        xc[static_cast<size_t>((c * batch + b) * spatial + s)] = x[static_cast<size_t>((b * channels + c) * spatial + s)];
  // Rows two words wider than needed, garbage everywhere: the op writes its words, padding included.
  const int64_t stride = words + 2;
  std::vector<uint64_t> bits(static_cast<size_t>(batch * stride), ~0ULL);
  std::vector<float> relu(x.size(), -1.0f);
  const PointwiseTerm term{TermKind::Plain, xc.data(), nullptr};
  PointwiseOutputs out;
  out.relu = relu.data();
  out.bits = bits.data();
  out.bits_stride = stride;
  out.bits_words = words;
  pointwise_cpu(PointwiseShape{batch, channels, 1, spatial}, &term, 1, out, 2);
  const auto expected = pack_by_definition(x, batch, units, words);
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t w = 0; w < words; ++w)
      ASSERT_EQ(bits[static_cast<size_t>(b * stride + w)], expected[static_cast<size_t>(b * words + w)])
          << "sample " << b << " word " << w;
    for (int64_t w = words; w < stride; ++w) ASSERT_EQ(bits[static_cast<size_t>(b * stride + w)], ~0ULL);
  }
  for (size_t i = 0; i < xc.size(); ++i) ASSERT_EQ(relu[i], std::max(xc[i], 0.0f));
}

INSTANTIATE_TEST_SUITE_P(Shapes, SignBits,
                         ::testing::Values(std::make_tuple(int64_t{1}, int64_t{1}, int64_t{1}),
                                           std::make_tuple(int64_t{3}, int64_t{5}, int64_t{7}),
                                           std::make_tuple(int64_t{5}, int64_t{4}, int64_t{64}),
                                           std::make_tuple(int64_t{7}, int64_t{3}, int64_t{100}),
                                           std::make_tuple(int64_t{0}, int64_t{3}, int64_t{64})));

TEST(Hamming, MatchesPairwiseDefinitionWithMultiplicity) {
  for (int64_t batch : {0, 1, 5, 9, 33}) {
    const int64_t units = 200, words = sign_words(units);
    const auto x = random_signed(static_cast<size_t>(batch * units), 5 + static_cast<uint32_t>(batch));
    const std::vector<uint64_t> bits = pack_by_definition(x, batch, units, words);
    std::vector<int64_t> K(static_cast<size_t>(batch * batch), 7);  // accumulates onto what is there
    accumulate_hamming_cpu(bits.data(), batch, words, units, 3, K.data());
    for (int64_t i = 0; i < batch; ++i)
      for (int64_t j = 0; j < batch; ++j) {
        int64_t agree = 0;
        for (int64_t u = 0; u < units; ++u)
          agree += (x[static_cast<size_t>(i * units + u)] > 0) == (x[static_cast<size_t>(j * units + u)] > 0);
        ASSERT_EQ(K[static_cast<size_t>(i * batch + j)], 7 + 3 * agree) << i << "," << j;
      }
  }
}

TEST(Hamming, IdenticalCodesAreFoundExactlyAndTheOffsetIsAddedExactly) {
  const int64_t batch = 6, units = 130, words = sign_words(units);
  auto x = random_signed(static_cast<size_t>(batch * units), 3);
  for (int copy : {0, 1}) {
    if (copy) std::copy_n(x.begin() + 2 * units, units, x.begin() + 5 * units);  // sample 5 := sample 2
    const auto bits = pack_by_definition(x, batch, units, words);
    std::vector<int64_t> K(static_cast<size_t>(batch * batch), 0);
    accumulate_hamming_cpu(bits.data(), batch, words, units, 2, K.data());
    EXPECT_EQ(identical_samples_cpu(K.data(), batch), copy == 1);
    std::vector<double> Kd(K.size());
    kernel_to_double_cpu(K.data(), batch * batch, int64_t{1} << 40, Kd.data());
    for (size_t i = 0; i < K.size(); ++i) ASSERT_EQ(Kd[i], static_cast<double>(K[i] + (int64_t{1} << 40)));
  }
}

TEST(LogDet, MatchesDefinitionAndReportsSingularAsMinusInfinity) {
  // A diagonal-dominant SPD matrix: det of [[4,1],[1,3]] = 11.
  const double spd[4] = {4, 1, 1, 3};
  EXPECT_NEAR(log_abs_det_cpu(spd, 2), std::log(11.0), 1e-12);
  // Indefinite (Cholesky fails, LU works): det [[1,2],[2,1]] = -3.
  const double indef[4] = {1, 2, 2, 1};
  EXPECT_NEAR(log_abs_det_cpu(indef, 2), std::log(3.0), 1e-12);
  // Two identical rows, as two samples with identical codes give.
  const double singular[9] = {5, 5, 1, 5, 5, 1, 1, 1, 5};
  const double v = log_abs_det_cpu(singular, 3);
  EXPECT_TRUE(std::isinf(v) && v < 0) << v;
  EXPECT_EQ(log_abs_det_cpu(nullptr, 0), 0.0);
}

}  // namespace
}  // namespace zcnas
