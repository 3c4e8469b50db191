// Random search, REA and AREA on the host with synthetic fitness: valid archs, one-edge mutations that stay
// in the domain, aging, reproducibility, and winners never worse than the random draws they start from.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/device.hpp"
#include "core/error.hpp"
#include "core/random.hpp"
#include "search/evolution.hpp"
#include "search/evolution_space.hpp"
#include "search/random_search.hpp"
#include "search_fixtures.hpp"
#include "spaces/nb201/nb201.hpp"

namespace zcnas {

// Test names and messages show the algorithm's name.
inline void PrintTo(SearchAlgorithm algorithm, std::ostream* os) { *os << search_algorithm_name(algorithm); }
namespace {

using evolution::HostSpace;
using test::config;
using test::same_runs;
using test::synthetic_score;

std::vector<int64_t> whole_space() {
  std::vector<int64_t> d(static_cast<size_t>(nb201::kNumArchs));
  for (int64_t i = 0; i < nb201::kNumArchs; ++i) d[static_cast<size_t>(i)] = i;
  return d;
}

CachedFitness synthetic_fitness(std::vector<int64_t> domain = whole_space()) {
  return CachedFitness(
      [](const std::vector<int64_t>& indices) {
        std::vector<double> s;
        for (int64_t i : indices) s.push_back(synthetic_score(i));
        return s;
      },
      std::move(domain));
}

int edges_differing(int64_t a, int64_t b) {
  const auto x = nb201::index_to_arch(a), y = nb201::index_to_arch(b);
  int d = 0;
  for (size_t e = 0; e < x.size(); ++e) d += x[e] != y[e];
  return d;
}

TEST(Mutation, ReachesEachOfTheTwentyFourNeighboursOnce) {
  const HostSpace space(test::nb201_space(), whole_space(), true);
  for (int64_t parent : {0, 6111, 15624, 1234}) {
    std::set<int32_t> children;
    for (uint64_t u = 0; u < 24; ++u) {
      const int32_t child = evolution::mutate(space.view(), static_cast<int32_t>(parent), u);
      EXPECT_EQ(edges_differing(parent, child), 1) << parent << " -> " << child;
      children.insert(child);
    }
    EXPECT_EQ(children.size(), 24u) << "parent " << parent;
    // The draw picks among the 24 by its value modulo 24.
    EXPECT_EQ(evolution::mutate(space.view(), static_cast<int32_t>(parent), 24 + 5),
              evolution::mutate(space.view(), static_cast<int32_t>(parent), 5));
  }
}

TEST(Mutation, StaysInTheDomainAndRestartsWhenNoNeighbourIsThere) {
  // Domain: 6111, one of its neighbours, and an arch far from both.
  const auto arch = nb201::index_to_arch(6111);
  auto neighbour_arch = arch;
  neighbour_arch[4] = nb201::Op::None;
  const int64_t neighbour = nb201::arch_to_index(neighbour_arch);
  const int64_t far = 0;
  ASSERT_GT(edges_differing(6111, far), 1);
  ASSERT_GT(edges_differing(neighbour, far), 1);
  const HostSpace space(test::nb201_space(), {far, neighbour, 6111}, true);
  for (uint64_t u = 0; u < 50; ++u) EXPECT_EQ(evolution::mutate(space.view(), 6111, u), neighbour);
  // `far` has no neighbour in the domain: the child is a uniform draw from it (domain sorted: 0, ..).
  std::set<int32_t> restarts;
  for (uint64_t u = 0; u < 30; ++u) restarts.insert(evolution::mutate(space.view(), static_cast<int32_t>(far), u));
  EXPECT_EQ(restarts, (std::set<int32_t>{static_cast<int32_t>(far), static_cast<int32_t>(neighbour), 6111}));
}

TEST(Search, RandomEqualsNaswotRandomSearch) {
  auto fitness = synthetic_fitness();
  SearchConfig c = config(SearchAlgorithm::Random, 9);
  const auto runs = search_cpu(test::nb201_space(), fitness, c, 25);
  for (const SearchRun& r : runs) {
    const RandomSearchRun expected = random_search(fitness, c.samples, c.seed, r.run);
    EXPECT_EQ(r.winner, expected.winner) << "run " << r.run;
    EXPECT_EQ(r.history, expected.samples);
    EXPECT_TRUE(r.population.empty());
  }
}

class EvolutionTest : public ::testing::TestWithParam<SearchAlgorithm> {};

TEST_P(EvolutionTest, WinnersAreTheBestEvaluatedAndMutationsAreOneEdge) {
  auto fitness = synthetic_fitness();
  const SearchConfig c = config(GetParam());
  const auto runs = search_cpu(test::nb201_space(), fitness, c, 30);
  ASSERT_EQ(runs.size(), 30u);
  const int64_t initial = initial_draws(c);
  for (const SearchRun& r : runs) {
    ASSERT_EQ(static_cast<int64_t>(r.history.size()), evaluations_per_run(c));
    ASSERT_EQ(static_cast<int64_t>(r.population.size()), c.population);
    // The winner: the first of the best-scoring archs in the history.
    int64_t best = r.history[0];
    for (int64_t i : r.history)
      if (better_fitness(synthetic_score(i), synthetic_score(best))) best = i;
    EXPECT_EQ(r.winner, best) << "run " << r.run;
    EXPECT_TRUE(std::isnan(r.score) ? std::isnan(synthetic_score(r.winner)) : r.score == synthetic_score(r.winner));
    // The initial draws are random search's.
    const RandomSearchRun start = random_search(fitness, initial, c.seed, r.run);
    EXPECT_TRUE(std::equal(start.samples.begin(), start.samples.end(), r.history.begin()));
    EXPECT_FALSE(better_fitness(synthetic_score(start.winner), r.score)) << "the search lost its best initial draw";
    // Every child is one edge away from an arch evaluated before it (its parent).
    for (size_t k = static_cast<size_t>(initial); k < r.history.size(); ++k) {
      const bool has_parent = std::any_of(r.history.begin(), r.history.begin() + static_cast<int64_t>(k),
                                          [&](int64_t p) { return edges_differing(p, r.history[k]) == 1; });
      EXPECT_TRUE(has_parent) << "run " << r.run << " child " << k;
    }
    // Aging: after at least P cycles the population is exactly the last P children, oldest first.
    ASSERT_GE(c.cycles, c.population);
    EXPECT_TRUE(std::equal(r.population.begin(), r.population.end(), r.history.end() - c.population));
  }
}

TEST_P(EvolutionTest, AgingKeepsTheYoungestInitialMembers) {
  auto fitness = synthetic_fitness();
  SearchConfig c = config(GetParam());
  c.cycles = 5;  // fewer than P: 7 initial members survive, the first 5 died
  for (const SearchRun& r : search_cpu(test::nb201_space(), fitness, c, 8)) {
    std::vector<int64_t> members(r.history.begin(), r.history.begin() + initial_draws(c));
    if (GetParam() == SearchAlgorithm::Area) {
      // AREA's population: the P best initial draws, in draw order.
      std::vector<size_t> order(members.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return better_fitness(synthetic_score(members[a]), synthetic_score(members[b]));
      });
      order.resize(static_cast<size_t>(c.population));
      std::sort(order.begin(), order.end());
      std::vector<int64_t> chosen;
      for (size_t i : order) chosen.push_back(members[i]);
      members = chosen;
    }
    std::vector<int64_t> expected(members.begin() + c.cycles, members.end());
    expected.insert(expected.end(), r.history.end() - c.cycles, r.history.end());
    EXPECT_EQ(r.population, expected) << "run " << r.run;
  }
}

TEST_P(EvolutionTest, SameSeedSameResultAndRunsAreIndependent) {
  auto fitness = synthetic_fitness();
  const SearchConfig c = config(GetParam());
  const auto together = search_cpu(test::nb201_space(), fitness, c, 6);
  EXPECT_TRUE(same_runs(together, search_cpu(test::nb201_space(), fitness, c, 6)));
  // A run does not depend on which other runs advance beside it.
  for (int64_t r = 0; r < 6; ++r) {
    const auto alone = search_cpu(test::nb201_space(), fitness, c, 1, r);
    EXPECT_TRUE(same_runs(alone, {together[static_cast<size_t>(r)]})) << "run " << r;
  }
  SearchConfig other = c;
  other.seed = c.seed + 1;
  EXPECT_FALSE(same_runs(together, search_cpu(test::nb201_space(), fitness, other, 6)));
}

TEST_P(EvolutionTest, SubsetDomainsKeepEveryEvaluationInside) {
  // Every third arch: most neighbourhoods are partly outside, a few entirely.
  std::vector<int64_t> domain;
  for (int64_t i = 0; i < nb201::kNumArchs; i += 3) domain.push_back(i);
  const std::set<int64_t> inside(domain.begin(), domain.end());
  auto fitness = synthetic_fitness(domain);
  SearchConfig c = config(GetParam());
  c.cycles = 200;
  for (const SearchRun& r : search_cpu(test::nb201_space(), fitness, c, 10)) {
    for (int64_t i : r.history) EXPECT_TRUE(inside.count(i)) << "run " << r.run << " left the domain: " << i;
    EXPECT_TRUE(inside.count(r.winner));
  }
}

INSTANTIATE_TEST_SUITE_P(Algorithms, EvolutionTest, ::testing::Values(SearchAlgorithm::Rea, SearchAlgorithm::Area),
                         [](const auto& info) { return std::string(search_algorithm_name(info.param)); });

TEST(Search, AreaNeverLosesToTheRandomSearchOfItsFirstDraws) {
  auto fitness = synthetic_fitness();
  SearchConfig area = config(SearchAlgorithm::Area, 21);
  area.samples = 100;
  area.cycles = 30;
  for (const SearchRun& r : search_cpu(test::nb201_space(), fitness, area, 40)) {
    const RandomSearchRun random = random_search(fitness, area.samples, area.seed, r.run);
    EXPECT_FALSE(better_fitness(random.score, r.score)) << "run " << r.run;
  }
}

TEST(Search, CachedLiveFitnessScoresEachArchOnce) {
  auto fitness = synthetic_fitness();
  SearchConfig c = config(SearchAlgorithm::Rea);
  const auto runs = search_cpu(test::nb201_space(), fitness, c, 10);
  std::set<int64_t> distinct;
  for (const auto& r : runs) distinct.insert(r.history.begin(), r.history.end());
  EXPECT_EQ(fitness.evaluations(), static_cast<int64_t>(distinct.size()));
}

TEST(Search, RejectsSettingsThatMakeNoSense) {
  auto fitness = synthetic_fitness();
  SearchConfig c = config(SearchAlgorithm::Area);
  c.samples = 5;  // M < P
  EXPECT_THROW(search_cpu(test::nb201_space(), fitness, c, 1), Error);
  c = config(SearchAlgorithm::Rea);
  c.tournament = c.population + 1;
  EXPECT_THROW(search_cpu(test::nb201_space(), fitness, c, 1), Error);
  c = config(SearchAlgorithm::Random);
  c.samples = 0;
  EXPECT_THROW(search_cpu(test::nb201_space(), fitness, c, 1), Error);
  EXPECT_THROW(parse_search_algorithm("bayesian"), Error);
  EXPECT_EQ(evaluations_per_run(config(SearchAlgorithm::Area)), 200 + 60);
  EXPECT_EQ(evaluations_per_run(config(SearchAlgorithm::Rea)), 12 + 60);
  EXPECT_TRUE(search_cpu(test::nb201_space(), fitness, config(SearchAlgorithm::Rea), 0).empty());
}

TEST(Search, DeviceSearchSaysWhyItCannotRun) {
  if (cuda_device_count() > 0) GTEST_SKIP() << "a GPU is present: tests/gpu/test_search_device covers it";
  auto fitness = synthetic_fitness();
  EXPECT_THROW(search_device(test::nb201_space(), fitness, config(SearchAlgorithm::Rea), 2), Error);
}

}  // namespace
}  // namespace zcnas
