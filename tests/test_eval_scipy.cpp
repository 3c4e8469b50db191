// Kendall tau-b and Spearman rho equal scipy.stats.kendalltau and spearmanr (1e-9) on the same seeded data
// with many ties and -inf values. Runs tests/scipy_correlation.py with /usr/bin/python3 (or $ZCNAS_PYTHON);
// skips, saying why, when Python or scipy is missing.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "core/random.hpp"
#include "eval/correlation.hpp"
#include "eval/evaluation.hpp"
#include "search_fixtures.hpp"

namespace zcnas {
namespace {

std::string python() {
  const char* env = std::getenv("ZCNAS_PYTHON");
  return env != nullptr && *env != '\0' ? env : "/usr/bin/python3";
}

struct Case {
  std::vector<double> x, y;
};

// Scores with ties and non-finite values (ranked lowest, as zcnas eval does), accuracies with ties.
Case make_case(size_t n, int levels, uint64_t seed) {
  Case c;
  for (size_t i = 0; i < n; ++i) {
    const auto level = static_cast<double>(counter_random_u64(seed, 1, i) % static_cast<uint64_t>(levels));
    double score = level + 0.25 * static_cast<double>(counter_random_u64(seed, 2, i) % 3);
    if (counter_random_u64(seed, 3, i) % 11 == 0) score = -INFINITY;
    if (counter_random_u64(seed, 4, i) % 23 == 0) score = NAN;
    c.x.push_back(score);
    c.y.push_back(std::round(level * 3 + 10 * counter_uniform01(seed, 5, i)) / 4);
  }
  return c;
}

TEST(Scipy, TauBAndRhoEqualScipy) {
  std::string out;
  if (test::run_command("'" + python() + "' -c 'import scipy, numpy'", &out) != 0)
    GTEST_SKIP() << "skipped: " << python() << " cannot import scipy and numpy (Debian: python3-scipy): " << out;

  test::TempDir dir;
  std::vector<Case> cases;
  std::string files;
  int k = 0;
  for (size_t n : {2u, 7u, 50u, 301u, 2000u, 15625u})
    for (int levels : {2, 6, 40}) {
      Case c = make_case(n, levels, 100 + static_cast<uint64_t>(k));
      // scipy propagates NaN; zcnas ranks every non-finite score lowest, so both get the same values.
      c.x = rank_non_finite_lowest(c.x);
      const std::string path = dir.file("case" + std::to_string(k++) + ".csv");
      std::ofstream f(path);
      f << "x,y\n";
      for (size_t i = 0; i < c.x.size(); ++i)
        f << (std::isinf(c.x[i]) ? std::string("-inf") : fmt::format("{}", c.x[i])) << "," << fmt::format("{}", c.y[i])
          << "\n";
      files += " '" + path + "'";
      cases.push_back(std::move(c));
    }
  ASSERT_EQ(test::run_command("'" + python() + "' '" ZCNAS_SOURCE_DIR "/tests/scipy_correlation.py'" + files, &out), 0)
      << out;
  std::istringstream lines(out);
  for (size_t i = 0; i < cases.size(); ++i) {
    double tau = 0, rho = 0;
    ASSERT_TRUE(static_cast<bool>(lines >> tau >> rho)) << "scipy printed: " << out;
    const double mine_tau = kendall_tau_b(cases[i].x, cases[i].y), mine_rho = spearman_rho(cases[i].x, cases[i].y);
    if (std::isnan(tau))
      EXPECT_TRUE(std::isnan(mine_tau)) << "case " << i;
    else
      EXPECT_NEAR(mine_tau, tau, 1e-9) << "case " << i << " n=" << cases[i].x.size();
    if (std::isnan(rho))
      EXPECT_TRUE(std::isnan(mine_rho)) << "case " << i;
    else
      EXPECT_NEAR(mine_rho, rho, 1e-9) << "case " << i << " n=" << cases[i].x.size();
  }
}

}  // namespace
}  // namespace zcnas
