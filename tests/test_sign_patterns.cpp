// SWAP, regularised SWAP and linear regions: the CPU pattern ops against brute force, the oracle's public cases
// (the authors' code, one repeat: exact counts, H within tolerance), one hooked pass serving NASWOT, SWAP and
// linear regions together, and the authors' repeat protocols against the oracle's protocol_stats.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>

#include "io/safetensors.hpp"
#include "kernels/tensor_layout.hpp"
#include "kernels/unit_patterns.hpp"
#include "nn/params.hpp"
#include "proxy_oracle.hpp"
#include "scores/naswot.hpp"
#include "scores/score_set.hpp"
#include "scores/sign_patterns.hpp"
#include "spaces/nb201/nb201.hpp"
#include "test_support.hpp"

namespace zcnas {
namespace {

// [batch][words] random codes, zero past `units` in each row.
std::vector<uint64_t> random_codes(int64_t batch, int64_t words, int64_t units, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> bits(static_cast<size_t>(batch * words));
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t w = 0; w < words; ++w) {
      uint64_t v = rng() & rng();  // biased towards 0, so that patterns repeat
      const int64_t valid = std::clamp<int64_t>(units - 64 * w, 0, 64);
      if (valid < 64) v &= valid == 0 ? 0 : (uint64_t{1} << valid) - 1;
      bits[static_cast<size_t>(b * words + w)] = v;
    }
  return bits;
}

bool bit_of(const std::vector<uint64_t>& bits, int64_t words, int64_t b, int64_t u) {
  return (bits[static_cast<size_t>(b * words + u / 64)] >> (u % 64)) & 1;
}

TEST(SignPatternOps, UnitPatternsGatherOneBitPerSampleAndSkipPadding) {
  for (const auto& [batch, units, extra] :
       std::vector<std::array<int64_t, 3>>{{1, 1, 0}, {16, 130, 1}, {64, 64, 0}, {33, 200, 2}}) {
    const int64_t words = sign_words(units) + extra;
    auto bits = random_codes(batch, words, units, static_cast<uint32_t>(units));
    bits[static_cast<size_t>(words - 1)] |= uint64_t{1} << 63;  // garbage past the units must not become a unit
    std::vector<uint64_t> keys(static_cast<size_t>(units), 77);
    unit_patterns_cpu(bits.data(), words, batch, units, keys.data());
    for (int64_t u = 0; u < units; ++u) {
      uint64_t expected = 0;
      for (int64_t b = 0; b < batch; ++b) expected |= static_cast<uint64_t>(bit_of(bits, words, b, u)) << b;
      ASSERT_EQ(keys[static_cast<size_t>(u)], expected) << "batch " << batch << " unit " << u;
    }
  }
}

TEST(SignPatternOps, CountEqualToDiagonalCountsIdenticalRows) {
  // Samples 0 and 2 share a code: K[i][j] == K[i][i] exactly for them.
  const std::vector<int64_t> K = {10, 4, 10, 4, 10, 4, 10, 4, 10};
  std::vector<int64_t> counts(3);
  count_equal_to_diagonal_cpu(K.data(), 3, counts.data());
  EXPECT_EQ(counts, (std::vector<int64_t>{2, 1, 2}));
}

// A small network with a zero tensor and two ReLU modules reading one node: its counts by brute force.
Network small_network() {
  Network net;
  const int x = net.input(2, 4, 4);
  const int c = net.conv(x, 3, 3, 1, 1, "c.weight");
  const int bn = net.batch_norm(c, "bn");
  net.hook(bn, 4, 2);  // read by two ReLU modules, each inside a wrapper
  const int z = net.zero_like(bn);
  net.hook(z, 1, 1);  // all zero: no bits, one pattern
  const int sum = net.add({net.relu(bn), z});
  const int c2 = net.conv(sum, 2, 1, 1, 0, "c2.weight");
  net.hook(c2, 1, 0);  // NASWOT only
  net.set_output(net.linear(net.global_avg_pool(net.relu(c2)), 1, "fc"));
  return net;
}

TEST(SignPatterns, MatchBruteForceOnASmallNetwork) {
  const Network net = small_network();
  EXPECT_EQ(net.relu_tensors(), 3);
  EXPECT_EQ(net.relu_units(), 3 * 48);
  for (int64_t batch : {5, 30}) {  // the bitmap and the sorting paths of SWAP
    const Tensor input = test::random_input(batch, 2, 4, 4, 3);
    const ParamStore params = init_params(net, 1);
    CpuExecutor<float> exec(1);
    const SignPatternResult r = sign_patterns_cpu(exec, net, params, input);
    // Brute force from the sign bits the executor hooked.
    const HookedSignBits bits = exec.forward_sign_bits(net, params, input);
    std::vector<std::vector<int>> sample(static_cast<size_t>(batch));
    std::set<std::vector<int>> unit_patterns;
    for (const SignBitsGroup& g : bits.groups) {
      if (g.relu_multiplicity == 0) continue;
      for (int64_t u = 0; u < g.units; ++u) {
        std::vector<int> p;
        for (int64_t b = 0; b < batch; ++b) {
          const int v = (g.bits[b * g.words + u / 64] >> (u % 64)) & 1;
          p.push_back(v);
          for (int64_t m = 0; m < g.relu_multiplicity; ++m) sample[static_cast<size_t>(b)].push_back(v);
        }
        unit_patterns.insert(p);
      }
    }
    unit_patterns.insert(std::vector<int>(static_cast<size_t>(batch), 0));  // the zero tensor
    EXPECT_EQ(r.swap, static_cast<double>(unit_patterns.size())) << "batch " << batch;
    // A float32 sum of 1/c_i: the distinct sample patterns up to rounding.
    EXPECT_NEAR(r.linear_regions, static_cast<double>(std::set<std::vector<int>>(sample.begin(), sample.end()).size()),
                1e-4)
        << "batch " << batch;
    for (int64_t i = 0; i < batch; ++i)
      for (int64_t j = 0; j < batch; ++j) {
        double h = 0;
        for (size_t u = 0; u < sample[0].size(); ++u)
          h += sample[static_cast<size_t>(i)][u] != sample[static_cast<size_t>(j)][u];
        ASSERT_EQ(r.H.data[static_cast<size_t>(i * batch + j)], h) << i << "," << j;
      }
  }
}

TEST(SignPatterns, SwapRefusesBatchesPastSixtyFourSamples) {
  const Network net = small_network();
  CpuExecutor<float> exec(1);
  const std::string e =
      test::error_of([&] { sign_patterns_cpu(exec, net, init_params(net, 1), test::random_input(65, 2, 4, 4, 1)); });
  EXPECT_NE(e.find("batch of 65"), std::string::npos) << e;
}

TEST(SignPatterns, RegularisationFollowsTheFormula) {
  EXPECT_DOUBLE_EQ(regularised_swap(1000.0, 600000, 600.0, 250000.0), 1000.0);
  EXPECT_DOUBLE_EQ(regularised_swap(1000.0, 100000, 600.0, 250000.0), 1000.0 * std::exp(-1.0));
}

// ---- the oracle ----

class ProxyCase : public ::testing::TestWithParam<int> {};

TEST_P(ProxyCase, SwapMatchesAuthorsCodeExactly) {
  ZCNAS_REQUIRE_SHARED("oracle/proxies/swap/cases.json");
  const auto cases = test::load_proxy_cases("swap");
  const auto& c = cases["cases"].at(static_cast<size_t>(GetParam()));
  const Network net = nb201::build_network(nb201::parse_arch(c["arch"].get<std::string>()));
  EXPECT_EQ(net.relu_tensors(), c["relu_hooks"].get<int64_t>());
  EXPECT_EQ(net.relu_units(), c["units"].get<int64_t>());
  EXPECT_EQ(net.parameter_count(), c["params"].get<int64_t>());
  const ParamStore params = test::load_proxy_weights("swap", c, net);
  // float64 signs are the reference's (its float32 and float64 runs agree); float32 rounding flips one unit of
  // case 8233 (an activation within an ulp of zero), which makes one more pattern.
  CpuExecutor<double> exec64;
  const SignPatternResult r = sign_patterns_cpu(exec64, net, params, test::proxy_input("swap"));
  EXPECT_EQ(r.swap, c["swap"].get<double>()) << c["name"];
  CpuExecutor<float> exec32;
  const SignPatternResult r32 = sign_patterns_cpu(exec32, net, params, test::proxy_input("swap"));
  EXPECT_LE(std::abs(r32.swap - r.swap), 1.0) << c["name"];
  std::printf("%s: swap %.0f (float32 signs %.0f), oracle %.0f\n", c["name"].get<std::string>().c_str(), r.swap,
              r32.swap, c["swap"].get<double>());
  const double mu = cases["regularisation"]["mu"].get<double>(), sigma = cases["regularisation"]["sigma"].get<double>();
  const double reg = regularised_swap(r.swap, r.parameters, mu, sigma), expected = c["swap_reg"].get<double>();
  EXPECT_NEAR(reg, expected, 1e-12 * std::abs(expected)) << c["name"];
}

TEST_P(ProxyCase, LinearRegionsAndHammingMatchAuthorsCode) {
  ZCNAS_REQUIRE_SHARED("oracle/proxies/linear_regions/cases.json");
  const auto cases = test::load_proxy_cases("linear_regions");
  const auto& c = cases["cases"].at(static_cast<size_t>(GetParam()));
  const Network net = nb201::build_network(nb201::parse_arch(c["arch"].get<std::string>()));
  const std::string dir = test::shared_path("oracle/proxies/linear_regions/" + c["name"].get<std::string>());
  const ParamStore params = load_params(net, dir + "/weights.safetensors");
  CpuExecutor<double> exec64;
  const SignPatternResult r = sign_patterns_cpu(exec64, net, params, test::proxy_input("linear_regions"));
  EXPECT_EQ(r.linear_regions, c["linear_regions"].get<double>()) << c["name"];
  CpuExecutor<float> exec32;
  EXPECT_EQ(sign_patterns_cpu(exec32, net, params, test::proxy_input("linear_regions")).linear_regions,
            c["linear_regions"].get<double>())
      << c["name"];
  EXPECT_EQ(r.relu_units, c["units"].get<int64_t>());

  // Near-zero activations may flip between summation orders; SPEC.md §8.4 allows 1e-4 x units per entry
  // (the float64 rerun moved entries by at most 6).
  const TensorF64 H = raw_to_f64(read_safetensors(dir + "/expected.safetensors").at("H"), "H");
  ASSERT_EQ(r.H.shape, H.shape);
  double worst = 0.0, min_offdiag = INFINITY;
  const auto n = static_cast<size_t>(H.shape[0]);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j) {
      worst = std::max(worst, std::abs(r.H.data[i * n + j] - H.data[i * n + j]));
      if (i != j) min_offdiag = std::min(min_offdiag, r.H.data[i * n + j]);
    }
  EXPECT_LE(worst, 1e-4 * static_cast<double>(r.relu_units)) << c["name"];
  EXPECT_NEAR(min_offdiag, c["min_offdiag_hamming"].get<double>(), 1e-4 * static_cast<double>(r.relu_units));
  std::printf("%s: linear regions %.1f, max |H - H_ref| = %.0f\n", c["name"].get<std::string>().c_str(),
              r.linear_regions, worst);
}

// NASWOT, SWAP, regularised SWAP and linear regions from one hooked pass give what each gives alone.
TEST_P(ProxyCase, OneHookedPassServesEveryPatternScore) {
  ZCNAS_REQUIRE_SHARED("oracle/proxies/swap/cases.json");
  const auto cases = test::load_proxy_cases("swap");
  const auto& c = cases["cases"].at(static_cast<size_t>(GetParam()));
  const Network net = nb201::build_network(nb201::parse_arch(c["arch"].get<std::string>()));
  const ParamStore params = test::load_proxy_weights("swap", c, net);
  const Tensor input = test::proxy_input("swap");
  ScoreSet set({"naswot", "swap", "swap_reg", "linear_regions"});
  EXPECT_TRUE(set.needs().exact_signs);
  const auto backend = make_cpu_backend(0, true);
  const auto rows = set.score({{&net, &params, 0}}, *backend, {&input, nullptr});
  CpuExecutor<double> exec64;
  const SignPatternResult alone = sign_patterns_cpu(exec64, net, params, input);
  CpuExecutor<float> exec;
  const double naswot = naswot_cpu(exec, net, params, input).score;
  if (std::isinf(naswot)) {
    EXPECT_EQ(rows[0].values[0], naswot);
  } else {
    EXPECT_NEAR(rows[0].values[0], naswot, 1e-6 * std::abs(naswot));  // float64 signs against float32 ones
  }
  EXPECT_EQ(rows[0].values[1], c["swap"].get<double>());
  EXPECT_NEAR(rows[0].values[2], c["swap_reg"].get<double>(), 1e-12 * c["swap_reg"].get<double>());
  EXPECT_EQ(rows[0].values[3], alone.linear_regions);
}

INSTANTIATE_TEST_SUITE_P(PublicCases, ProxyCase, ::testing::Range(0, 6));

// The authors' protocols: SWAP, 32 N(0,1) re-inits on the same 16 images, mean of the counts; linear regions,
// 3 kaiming re-inits of 64 images. Our draws are not their RNG's, so the mean must fall within the spread the
// oracle records, mean +- 2 std. The conv-heavy cases 6111 and 8233 are left out for time; bench/forward_scores.md
// has their SWAP means (62,729.3 and 55,036.9 against 62,992.8 +- 891.5 and 55,197.0 +- 1,012.4).
TEST(ProxyProtocol, RepeatMeansFallWithinTheOraclesSpread) {
  ZCNAS_REQUIRE_SHARED("oracle/proxies/swap/cases.json");
  for (const std::string proxy : {"swap", "linear_regions"}) {
    const auto cases = test::load_proxy_cases(proxy);
    const Tensor input = test::proxy_input(proxy);
    const bool swap = proxy == "swap";
    ScoreSet set({swap ? "swap" : "linear_regions"});
    const auto backend = make_cpu_backend();
    for (const auto& c : cases["cases"])
      if (c["index"] != 6111 && c["index"] != 8233)
        test::expect_protocol_mean_within_spread(proxy, c, set, *backend,
                                                 swap ? ParamScheme::Gaussian : ParamScheme::KaimingFanIn,
                                                 {&input, nullptr});
  }
}

}  // namespace
}  // namespace zcnas
