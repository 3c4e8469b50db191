// Score tables read back as written (CSV and JSON Lines), errors that name the bad input, and the
// evaluation report: non-finite counts, both correlation conventions, top-k precision, the best-scored arch.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "core/error.hpp"
#include "eval/correlation.hpp"
#include "eval/evaluation.hpp"
#include "eval/score_table_reader.hpp"
#include "search_fixtures.hpp"

namespace zcnas {
namespace {

// Same value, NaN equal to NaN.
bool same_value(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

std::string error_of(const std::string& path) {
  try {
    read_score_table(path, test::nb201_space());
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

void write_text(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// A small ground truth in memory: accuracy of index i is `acc[i]`; other indices get 0.
GroundTruth small_truth(const std::vector<double>& acc) {
  GroundTruth t;
  t.datasets = {"cifar10"};
  t.accuracy.assign(1, std::vector<double>(static_cast<size_t>(nb201::kNumArchs), 0.0));
  for (size_t i = 0; i < acc.size(); ++i) t.accuracy[0][i] = acc[i];
  t.arch.resize(static_cast<size_t>(nb201::kNumArchs));
  return t;
}

class TableRoundTrip : public ::testing::TestWithParam<TableFormat> {};

TEST_P(TableRoundTrip, ReadsBackWhatTheWriterWrote) {
  test::TempDir dir;
  const std::string path = dir.file("t.table");
  const std::vector<int64_t> indices = {6111, 0, 17, 15624, 857};
  const std::vector<std::vector<double>> values = {{1559.4629050345864, -INFINITY, NAN, 0.1, -3e-300},
                                                   {1, 2, INFINITY, 4, 5}};
  test::write_score_table(path, GetParam(), {"naswot", "other"}, indices, values);
  const ScoreTable t = read_score_table(path, test::nb201_space());
  EXPECT_EQ(t.columns, (std::vector<std::string>{"naswot", "other"}));
  EXPECT_EQ(t.index, indices);
  ASSERT_EQ(t.values.size(), 2u);
  for (size_t c = 0; c < 2; ++c)
    for (size_t r = 0; r < indices.size(); ++r)
      EXPECT_TRUE(same_value(t.values[c][r], values[c][r])) << c << "," << r << ": " << t.values[c][r];
  ASSERT_EQ(t.seconds.size(), indices.size());
  EXPECT_DOUBLE_EQ(t.seconds[1], 0.251);
  EXPECT_EQ(t.line.front(), GetParam() == TableFormat::Csv ? 2 : 1);
  EXPECT_EQ(t.column_position("other"), 1u);
  EXPECT_THROW(t.column_position(""), Error);  // two columns: the name is needed
  EXPECT_THROW(t.column_position("synflow"), Error);
}

INSTANTIATE_TEST_SUITE_P(Formats, TableRoundTrip, ::testing::Values(TableFormat::Csv, TableFormat::Jsonl));

TEST(ScoreTableReader, MapsArchOnlyRowsToTheirIndex) {
  test::TempDir dir;
  const std::string a6111 = nb201::format_arch(nb201::index_to_arch(6111));
  const std::string a0 = nb201::format_arch(nb201::index_to_arch(0));
  write_text(dir.file("a.csv"), "arch,score\n" + a6111 + ",2.5\n\"" + a0 + "\",-inf\n");
  const ScoreTable t = read_score_table(dir.file("a.csv"), test::nb201_space());
  EXPECT_EQ(t.index, (std::vector<int64_t>{6111, 0}));
  EXPECT_TRUE(t.seconds.empty());
  write_text(dir.file("a.jsonl"),
             "{\"arch\": \"" + a0 + "\", \"s\": \"nan\"}\n\n{\"arch\": \"" + a6111 + "\", \"s\": 3}\n");
  const ScoreTable j = read_score_table(dir.file("a.jsonl"), test::nb201_space());
  EXPECT_EQ(j.index, (std::vector<int64_t>{0, 6111}));
  EXPECT_TRUE(std::isnan(j.values[0][0]));
}

TEST(ScoreTableReader, ErrorsNameFileLineAndColumn) {
  test::TempDir dir;
  const std::string a0 = nb201::format_arch(nb201::index_to_arch(0));
  const std::string f = dir.file("bad.csv");
  write_text(f, "index,arch,naswot,seconds\n0," + a0 + ",1.5,0.1\n1,,abc,0.1\n");
  EXPECT_NE(error_of(f).find("line 3, column 2 (arch)"), std::string::npos) << error_of(f);
  write_text(f, "index,naswot\n0,1.5\n1,abc\n");
  EXPECT_NE(error_of(f).find("line 3, column 2 (naswot): 'abc' is not a number"), std::string::npos) << error_of(f);
  write_text(f, "index,naswot\n0,1.5\n15625,2\n");
  EXPECT_NE(error_of(f).find("index 15625 is outside NB201"), std::string::npos) << error_of(f);
  write_text(f, "index,naswot\n7,1.5\n8,2\n7,3\n");
  EXPECT_NE(error_of(f).find("line 4: index 7 already appears on line 2"), std::string::npos) << error_of(f);
  write_text(f, "index,arch,naswot\n1," + a0 + ",2\n");
  EXPECT_NE(error_of(f).find("index 1 is not arch"), std::string::npos) << error_of(f);
  write_text(f, "index,naswot\n0,1.5,7\n");
  EXPECT_NE(error_of(f).find("line 2: 3 fields, the header has 2"), std::string::npos) << error_of(f);
  write_text(f, "naswot,seconds\n1,2\n");
  EXPECT_NE(error_of(f).find("neither an 'index' nor an 'arch'"), std::string::npos) << error_of(f);
  write_text(f, "index,arch,seconds\n0," + a0 + ",1\n");
  EXPECT_NE(error_of(f).find("no score column"), std::string::npos) << error_of(f);
  write_text(f, "index,naswot\n0,|bogus~0|\n");
  EXPECT_NE(error_of(f).find("line 2, column 2 (naswot)"), std::string::npos) << error_of(f);

  const std::string j = dir.file("bad.jsonl");
  write_text(j, "{\"index\": 0, \"naswot\": 1}\n{\"index\": 1}\n");
  EXPECT_NE(error_of(j).find("line 2 has no key 'naswot'"), std::string::npos) << error_of(j);
  write_text(j, "{\"index\": 0, \"naswot\": 1}\n{\"index\": 1, \"naswot\": [1]}\n");
  EXPECT_NE(error_of(j).find("line 2, key 'naswot': [1] is not a number"), std::string::npos) << error_of(j);
  write_text(j, "{\"index\": 0, \"naswot\": 1}\n{\"index\": 1, \"naswot\": 2, \"x\": 3}\n");
  EXPECT_NE(error_of(j).find("line 2 has 3 keys, the first row has 2"), std::string::npos) << error_of(j);
  write_text(j, "{\"index\": 0, \"naswot\": 1}\n{oops\n");
  EXPECT_NE(error_of(j).find("line 2 is not JSON"), std::string::npos) << error_of(j);
  EXPECT_NE(error_of(dir.file("missing.csv")).find("cannot open score table"), std::string::npos);
}

TEST(Evaluation, CountsNonFiniteAndReportsBothConventions) {
  // Rows 0..9 with accuracy 10..19; scores agree with accuracy except two non-finite ones.
  std::vector<double> acc, scores;
  std::vector<int64_t> indices;
  for (int i = 0; i < 10; ++i) {
    indices.push_back(i);
    acc.push_back(10 + i);
    scores.push_back(i);
  }
  scores[2] = -INFINITY;
  scores[7] = NAN;
  const GroundTruth truth = small_truth(acc);
  const ColumnEvaluation c = evaluate_column("s", scores, indices, truth, {}, {10, 50});
  EXPECT_EQ(c.rows, 10);
  EXPECT_EQ(c.minus_inf, 1);
  EXPECT_EQ(c.nan, 1);
  EXPECT_EQ(c.non_finite(), 2);
  EXPECT_EQ(c.best_index, 9);
  ASSERT_EQ(c.datasets.size(), 1u);
  const DatasetAgreement& a = c.datasets[0];
  // Finite rows agree perfectly; ranking the two non-finite lowest breaks that.
  EXPECT_EQ(a.finite_rows, 8);
  EXPECT_DOUBLE_EQ(a.tau_b_finite, 1.0);
  EXPECT_DOUBLE_EQ(a.rho_finite, 1.0);
  EXPECT_DOUBLE_EQ(a.pearson_finite, 1.0);
  std::vector<double> lowest = {0, 1, -INFINITY, 3, 4, 5, 6, -INFINITY, 8, 9};
  std::vector<double> acc10(acc.begin(), acc.begin() + 10);
  EXPECT_DOUBLE_EQ(a.tau_b, kendall_tau_b(lowest, acc10));
  EXPECT_DOUBLE_EQ(a.rho, spearman_rho(lowest, acc10));
  EXPECT_LT(a.tau_b, 1.0);
  // Top 10%: k = 1, index 9 is the best by both. Top 50%: k = 5; by score 9,8,6,5,4 (7 is NaN); the top 5
  // by accuracy are 5..9 (accuracy >= 15): 4 hits.
  ASSERT_EQ(a.top.size(), 2u);
  EXPECT_EQ(a.top[0].k, 1);
  EXPECT_EQ(a.top[0].hits, 1);
  EXPECT_EQ(a.top[1].k, 5);
  EXPECT_EQ(a.top[1].hits, 4);
  EXPECT_DOUBLE_EQ(a.best_scored_accuracy, 19);
  EXPECT_EQ(a.best_scored_accuracy_rank, 1);
  EXPECT_DOUBLE_EQ(a.best_accuracy, 19);
}

TEST(Evaluation, TopKCountsAccuracyTiesAndRoundsKUp) {
  // 7 rows; scores rank them 0..6 best first; accuracies with a tie at the top-3 boundary.
  const std::vector<int64_t> indices = {0, 1, 2, 3, 4, 5, 6};
  const std::vector<double> scores = {7, 6, 5, 4, 3, 2, 1};
  const GroundTruth truth = small_truth({50, 90, 10, 80, 80, 20, 30});
  const ColumnEvaluation c = evaluate_column("s", scores, indices, truth, {"cifar10"}, {40, 1});
  const DatasetAgreement& a = c.datasets[0];
  // 40% of 7 = 2.8 -> k = 3. Third-best accuracy is 80 (90, 80, 80); rows 0,1,2 by score have 50, 90, 10: 1 hit.
  EXPECT_EQ(a.top[0].k, 3);
  EXPECT_EQ(a.top[0].hits, 1);
  EXPECT_EQ(a.top[1].k, 1);  // at least one row
  EXPECT_EQ(a.top[1].hits, 0);
  EXPECT_DOUBLE_EQ(a.best_scored_accuracy, 50);
  EXPECT_EQ(a.best_scored_accuracy_rank, 4);  // 90, 80, 80 are higher
  EXPECT_THROW(evaluate_column("s", scores, indices, truth, {}, {0}), Error);
  EXPECT_THROW(evaluate_column("s", scores, indices, truth, {"cifar1000"}, {1}), Error);
}

TEST(Evaluation, ReportAndJsonCarryTheDenominators) {
  const GroundTruth truth = small_truth({1, 2, 3, 4, 5});
  ScoreTable table;
  table.path = "mem.csv";
  table.columns = {"naswot"};
  table.index = {0, 1, 2, 3, 4};
  table.values = {{-INFINITY, 2, 3, 1, 5}};
  table.line = {2, 3, 4, 5, 6};
  Evaluation e = evaluate_scores(test::nb201_space(), table, truth, {}, {20});
  e.truth_path = "truth.csv";
  const std::string text = format_evaluation(e);
  EXPECT_NE(text.find("non-finite scores: 1 (-inf 1, nan 0, inf 0)"), std::string::npos) << text;
  EXPECT_NE(text.find("\"finite\": the 1 are left out (n = 4)"), std::string::npos) << text;
  EXPECT_NE(text.find("| CIFAR-10 |"), std::string::npos) << text;
  const auto j = evaluation_json(e);
  EXPECT_EQ(j["columns"][0]["non_finite"]["-inf"], 1);
  EXPECT_EQ(j["columns"][0]["datasets"][0]["finite_rows"]["n"], 4);
  EXPECT_EQ(j["columns"][0]["datasets"][0]["all_rows"]["n"], 5);
  EXPECT_EQ(j["columns"][0]["best"]["index"], 4);
}

}  // namespace
}  // namespace zcnas
