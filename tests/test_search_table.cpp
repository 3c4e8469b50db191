// Searches with a score table as fitness, against the real ground truth: random-search statistics equal a
// direct computation from the table, REA/AREA report the ground truth's accuracies, a full-space table
// search equals a live search, and the CLI's JSON agrees with the library. Skips without ../shared.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "eval/search_summary.hpp"
#include "eval/truth.hpp"
#include "search/evolution.hpp"
#include "search/evolution_steps.hpp"
#include "search/table_fitness.hpp"
#include "search_fixtures.hpp"
#include "test_support.hpp"

namespace zcnas {
namespace {

constexpr const char* kTruth = "data/nb201/nb201_test_accuracy_200ep.csv";

const GroundTruth& truth() {
  static const GroundTruth t = test::nb201_space().load_truth(test::shared_path(kTruth));
  return t;
}

// A score table over `indices`: CIFAR-10 accuracy plus seeded noise, some -inf and NaN.
std::string make_table(const test::TempDir& dir, const std::vector<int64_t>& indices, uint64_t seed) {
  std::vector<double> acc;
  for (int64_t i : indices) acc.push_back(truth().column("cifar10")[static_cast<size_t>(i)]);
  const std::string path = dir.file("scores.csv");
  test::write_score_table(path, TableFormat::Csv, {"noisy"}, indices, {test::noisy_scores(acc, seed, 2.0, 40)});
  return path;
}

std::vector<int64_t> every(int64_t step) {
  std::vector<int64_t> v;
  for (int64_t i = 0; i < nb201::kNumArchs; i += step) v.push_back(i);
  return v;
}

TEST(TableSearch, RandomSearchStatisticsEqualADirectComputation) {
  ZCNAS_REQUIRE_SHARED(kTruth);
  test::TempDir dir;
  // Rows in a scrambled order: the search's domain is the sorted rows whatever the file's order.
  std::vector<int64_t> rows = every(7);
  std::reverse(rows.begin(), rows.end());
  const std::string path = make_table(dir, rows, 5);
  const ScoreTable table = read_score_table(path, test::nb201_space());
  TableFitness fitness(table, "noisy");

  SearchConfig c;
  c.algorithm = SearchAlgorithm::Random;
  c.samples = 10;
  c.seed = 77;
  const int64_t runs = 300;
  const auto summary = summarize_winners(search_cpu(test::nb201_space(), fitness, c, runs), truth());

  // Directly from the file's rows: sort them, draw as the sampler does, keep the first best score.
  std::vector<size_t> order(table.index.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return table.index[a] < table.index[b]; });
  for (const std::string& d : truth().datasets) {
    std::vector<double> winners;
    for (int64_t r = 0; r < runs; ++r) {
      size_t best = 0;
      for (int64_t s = 0; s < c.samples; ++s) {
        const size_t row =
            order[static_cast<size_t>(evolution::sample_position(c.seed, r, s, static_cast<int64_t>(order.size())))];
        if (s == 0 || better_fitness(table.values[0][row], table.values[0][best])) best = row;
      }
      winners.push_back(truth().column(d)[static_cast<size_t>(table.index[best])]);
    }
    const AccuracySummary expected = summarize_accuracy(d, winners);
    const auto got = std::find_if(summary.begin(), summary.end(), [&](const auto& s) { return s.dataset == d; });
    ASSERT_NE(got, summary.end());
    EXPECT_EQ(got->mean, expected.mean) << d;
    EXPECT_EQ(got->std, expected.std) << d;
    EXPECT_EQ(got->runs, runs);
  }
}

TEST(TableSearch, RandomSearchMeanMatchesTheExactExpectation) {
  ZCNAS_REQUIRE_SHARED(kTruth);
  // With distinct scores, the best of N uniform draws with replacement is the i-th best of n rows with
  // probability ((n-i+1)/n)^N - ((n-i)/n)^N. The sampler must reproduce that mean within 4 standard errors.
  std::vector<int64_t> rows = every(5);
  std::vector<double> acc, scores;
  for (int64_t i : rows) acc.push_back(truth().column("cifar10")[static_cast<size_t>(i)]);
  for (size_t k = 0; k < rows.size(); ++k) scores.push_back(acc[k] + 1e-9 * static_cast<double>(k));  // distinct
  ScoreTable table;
  table.path = "memory";
  table.columns = {"s"};
  table.index = rows;
  table.values = {scores};
  TableFitness fitness(table, "s");
  SearchConfig c;
  c.algorithm = SearchAlgorithm::Random;
  c.samples = 10;
  c.seed = 3;
  const int64_t runs = 4000;
  std::vector<double> winners;
  for (const SearchRun& r : search_cpu(test::nb201_space(), fitness, c, runs))
    winners.push_back(truth().column("cifar10")[static_cast<size_t>(r.winner)]);

  std::vector<size_t> by_score(rows.size());
  for (size_t i = 0; i < by_score.size(); ++i) by_score[i] = i;
  std::sort(by_score.begin(), by_score.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  const double n = static_cast<double>(rows.size());
  double mean = 0, second = 0;
  for (size_t i = 0; i < by_score.size(); ++i) {
    const double p =
        std::pow((n - static_cast<double>(i)) / n, 10.0) - std::pow((n - static_cast<double>(i) - 1) / n, 10.0);
    mean += p * acc[by_score[i]];
    second += p * acc[by_score[i]] * acc[by_score[i]];
  }
  const double standard_error = std::sqrt((second - mean * mean) / static_cast<double>(runs));
  const AccuracySummary got = summarize_accuracy("cifar10", winners);
  EXPECT_NEAR(got.mean, mean, 4 * standard_error) << "exact " << mean << ", sampled " << got.mean;
}

TEST(TableSearch, EvolutionReportsTheGroundTruthOfItsWinners) {
  ZCNAS_REQUIRE_SHARED(kTruth);
  test::TempDir dir;
  const std::string path = make_table(dir, every(2), 9);
  TableFitness fitness(read_score_table(path, test::nb201_space()), "");
  for (SearchAlgorithm a : {SearchAlgorithm::Rea, SearchAlgorithm::Area}) {
    SearchConfig c;
    c.algorithm = a;
    c.samples = 300;
    c.cycles = 150;
    c.seed = 1;
    const auto runs = search_cpu(test::nb201_space(), fitness, c, 50);
    const auto summary = summarize_winners(runs, truth());
    for (const SearchRun& r : runs) {
      EXPECT_TRUE(fitness.has_row(r.winner));
      // The arch string of the winner's row in the ground truth is the winner's arch.
      EXPECT_EQ(truth().arch[static_cast<size_t>(r.winner)], nb201::format_arch(nb201::index_to_arch(r.winner)));
      EXPECT_EQ(r.score, fitness.score_by_index()[static_cast<size_t>(r.winner)]);
    }
    for (const AccuracySummary& s : summary) {
      double sum = 0;
      for (const SearchRun& r : runs) sum += truth().column(s.dataset)[static_cast<size_t>(r.winner)];
      EXPECT_DOUBLE_EQ(s.mean, sum / static_cast<double>(runs.size()));
    }
  }
}

TEST(TableSearch, FullSpaceTableSearchEqualsLiveSearch) {
  ZCNAS_REQUIRE_SHARED(kTruth);
  test::TempDir dir;
  const std::string path = make_table(dir, every(1), 4);
  TableFitness table(read_score_table(path, test::nb201_space()), "noisy");
  // "Live" scoring that happens to compute the same numbers.
  CachedFitness live([&](const std::vector<int64_t>& indices) { return table.evaluate(indices); }, table.domain());
  for (SearchAlgorithm a : {SearchAlgorithm::Random, SearchAlgorithm::Rea, SearchAlgorithm::Area}) {
    SearchConfig c;
    c.algorithm = a;
    c.samples = 100;
    c.cycles = 50;
    c.keep_history = true;
    const auto x = search_cpu(test::nb201_space(), table, c, 20), y = search_cpu(test::nb201_space(), live, c, 20);
    for (size_t r = 0; r < x.size(); ++r) {
      EXPECT_EQ(x[r].winner, y[r].winner);
      EXPECT_EQ(x[r].history, y[r].history);
    }
  }
}

TEST(TableSearch, CliJsonAgreesWithTheLibrary) {
  ZCNAS_REQUIRE_SHARED(kTruth);
  test::TempDir dir;
  const std::string path = make_table(dir, every(3), 2);
  const std::string json = dir.file("search.json");
  std::string out;
  const std::string command = std::string("'") + ZCNAS_CLI_PATH + "' search --fitness-table '" + path +
                              "' --algorithm area --samples 200 --population 8 --sample-size 3 --budget 260 --runs 12 "
                              "--search-seed 5 --device cpu --truth '" +
                              test::shared_path(kTruth) + "' --json '" + json + "'";
  ASSERT_EQ(test::run_command(command, &out), 0) << out;
  EXPECT_NE(out.find("winner cifar10 test accuracy"), std::string::npos) << out;
  std::ifstream in(json);
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["search"]["cycles"], 60);  // budget 260 - M 200
  EXPECT_EQ(j["search"]["evaluations_per_run"], 260);
  EXPECT_EQ(j["fitness"]["rows"], 5209);

  TableFitness fitness(read_score_table(path, test::nb201_space()), "noisy");
  SearchConfig c;
  c.algorithm = SearchAlgorithm::Area;
  c.samples = 200;
  c.population = 8;
  c.tournament = 3;
  c.cycles = 60;
  c.seed = 5;
  const auto runs = search_cpu(test::nb201_space(), fitness, c, 12);
  ASSERT_EQ(j["winners"].size(), runs.size());
  for (size_t r = 0; r < runs.size(); ++r) {
    EXPECT_EQ(j["winners"][r]["index"], runs[r].winner);
    EXPECT_EQ(j["winners"][r]["cifar100"].get<double>(),
              truth().column("cifar100")[static_cast<size_t>(runs[r].winner)]);
  }
  const auto summary = summarize_winners(runs, truth());
  EXPECT_EQ(j["winner_accuracy"][0]["mean"].get<double>(), summary[0].mean);
  EXPECT_EQ(j["winner_accuracy"][0]["std"].get<double>(), summary[0].std);

  // A column the table does not have: the error lists the ones it has.
  ASSERT_NE(test::run_command(std::string("'") + ZCNAS_CLI_PATH + "' search --fitness-table '" + path +
                                  "' --score-column synflow --device cpu",
                              &out),
            0);
  EXPECT_NE(out.find("no score column 'synflow' (it has: noisy)"), std::string::npos) << out;
}

}  // namespace
}  // namespace zcnas
