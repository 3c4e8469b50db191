// Searches of a space without an index order, over its genomes: the space's random genomes and one-choice
// mutations, and random search, REA and AREA over them with a cached live fitness, on NB201 without its index
// order and with only its connected cells valid.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/random.hpp"
#include "search/genome_search.hpp"
#include "search_fixtures.hpp"
#include "test_support.hpp"

namespace zcnas {

// Test names and messages show the algorithm's name.
inline void PrintTo(SearchAlgorithm algorithm, std::ostream* os) { *os << search_algorithm_name(algorithm); }
namespace {

using test::config;
using test::error_of;
using test::positions_differing;
using test::same_runs;
using test::UnboundedNb201;

// The index searches' synthetic score of the arch, through its NB201 index.
double synthetic_score(const std::string& arch) {
  return test::synthetic_score(test::nb201_space().index_of_arch(arch));
}

std::vector<Genome> draws(const SearchSpace& space, RandomStream random, int count) {
  std::vector<Genome> out;
  for (int k = 0; k < count; ++k) out.push_back(space.random_genome(random));
  return out;
}

TEST(RandomGenome, IsAlwaysValidCoversEveryChoiceAndFollowsItsStream) {
  const UnboundedNb201 space;
  // 3,000 draws: without the redraws, about 65 of them would cut the input from the output.
  const std::vector<Genome> genomes = draws(space, RandomStream(7, 1), 3000);
  std::vector<std::set<int32_t>> choices(6);
  for (const Genome& g : genomes) {
    ASSERT_TRUE(space.valid(g)) << space.format(space.canonical(g));
    for (size_t p = 0; p < g.size(); ++p) choices[p].insert(g[p]);
  }
  for (const auto& seen : choices) EXPECT_EQ(seen.size(), 5u);
  // Uniform over 15,284 archs, 3,000 draws give about 2,720 distinct ones.
  EXPECT_GT(std::set<Genome>(genomes.begin(), genomes.end()).size(), 2600u);
  EXPECT_EQ(draws(space, RandomStream(7, 1), 20), std::vector<Genome>(genomes.begin(), genomes.begin() + 20));
  EXPECT_NE(draws(space, RandomStream(8, 1), 20), std::vector<Genome>(genomes.begin(), genomes.begin() + 20));
  EXPECT_NE(draws(space, RandomStream(7, 2), 20), std::vector<Genome>(genomes.begin(), genomes.begin() + 20));
}

TEST(GenomeMutation, ChangesOnePositionToAnotherChoiceAndSkipsInvalidChildren) {
  const UnboundedNb201 space;
  const Genome single_path{3, 0, 0, 0, 3, 0};  // 0 -> 1 -> 3 and nothing else
  ASSERT_TRUE(space.valid(single_path));
  RandomStream random(1, 2);
  std::set<Genome> children;
  for (int k = 0; k < 500; ++k) {
    const Genome child = space.mutate(single_path, random);
    ASSERT_TRUE(space.valid(child));
    EXPECT_EQ(positions_differing(single_path, child), 1);
    children.insert(child);
  }
  // 24 one-choice changes, less the two that cut the path: every one of the 22 is drawn.
  EXPECT_EQ(children.size(), 22u);
  const std::vector<Genome> neighbours = space.neighbours(single_path);
  EXPECT_EQ(children, std::set<Genome>(neighbours.begin(), neighbours.end()));
}

TEST(GenomeDraws, SayWhyWhenTheSpaceHasNoArchOrNoOtherArchNearby) {
  struct NoArch : UnboundedNb201 {
    bool valid(const Genome&) const override { return false; }
  };
  RandomStream random(0, 0);
  EXPECT_NE(error_of([&] {
              NoArch().random_genome(random);
            }).find("space nb201-unbounded: no valid genome in 10000 random draws of its choices (5,5,5,5,5,5)"),
            std::string::npos);
  struct OneArch : UnboundedNb201 {
    bool valid(const Genome& genome) const override { return genome == Genome(6, 1); }
  };
  EXPECT_NE(error_of([&] {
              OneArch().mutate(Genome(6, 1), random);
            }).find("space nb201-unbounded: the genome (1,1,1,1,1,1) has no one-choice mutation to another arch"),
            std::string::npos);
  EXPECT_NE(error_of([&] { OneArch().mutate(Genome(6, 2), random); }).find("(2,2,2,2,2,2) is not an arch"),
            std::string::npos);
}

// The synthetic score, counting how often each arch is scored and how many batches were asked for.
struct CountingScore {
  explicit CountingScore(const SearchSpace& space) : space(space) {}

  const SearchSpace& space;
  std::map<std::string, int> scored;
  int batches = 0;

  GenomeFitness fitness() {
    return GenomeFitness([this](const std::vector<Genome>& genomes) {
      ++batches;
      std::vector<double> scores;
      for (const Genome& g : genomes) {
        ++scored[space.format(g)];
        scores.push_back(synthetic_score(space.format(g)));
      }
      return scores;
    });
  }
};

class GenomeSearchTest : public ::testing::TestWithParam<SearchAlgorithm> {};

TEST_P(GenomeSearchTest, SameSeedSameResultRunsAreIndependentOtherSeedsDiffer) {
  const UnboundedNb201 space;
  CountingScore score(space);
  GenomeFitness fitness = score.fitness();
  const SearchConfig c = config(GetParam());
  const auto together = search_genomes(space, fitness, c, 4);
  ASSERT_EQ(together.size(), 4u);
  EXPECT_TRUE(same_runs(together, search_genomes(space, fitness, c, 4)));
  // A run does not depend on which other runs advance beside it.
  EXPECT_TRUE(same_runs(search_genomes(space, fitness, c, 1, 2), {together[2]}));
  EXPECT_NE(together[0].history, together[1].history);
  SearchConfig other = c;
  other.seed = c.seed + 1;
  EXPECT_FALSE(same_runs(together, search_genomes(space, fitness, other, 4)));
}

TEST_P(GenomeSearchTest, RunsHoldValidArchsEvaluatedOnceAndScoredTogetherPerGeneration) {
  const UnboundedNb201 space;
  CountingScore score(space);
  GenomeFitness fitness = score.fitness();
  const SearchConfig c = config(GetParam());
  const auto runs = search_genomes(space, fitness, c, 5, 3);
  const bool evolves = GetParam() != SearchAlgorithm::Random;
  std::set<std::string> distinct;
  for (const GenomeSearchRun& r : runs) {
    ASSERT_EQ(static_cast<int64_t>(r.history.size()), evaluations_per_run(c));
    EXPECT_EQ(static_cast<int64_t>(r.population.size()), evolves ? c.population : 0);
    for (const std::string& arch : r.history) EXPECT_TRUE(space.valid(space.parse(arch))) << arch;
    distinct.insert(r.history.begin(), r.history.end());
    // The winner: the first of the best-scoring archs in the history.
    std::string best = r.history[0];
    for (const std::string& arch : r.history)
      if (better_fitness(synthetic_score(arch), synthetic_score(best))) best = arch;
    EXPECT_EQ(r.winner, best) << "run " << r.run;
    EXPECT_TRUE(std::isnan(r.score) ? std::isnan(synthetic_score(best)) : r.score == synthetic_score(best));
    if (!evolves) continue;
    // Every child is one choice away from an arch evaluated before it (its parent).
    const int64_t initial = initial_draws(c);
    for (size_t k = static_cast<size_t>(initial); k < r.history.size(); ++k) {
      const Genome child = space.parse(r.history[k]);
      EXPECT_TRUE(std::any_of(r.history.begin(), r.history.begin() + static_cast<int64_t>(k),
                              [&](const auto& p) { return positions_differing(space.parse(p), child) == 1; }))
          << "run " << r.run << " child " << k;
    }
    // Aging: after at least P cycles the population is the last P children, oldest first.
    ASSERT_GE(c.cycles, c.population);
    EXPECT_TRUE(std::equal(r.population.begin(), r.population.end(), r.history.end() - c.population));
  }
  EXPECT_EQ(runs.front().run, 3);
  // Each arch scored once, in one batch per generation at most.
  EXPECT_EQ(fitness.evaluations(), static_cast<int64_t>(distinct.size()));
  EXPECT_EQ(score.scored.size(), distinct.size());
  for (const auto& [arch, times] : score.scored) EXPECT_EQ(times, 1) << arch;
  EXPECT_LE(score.batches, 1 + (evolves ? c.cycles : 0));
  EXPECT_GE(score.batches, 1);
}

INSTANTIATE_TEST_SUITE_P(Algorithms, GenomeSearchTest,
                         ::testing::Values(SearchAlgorithm::Random, SearchAlgorithm::Rea, SearchAlgorithm::Area),
                         [](const auto& info) { return std::string(search_algorithm_name(info.param)); });

TEST(GenomeSearch, AreaStartsFromTheRandomSearchOfItsFirstDrawsAndNeverLosesToIt) {
  const UnboundedNb201 space;
  CountingScore score(space);
  GenomeFitness fitness = score.fitness();
  const SearchConfig area = config(SearchAlgorithm::Area, 21);
  SearchConfig random = area;
  random.algorithm = SearchAlgorithm::Random;
  const auto area_runs = search_genomes(space, fitness, area, 6);
  const auto random_runs = search_genomes(space, fitness, random, 6);
  for (size_t r = 0; r < area_runs.size(); ++r) {
    EXPECT_TRUE(std::equal(random_runs[r].history.begin(), random_runs[r].history.end(), area_runs[r].history.begin()));
    EXPECT_FALSE(better_fitness(random_runs[r].score, area_runs[r].score)) << "run " << r;
  }
}

TEST(GenomeSearch, ReaClimbsToTheOptimumThatRandomSearchMisses) {
  // Fitness: the number of positions on which the arch agrees with one connected cell.
  const UnboundedNb201 space;
  const Genome target{3, 2, 1, 4, 0, 3};
  ASSERT_TRUE(space.valid(target));
  GenomeFitness fitness([&](const std::vector<Genome>& genomes) {
    std::vector<double> scores;
    for (const Genome& g : genomes) scores.push_back(6.0 - positions_differing(g, target));
    return scores;
  });
  SearchConfig rea = config(SearchAlgorithm::Rea, 5);
  rea.population = 10;
  rea.tournament = 5;
  rea.cycles = 290;
  for (const GenomeSearchRun& r : search_genomes(space, fitness, rea, 8)) {
    EXPECT_EQ(r.winner, space.format(target)) << "run " << r.run;
    EXPECT_EQ(r.score, 6.0);
  }
  // The same 300 evaluations drawn at random find it in hardly any run (about 1 in 50).
  SearchConfig random = rea;
  random.algorithm = SearchAlgorithm::Random;
  random.samples = evaluations_per_run(rea);
  int found = 0;
  for (const GenomeSearchRun& r : search_genomes(space, fitness, random, 8)) found += r.winner == space.format(target);
  EXPECT_LE(found, 1);
}

TEST(GenomeSearch, RejectsSettingsThatMakeNoSenseAndDoesNoWorkForNoRuns) {
  const UnboundedNb201 space;
  CountingScore score(space);
  GenomeFitness fitness = score.fitness();
  SearchConfig c = config(SearchAlgorithm::Rea);
  c.tournament = c.population + 1;
  EXPECT_NE(error_of([&] { search_genomes(space, fitness, c, 1); }).find("tournament size 13 exceeds"),
            std::string::npos);
  EXPECT_NE(error_of([&] { search_genomes(space, fitness, config(SearchAlgorithm::Rea), -1); }).find("make no sense"),
            std::string::npos);
  EXPECT_TRUE(search_genomes(space, fitness, config(SearchAlgorithm::Area), 0).empty());
  EXPECT_EQ(score.batches, 0);
}

}  // namespace
}  // namespace zcnas
