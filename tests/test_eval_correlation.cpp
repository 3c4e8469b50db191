// Kendall tau-b, Spearman rho and Pearson r against their O(n^2) definitions, on seeded data with many ties.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/error.hpp"
#include "core/random.hpp"
#include "eval/correlation.hpp"

namespace zcnas {
namespace {

int sign(double v) { return (v > 0) - (v < 0); }

// tau-b straight from its definition: (sum over pairs of sign(dx) sign(dy)) / sqrt((n0 - n1)(n0 - n2)).
double brute_tau_b(const std::vector<double>& x, const std::vector<double>& y, KendallCounts* counts = nullptr) {
  const size_t n = x.size();
  int64_t s = 0, pairs = 0, x_ties = 0, y_ties = 0, joint = 0, discordant = 0;
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i + 1; j < n; ++j) {
      ++pairs;
      const bool tx = x[i] == x[j], ty = y[i] == y[j];
      x_ties += tx;
      y_ties += ty;
      joint += tx && ty;
      if (!tx && !ty) {
        const int p = sign(x[i] - x[j]) * sign(y[i] - y[j]);
        s += p;
        discordant += p < 0;
      }
    }
  if (counts != nullptr) *counts = {pairs, x_ties, y_ties, joint, discordant};
  if (pairs == 0 || x_ties == pairs || y_ties == pairs) return std::nan("");
  return static_cast<double>(s) / std::sqrt(static_cast<double>(pairs - x_ties) * static_cast<double>(pairs - y_ties));
}

// Rank = 1 + (values below) + (values equal, excluding itself) / 2.
std::vector<double> brute_average_ranks(const std::vector<double>& v) {
  std::vector<double> ranks(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    double below = 0, equal = 0;
    for (size_t j = 0; j < v.size(); ++j) below += v[j] < v[i], equal += j != i && v[j] == v[i];
    ranks[i] = 1 + below + equal / 2;
  }
  return ranks;
}

// Values from a small set (many ties), some -inf, y loosely following x.
void make_tied_data(size_t n, int levels, uint64_t seed, std::vector<double>& x, std::vector<double>& y) {
  x.resize(n);
  y.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const auto a = static_cast<int>(counter_random_u64(seed, 1, i) % static_cast<uint64_t>(levels));
    const auto b = static_cast<int>(counter_random_u64(seed, 2, i) % static_cast<uint64_t>(levels));
    x[i] = counter_random_u64(seed, 3, i) % 17 == 0 ? -INFINITY : 0.5 * a;
    y[i] = static_cast<double>(a / 2 + b);
  }
}

TEST(Correlation, KnightTauBEqualsTheDefinitionOnTiedData) {
  for (size_t n : {2u, 3u, 5u, 17u, 64u, 100u, 333u, 1000u})
    for (int levels : {2, 3, 7, 50})
      for (uint64_t seed : {1u, 2u, 3u}) {
        std::vector<double> x, y;
        make_tied_data(n, levels, seed, x, y);
        KendallCounts expected;
        const double tau = brute_tau_b(x, y, &expected);
        const KendallCounts got = kendall_counts(x, y);
        EXPECT_EQ(got.pairs, expected.pairs);
        EXPECT_EQ(got.x_ties, expected.x_ties) << "n=" << n << " levels=" << levels;
        EXPECT_EQ(got.y_ties, expected.y_ties);
        EXPECT_EQ(got.joint_ties, expected.joint_ties);
        EXPECT_EQ(got.discordant, expected.discordant) << "n=" << n << " levels=" << levels << " seed=" << seed;
        if (std::isnan(tau))
          EXPECT_TRUE(std::isnan(kendall_tau_b(x, y)));
        else
          EXPECT_NEAR(kendall_tau_b(x, y), tau, 1e-12) << "n=" << n << " levels=" << levels;
      }
}

TEST(Correlation, TauBOnContinuousDataAndExtremes) {
  std::vector<double> x(500), y(500);
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = counter_uniform01(7, 1, i);
    y[i] = x[i] + 0.3 * counter_uniform01(7, 2, i);
  }
  EXPECT_NEAR(kendall_tau_b(x, y), brute_tau_b(x, y), 1e-12);
  EXPECT_DOUBLE_EQ(kendall_tau_b(x, x), 1.0);
  std::vector<double> reversed(x);
  for (double& v : reversed) v = -v;
  EXPECT_DOUBLE_EQ(kendall_tau_b(x, reversed), -1.0);
  // scipy's conventions: NaN for fewer than two values or a constant side.
  EXPECT_TRUE(std::isnan(kendall_tau_b({}, {})));
  EXPECT_TRUE(std::isnan(kendall_tau_b({1.0}, {2.0})));
  EXPECT_TRUE(std::isnan(kendall_tau_b({1, 1, 1}, {1, 2, 3})));
  EXPECT_THROW(kendall_tau_b({1.0, NAN}, {1.0, 2.0}), Error);
  EXPECT_THROW(kendall_tau_b({1.0, 2.0}, {1.0}), Error);
}

TEST(Correlation, AverageRanksGiveTiesTheirMeanRank) {
  EXPECT_EQ(average_ranks({10, 20, 20, 30}), (std::vector<double>{1, 2.5, 2.5, 4}));
  EXPECT_EQ(average_ranks({-INFINITY, 5, -INFINITY, 5, 5}), (std::vector<double>{1.5, 4, 1.5, 4, 4}));
  EXPECT_TRUE(average_ranks({}).empty());
  std::vector<double> x, y;
  make_tied_data(257, 5, 11, x, y);
  EXPECT_EQ(average_ranks(x), brute_average_ranks(x));
}

TEST(Correlation, SpearmanIsPearsonOfAverageRanks) {
  for (int levels : {3, 9, 1000}) {
    std::vector<double> x, y;
    make_tied_data(401, levels, 5, x, y);
    EXPECT_NEAR(spearman_rho(x, y), pearson_r(brute_average_ranks(x), brute_average_ranks(y)), 1e-12);
  }
  EXPECT_DOUBLE_EQ(spearman_rho({1, 2, 3, 4}, {10, 20, 30, 1000}), 1.0);
  EXPECT_TRUE(std::isnan(spearman_rho({1, 2, 3}, {4, 4, 4})));
}

TEST(Correlation, PearsonOnKnownValues) {
  // y = 2x + 1 exactly: r = 1; a hand-computed case: x = 1,2,3, y = 1,3,2 gives r = 0.5.
  EXPECT_NEAR(pearson_r({1, 2, 3, 4}, {3, 5, 7, 9}), 1.0, 1e-15);
  EXPECT_NEAR(pearson_r({1, 2, 3}, {1, 3, 2}), 0.5, 1e-15);
  EXPECT_THROW(pearson_r({1, INFINITY}, {1, 2}), Error);
  EXPECT_TRUE(std::isnan(pearson_r({1}, {1})));
}

}  // namespace
}  // namespace zcnas
