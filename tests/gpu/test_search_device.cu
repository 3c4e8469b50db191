// The CUDA searches equal their CPU twin: same seed, same winners, final populations and histories, for
// random search, REA and AREA, with a full-space table, a subset table and live (host) scoring.
// Skips, saying so, on a machine without a GPU.
#include <gtest/gtest.h>

#include <cmath>

#include "core/random.hpp"
#include "gpu_test_support.hpp"
#include "scores/backend.hpp"
#include "search/evolution.hpp"
#include "search/table_fitness.hpp"
#include "search_fixtures.hpp"
#include "spaces/nb201/nb201.hpp"

namespace zcnas {

// Test names and messages show the algorithm's name.
inline void PrintTo(SearchAlgorithm algorithm, std::ostream* os) { *os << search_algorithm_name(algorithm); }
namespace {

// A table over every `step`-th index with tied values, -inf and NaN (as singular kernels give).
ScoreTable synthetic_table(int64_t step) {
  ScoreTable t;
  t.path = "synthetic";
  t.columns = {"s"};
  t.values.resize(1);
  for (int64_t i = 0; i < nb201::kNumArchs; i += step) {
    const uint64_t h = counter_random_u64(11, 3, static_cast<uint64_t>(i));
    t.index.push_back(i);
    t.values[0].push_back(h % 61 == 0 ? -INFINITY : h % 89 == 0 ? NAN : static_cast<double>(h % 3000) / 8.0);
    t.line.push_back(static_cast<int64_t>(t.index.size()) + 1);
  }
  return t;
}

SearchConfig make_config(SearchAlgorithm a) {
  SearchConfig c;
  c.algorithm = a;
  c.samples = a == SearchAlgorithm::Area ? 257 : 33;  // not multiples of the block size
  c.population = 13;
  c.tournament = 5;
  c.cycles = 301;
  c.seed = 2024;
  c.keep_history = true;
  return c;
}

class DeviceSearch : public ::testing::TestWithParam<SearchAlgorithm> {};

TEST_P(DeviceSearch, TableFitnessMatchesTheCpuTwin) {
  ZCNAS_REQUIRE_GPU();
  for (int64_t step : {1, 3, 97}) {  // full space; partial neighbourhoods; mostly empty ones (restarts)
    TableFitness fitness(synthetic_table(step), "s");
    const SearchConfig c = make_config(GetParam());
    for (int64_t runs : {1, 129}) {
      SCOPED_TRACE("step " + std::to_string(step) + ", runs " + std::to_string(runs));
      test::expect_same_runs(search_cpu(test::nb201_space(), fitness, c, runs, 7),
                  search_device(test::nb201_space(), fitness, c, runs, 7));
    }
  }
}

TEST_P(DeviceSearch, LiveFitnessMatchesTheCpuTwin) {
  ZCNAS_REQUIRE_GPU();
  TableFitness table(synthetic_table(1), "s");
  // Not a TableFitness: the device search sends each generation's children to the host to be scored.
  auto make_live = [&] {
    return CachedFitness([&](const std::vector<int64_t>& indices) { return table.evaluate(indices); }, table.domain());
  };
  auto cpu_fitness = make_live(), gpu_fitness = make_live();
  SearchConfig c = make_config(GetParam());
  c.cycles = 40;
  test::expect_same_runs(search_cpu(test::nb201_space(), cpu_fitness, c, 37),
              search_device(test::nb201_space(), gpu_fitness, c, 37));
  EXPECT_EQ(cpu_fitness.evaluations(), gpu_fitness.evaluations());
}

TEST_P(DeviceSearch, NoRunsIsNoWork) {
  ZCNAS_REQUIRE_GPU();
  TableFitness fitness(synthetic_table(5), "s");
  EXPECT_TRUE(search_device(test::nb201_space(), fitness, make_config(GetParam()), 0).empty());
}

INSTANTIATE_TEST_SUITE_P(Algorithms, DeviceSearch,
                         ::testing::Values(SearchAlgorithm::Random, SearchAlgorithm::Rea, SearchAlgorithm::Area),
                         [](const auto& info) { return std::string(search_algorithm_name(info.param)); });

}  // namespace
}  // namespace zcnas
