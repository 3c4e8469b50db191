// CPU twins of the NASWOT kernels against direct definitions: sign bits, Hamming counts, log-determinant.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "kernels/hamming.hpp"
#include "kernels/logdet.hpp"
#include "kernels/sign_bits.hpp"

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

bool bit(const std::vector<uint64_t>& bits, int64_t words, int64_t b, int64_t u) {
  return (bits[static_cast<size_t>(b * words + u / 64)] >> (u % 64)) & 1U;
}

class SignBits : public ::testing::TestWithParam<std::tuple<int64_t, int64_t, int64_t>> {};

TEST_P(SignBits, BothLayoutsGiveTheDefinition) {
  const auto [batch, channels, spatial] = GetParam();
  const int64_t units = channels * spatial, words = sign_words(units);
  const auto x = random_signed(static_cast<size_t>(batch * units), 11);
  // The same tensor stored channel-major: xc[(c * batch + b) * spatial + s] = x[b][c][s].
  std::vector<float> xc(x.size());
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t s = 0; s < spatial; ++s)
        xc[static_cast<size_t>((c * batch + b) * spatial + s)] = x[static_cast<size_t>((b * channels + c) * spatial + s)];
  std::vector<uint64_t> a(static_cast<size_t>(batch * words), ~0ULL), c(a);
  pack_sign_bits_cpu(x.data(), SignLayout::sample_major(batch, channels, spatial), a.data(), words);
  pack_sign_bits_cpu(xc.data(), SignLayout::channel_major(batch, channels, spatial), c.data(), words);
  EXPECT_EQ(a, c);
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t u = 0; u < units; ++u)
      ASSERT_EQ(bit(a, words, b, u), x[static_cast<size_t>(b * units + u)] > 0.0f) << "sample " << b << " unit " << u;
    for (int64_t u = units; u < words * 64; ++u) ASSERT_FALSE(bit(a, words, b, u)) << "padding bit " << u;
  }
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
    std::vector<uint64_t> bits(static_cast<size_t>(batch * words));
    pack_sign_bits_cpu(x.data(), SignLayout::sample_major(batch, 1, units), bits.data(), words);
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
