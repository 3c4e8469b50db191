// A ground truth that covers part of the space (NaN for the archs it lacks): evaluations join the score table
// with the archs that have an accuracy, per dataset, and say how many; correlations computed by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "eval/evaluation.hpp"
#include "eval/search_summary.hpp"
#include "search_fixtures.hpp"
#include "test_support.hpp"

namespace zcnas {
namespace {

// Over NB201's index order: "cifar10" has indices 0..4 only, "cifar100" indices 0..6.
GroundTruth partial_truth() {
  GroundTruth t;
  t.datasets = {"cifar10", "cifar100"};
  t.accuracy.assign(2, std::vector<double>(static_cast<size_t>(nb201::kNumArchs), NAN));
  t.arch.resize(static_cast<size_t>(nb201::kNumArchs));
  const std::vector<double> cifar10 = {10, 20, 30, 40, 50}, cifar100 = {1, 2, 3, 4, 5, 6, 7};
  for (size_t i = 0; i < cifar10.size(); ++i) t.accuracy[0][i] = cifar10[i];
  for (size_t i = 0; i < cifar100.size(); ++i) t.accuracy[1][i] = cifar100[i];
  return t;
}

// Indices 0..6 scored 1, 3, 2, 5, 4, 100, 99; index 9000 (in no dataset) scores 1000.
ScoreTable scores() {
  ScoreTable table;
  table.path = "mem.csv";
  table.columns = {"s"};
  table.index = {0, 1, 2, 3, 4, 5, 6, 9000};
  table.values = {{1, 3, 2, 5, 4, 100, 99, 1000}};
  table.line = {2, 3, 4, 5, 6, 7, 8, 9};
  return table;
}

TEST(PartialTruth, CorrelationsAreOverTheJoinedRowsOfEachDataset) {
  const GroundTruth truth = partial_truth();
  EXPECT_EQ(truth.covered("cifar10"), 5);
  EXPECT_EQ(truth.covered("cifar100"), 7);
  const Evaluation e = evaluate_scores(test::nb201_space(), scores(), truth, {}, {20, 40});
  ASSERT_TRUE(e.partial());
  ASSERT_EQ(e.joins.size(), 2u);
  EXPECT_EQ(e.joins[0].joined, 5);
  EXPECT_EQ(e.joins[0].truth_archs, 5);
  EXPECT_EQ(e.joins[1].joined, 7);
  const ColumnEvaluation& c = e.columns.at(0);
  EXPECT_EQ(c.rows, 8);
  EXPECT_EQ(c.best_index, 9000);  // the best score of the table, joined or not

  // CIFAR-10, rows 0..4: scores 1,3,2,5,4 against 10..50. Two of the ten pairs are discordant (1-2, 3-4):
  // tau = (8 - 2) / 10. Rank differences 0,1,-1,1,-1: rho = 1 - 6 * 4 / (5 * 24).
  const DatasetAgreement& a = c.datasets.at(0);
  EXPECT_EQ(a.rows, 5);
  EXPECT_EQ(a.finite_rows, 5);
  EXPECT_DOUBLE_EQ(a.tau_b, 0.6);
  EXPECT_DOUBLE_EQ(a.rho, 0.8);
  EXPECT_DOUBLE_EQ(a.tau_b_finite, 0.6);
  // The best-scored joined row is index 3 (score 5, accuracy 40), second of five.
  EXPECT_DOUBLE_EQ(a.best_scored_accuracy, 40);
  EXPECT_EQ(a.best_scored_accuracy_rank, 2);
  EXPECT_DOUBLE_EQ(a.best_accuracy, 50);
  // Top 20% of 5: k = 1 (index 3, below the best 50); top 40%: k = 2 (indices 3, 4: 40 and 50, both >= 40).
  EXPECT_EQ(a.top.at(0).k, 1);
  EXPECT_EQ(a.top.at(0).hits, 0);
  EXPECT_EQ(a.top.at(1).k, 2);
  EXPECT_EQ(a.top.at(1).hits, 2);

  // CIFAR-100, rows 0..6: three of 21 pairs discordant (1-2, 3-4, 5-6): tau = 15 / 21; six unit rank
  // differences: rho = 1 - 6 * 6 / (7 * 48).
  const DatasetAgreement& b = c.datasets.at(1);
  EXPECT_EQ(b.rows, 7);
  EXPECT_DOUBLE_EQ(b.tau_b, 15.0 / 21.0);
  EXPECT_DOUBLE_EQ(b.rho, 1.0 - 36.0 / 336.0);
  EXPECT_DOUBLE_EQ(b.best_scored_accuracy, 6);
}

TEST(PartialTruth, ReportAndJsonSayHowManyRowsWereJoined) {
  Evaluation e = evaluate_scores(test::nb201_space(), scores(), partial_truth(), {}, {20});
  e.truth_path = "truth.csv";
  const std::string text = format_evaluation(e);
  EXPECT_NE(text.find("8 rows (archs) in the score table"), std::string::npos) << text;
  EXPECT_NE(text.find("- CIFAR-10: 5 rows joined (the ground truth has 5 of the 15625 archs)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("- CIFAR-100: 7 rows joined (the ground truth has 7 of the 15625 archs)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("| CIFAR-10 | 5 (5) | 0.6000 | 0.8000 |"), std::string::npos) << text;
  EXPECT_NE(text.find("| 40.00 (2 of 5) | 50.00 |"), std::string::npos) << text;
  const auto j = evaluation_json(e);
  EXPECT_EQ(j["rows"], 8);
  EXPECT_EQ(j["joined"][0]["rows"], 5);
  EXPECT_EQ(j["joined"][1]["rows"], 7);
  EXPECT_EQ(j["columns"][0]["datasets"][0]["all_rows"]["n"], 5);
  EXPECT_EQ(j["columns"][0]["datasets"][1]["all_rows"]["n"], 7);
}

TEST(PartialTruth, NonFiniteScoresAmongJoinedRowsAreCountedPerDataset) {
  ScoreTable table = scores();
  table.values[0][1] = -INFINITY;  // joined in both datasets
  table.values[0][5] = NAN;        // joined in CIFAR-100 only
  const Evaluation e = evaluate_scores(test::nb201_space(), table, partial_truth(), {}, {});
  const ColumnEvaluation& c = e.columns.at(0);
  EXPECT_EQ(c.non_finite(), 2);
  EXPECT_EQ(c.datasets.at(0).finite_rows, 4);
  EXPECT_EQ(c.datasets.at(1).finite_rows, 5);
  EXPECT_NE(format_evaluation(e).find("| CIFAR-100 | 7 (5) |"), std::string::npos) << format_evaluation(e);
}

TEST(PartialTruth, ATableWithNoJoinedRowIsAnError) {
  ScoreTable table = scores();
  table.index = {9000};
  table.values = {{1}};
  table.line = {2};
  const std::string message =
      test::error_of([&] { evaluate_scores(test::nb201_space(), table, partial_truth(), {"cifar10"}, {}); });
  EXPECT_NE(message.find("score column 's': none of its 1 rows has a cifar10 accuracy in the ground truth (it covers 5 "
                         "archs)"),
            std::string::npos)
      << message;
}

TEST(PartialTruth, FullTruthKeepsTheReportAsItWas) {
  GroundTruth truth = partial_truth();
  for (auto& column : truth.accuracy)
    for (double& v : column)
      if (std::isnan(v)) v = 0;
  Evaluation e = evaluate_scores(test::nb201_space(), scores(), truth, {}, {});
  EXPECT_FALSE(e.partial());
  const std::string text = format_evaluation(e);
  EXPECT_NE(text.find("8 rows (archs) joined with the ground truth.\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("| n (finite) |"), std::string::npos) << text;
}

TEST(PartialTruth, SearchSummariesCountTheWinnersWithAnAccuracy) {
  std::vector<SearchRun> runs(3);
  runs[0].winner = 1;     // cifar10 20
  runs[1].winner = 3;     // cifar10 40
  runs[2].winner = 9000;  // in no dataset
  const std::vector<AccuracySummary> s = summarize_winners(runs, partial_truth());
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].runs, 2);
  EXPECT_DOUBLE_EQ(s[0].mean, 30);
  runs.resize(1);
  runs[0].winner = 9000;
  const AccuracySummary none = summarize_winners(runs, partial_truth()).at(0);
  EXPECT_EQ(none.runs, 0);
  EXPECT_TRUE(std::isnan(none.mean));
}

}  // namespace
}  // namespace zcnas
