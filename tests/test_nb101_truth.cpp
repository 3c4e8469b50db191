// NB101 ground truth: NASLib's zero-cost table (the shared CSV: every row's cell, its accuracy read exactly,
// repeated cells averaged), tables keyed by cell hash, errors that name the file, line and field, and
// `zcnas eval` over a truth that covers a few cells; `zcnas naslib` turns NASLib's proxies into a score table.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "eval/correlation.hpp"
#include "eval/evaluation.hpp"
#include "eval/score_table_reader.hpp"
#include "eval/truth.hpp"
#include "search_fixtures.hpp"
#include "spaces/nb101/naslib_table.hpp"
#include "spaces/nb101/nb101_space.hpp"
#include "spaces/nb101/nb101_truth.hpp"
#include "test_support.hpp"

namespace zcnas {
namespace {

namespace fs = std::filesystem;

constexpr const char* kNaslib = "data/nb101/naslib_zc_subset.csv";
constexpr const char* kRow446Hash = "4d8942b8e6368654fafdfaa633cf1bc3";  // SPEC.md §5's worked example

// The table the NB101 tests share in their working directory (tests/test_nb101_space.cpp).
const fs::path kCache = fs::absolute("nb101_test_cache") / "nb101-cells-v1.bin";

const SearchSpace& space() {
  static const auto s = nb101::make_space(kCache);
  return *s;
}

std::string hash_of(int64_t index) { return space().arch_hash(space().genome_of(index)); }

// The CLI with its cache pointed at a copy of the tests' table, so that it does not generate its own.
std::string cli() {
  const fs::path xdg = fs::absolute("nb101_truth_test_xdg");
  (void)space().arch_of(0);  // the table exists once the space has loaded it
  fs::create_directories(xdg / "zcnas");
  std::error_code ignored;
  fs::copy_file(kCache, xdg / "zcnas" / "nb101-cells-v1.bin", fs::copy_options::skip_existing, ignored);
  return "XDG_CACHE_HOME='" + xdg.string() + "' '" + ZCNAS_CLI_PATH + "'";
}

// The shared CSV's rows as text: matrix, ops and val_accuracy fields.
struct CsvRow {
  std::string matrix, ops, accuracy;
};
std::vector<CsvRow> naslib_rows() {
  std::ifstream in(test::shared_path(kNaslib));
  std::string line;
  std::getline(in, line);  // header
  std::vector<CsvRow> rows;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    CsvRow r;
    std::getline(fields, r.matrix, ',');
    std::getline(fields, r.ops, ',');
    std::getline(fields, r.accuracy, ',');
    rows.push_back(r);
  }
  return rows;
}

std::string truth_error(const std::string& text) {
  test::TempDir dir;
  const std::string path = dir.file("truth.csv");
  std::ofstream(path) << text;
  return test::error_of([&] { space().load_truth(path); });
}

TEST(Nb101Truth, NaslibRowsAreTheirCellsWithAccuraciesReadExactly) {
  ZCNAS_REQUIRE_SHARED(kNaslib);
  const nb101::NaslibTable table = nb101::read_naslib_table(space(), test::shared_path(kNaslib));
  EXPECT_EQ(table.columns, (std::vector<std::string>{"val_accuracy", "synflow", "snip", "grasp", "fisher", "grad_norm",
                                                     "jacov", "epe_nas", "plain", "l2_norm", "flops", "params"}));
  const std::vector<CsvRow> rows = naslib_rows();
  ASSERT_EQ(table.rows(), 500);
  ASSERT_EQ(rows.size(), 500u);
  const std::vector<double>& accuracy = table.values[table.column_position("val_accuracy")];
  for (size_t r = 0; r < rows.size(); ++r) {
    ASSERT_TRUE(table.index[r] >= 0 && table.index[r] < space().size()) << r;
    ASSERT_EQ(table.cell[r], rows[r].matrix + ":" + rows[r].ops) << r;
    ASSERT_EQ(table.line[r], static_cast<int64_t>(r) + 2);
    ASSERT_EQ(accuracy[r], std::strtod(rows[r].accuracy.c_str(), nullptr)) << r;
  }
  EXPECT_EQ(table.index[446], space().index_of_arch(kRow446Hash));
  EXPECT_EQ(accuracy[446], 91.24599099159241);

  // Unpruned matrices repeat cells: 500 rows are 292 cells; 55 rows prune to input->output (index 0).
  const nb101::NaslibCells cells = nb101::naslib_cells(table);
  ASSERT_EQ(cells.index.size(), 292u);
  EXPECT_EQ(cells.index.front(), 0);
  EXPECT_EQ(cells.rows.front(), 55);
  EXPECT_EQ(std::count_if(cells.rows.begin(), cells.rows.end(), [](int64_t n) { return n > 1; }), 48);
  // Rows that agree average to their value exactly: the 55 input->output rows share flops and params.
  EXPECT_EQ(cells.values[table.column_position("flops")].front(), 140.416);
  EXPECT_EQ(cells.values[table.column_position("params")].front(), 0.88257);
}

TEST(Nb101Truth, NaslibTruthIsValidationAccuracyPerCell) {
  ZCNAS_REQUIRE_SHARED(kNaslib);
  const GroundTruth truth = space().load_truth(test::shared_path(kNaslib));
  EXPECT_EQ(truth.datasets, std::vector<std::string>{"cifar10"});
  EXPECT_EQ(truth.measure, "validation accuracy");
  EXPECT_EQ(truth.size(), space().size());
  EXPECT_EQ(truth.covered("cifar10"), 292);
  const std::vector<CsvRow> rows = naslib_rows();
  std::map<int64_t, std::vector<double>> by_cell;
  for (const CsvRow& r : rows)
    by_cell[space().index_of_arch(r.matrix + ":" + r.ops)].push_back(std::strtod(r.accuracy.c_str(), nullptr));
  for (const auto& [index, values] : by_cell) {
    const double got = truth.column("cifar10")[static_cast<size_t>(index)];
    if (values.size() == 1) {
      ASSERT_EQ(got, values[0]) << index;
    } else {
      double sum = 0;
      for (double v : values) sum += v;
      ASSERT_NEAR(got, sum / static_cast<double>(values.size()), 1e-12) << index;
    }
  }
  const auto row446 = static_cast<size_t>(space().index_of_arch(kRow446Hash));
  EXPECT_EQ(truth.column("cifar10")[row446], 91.24599099159241);  // a cell of one row
  EXPECT_EQ(truth.arch[row446], rows[446].matrix + ":" + rows[446].ops);
  size_t lacked = 0;  // the first cell the table lacks
  while (by_cell.count(static_cast<int64_t>(lacked)) > 0) ++lacked;
  EXPECT_TRUE(std::isnan(truth.column("cifar10")[lacked]));
  EXPECT_EQ(truth.arch[lacked], "");
}

TEST(Nb101Truth, HashKeyedTableNamesItsDatasetsAndMayLackValues) {
  test::TempDir dir;
  const std::string path = dir.file("mine.csv");
  std::string upper = hash_of(2);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::ofstream(path) << "cifar10,hash,cifar100\n"
                      << "91.5," << kRow446Hash << ",70.25\n\n"
                      << "83.125," << hash_of(0) << ",\r\n"
                      << "nan," << upper << ",60\n";
  const GroundTruth truth = space().load_truth(path);
  EXPECT_EQ(truth.datasets, (std::vector<std::string>{"cifar10", "cifar100"}));
  EXPECT_EQ(truth.measure, "accuracy");
  EXPECT_EQ(truth.covered("cifar10"), 2);
  EXPECT_EQ(truth.covered("cifar100"), 2);
  const auto i446 = static_cast<size_t>(space().index_of_arch(kRow446Hash));
  EXPECT_EQ(truth.column("cifar10")[i446], 91.5);
  EXPECT_EQ(truth.column("cifar100")[i446], 70.25);
  EXPECT_EQ(truth.column("cifar10")[0], 83.125);
  EXPECT_TRUE(std::isnan(truth.column("cifar100")[0]));
  EXPECT_TRUE(std::isnan(truth.column("cifar10")[2]));
  EXPECT_EQ(truth.column("cifar100")[2], 60);
  EXPECT_EQ(truth.arch[i446], kRow446Hash);
  EXPECT_EQ(truth.arch[2], upper);
}

TEST(Nb101Truth, ErrorsNameTheFileLineAndField) {
  const auto expect_error = [](const std::string& text, const std::string& expected) {
    const std::string message = truth_error(text);
    EXPECT_NE(message.find(expected), std::string::npos) << "expected: " << expected << "\ngot: " << message;
    EXPECT_NE(message.find("truth.csv"), std::string::npos) << "the file is named: " << message;
  };
  const std::string h0 = hash_of(0), h1 = hash_of(1);
  // Tables keyed by hash.
  expect_error("hash,cifar10\n" + h0 + ",90\n12345,91\n", "line 3, column 1 (hash): '12345' is not a cell hash");
  expect_error("hash,cifar10\n0123456789abcdef0123456789abcdef,91\n",
               "line 2, column 1 (hash): no NB101 cell has the hash '0123456789abcdef0123456789abcdef'");
  expect_error("hash,cifar10\n" + h0 + ",90\n" + h1 + ",91\n" + h0 + ",92\n",
               "line 4, column 1 (hash): '" + h0 + "' (index 0) already appears on line 2");
  expect_error("hash,cifar10\n" + h0 + ",high\n", "line 2, column 2 (cifar10): 'high' is not a number");
  expect_error("hash,cifar10\n" + h0 + ",inf\n", "line 2, column 2 (cifar10): 'inf' is not a finite accuracy");
  expect_error("hash,cifar10\n" + h0 + ",90,1\n", "line 2: 3 fields, the header has 2");
  expect_error("hash\n" + h0 + "\n", "has a 'hash' column but no accuracy column");
  expect_error("hash,cifar10,cifar10\n", "column 'cifar10' appears twice");
  expect_error("arch,cifar10\n", "neither a 'hash' column");
  expect_error("", "is empty");
  // NASLib's table.
  const std::string ops =
      "input|conv3x3-bn-relu|conv3x3-bn-relu|conv3x3-bn-relu|conv3x3-bn-relu|conv3x3-bn-relu|output";
  const std::string chain = "0100000001000000010000000100000001000000010000000";  // 0->1->...->6
  const std::string header = "matrix_7x7_rowmajor,ops,val_accuracy,synflow\n";
  expect_error(header + chain + "," + ops + ",90,1\n" + chain.substr(1) + "," + ops + ",90,1\n",
               "line 3, column 1 (matrix_7x7_rowmajor): '" + chain.substr(1) + "' is not a 7x7 matrix");
  std::string letter = chain;
  letter[5] = 'x';
  expect_error(header + letter + "," + ops + ",90,1\n", "line 2, column 1 (matrix_7x7_rowmajor)");
  std::string cut = chain;
  cut[9] = '0';  // 1->2 removed: the input no longer reaches the output
  expect_error(header + cut + "," + ops + ",90,1\n",
               "line 2, columns 1 and 2 (matrix_7x7_rowmajor, ops): NB101 cell '" + cut + ":" + ops +
                   "': the input does not reach the output");
  expect_error(header + chain + ",input|output,90,1\n", "line 2, columns 1 and 2 (matrix_7x7_rowmajor, ops)");
  expect_error(header + chain + "," + ops + ",90,fast\n", "line 2, column 4 (synflow): 'fast' is not a number");
  expect_error("matrix_7x7_rowmajor,ops,synflow\n" + chain + "," + ops + ",1\n", "has no column 'val_accuracy'");
  expect_error("matrix_7x7_rowmajor,val_accuracy\n" + chain + ",90\n", "has no column 'ops'");
}

// A truth keyed by hash: indices 0..3 at 90, 91, 92 and 93 % on cifar10.
void write_four_cell_truth(const std::string& path) {
  std::ofstream(path) << "hash,cifar10\n"
                      << hash_of(0) << ",90\n"
                      << hash_of(1) << ",91\n"
                      << hash_of(2) << ",92\n"
                      << hash_of(3) << ",93\n";
}

// `zcnas eval --space nb101` over a truth of four cells and a score table of six, the two others unjoined.
TEST(Nb101Truth, EvalJoinsTheCellsTheTruthHas) {
  test::TempDir dir;
  const std::string truth = dir.file("truth.csv"), scores = dir.file("scores.csv"), json = dir.file("eval.json");
  write_four_cell_truth(truth);
  // Indices 0..3 score 1, 3, 2, 4 (one discordant pair of six: tau = (5 - 1) / 6; rank differences 0, 1, -1, 0:
  // rho = 1 - 6 * 2 / (4 * 15)). Indices 4 and 5 have no accuracy and the best scores; they are left out.
  std::ofstream(scores) << "index,s\n0,1\n1,3\n2,2\n3,4\n4,100\n5,-100\n";
  std::string out;
  ASSERT_EQ(
      test::run_command(
          cli() + " eval --space nb101 --scores '" + scores + "' --truth '" + truth + "' --json '" + json + "'", &out),
      0)
      << out;
  EXPECT_NE(out.find("6 rows (archs) in the score table"), std::string::npos) << out;
  EXPECT_NE(out.find("- CIFAR-10: 4 rows joined (the ground truth has 4 of the 423624 archs)"), std::string::npos)
      << out;
  std::ifstream in(json);
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["rows"], 6);
  EXPECT_EQ(j["joined"][0]["rows"], 4);
  EXPECT_EQ(j["joined"][0]["truth_archs"], 4);
  const auto& d = j["columns"][0]["datasets"][0];
  EXPECT_EQ(d["all_rows"]["n"], 4);
  EXPECT_DOUBLE_EQ(d["all_rows"]["kendall_tau_b"].get<double>(), 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(d["all_rows"]["spearman_rho"].get<double>(), 0.8);
  EXPECT_EQ(d["best_scored"]["accuracy"], 93.0);   // index 3, the best-scored joined row
  EXPECT_EQ(j["columns"][0]["best"]["index"], 4);  // the best score of the table
}

// NB101 score tables end with the space's reference_fails flag: not a score, and --leave-out drops its rows.
TEST(Nb101Truth, EvalLeavesOutFlaggedCells) {
  test::TempDir dir;
  const std::string truth = dir.file("truth.csv"), scores = dir.file("scores.csv"), json = dir.file("eval.json");
  write_four_cell_truth(truth);
  // Index 1 is flagged; without it the scores 1, 2, 4 rank the three accuracies exactly.
  std::ofstream(scores) << "index,s,reference_fails\n0,1,0\n1,3,1\n2,2,0\n3,4,0\n";
  const std::string command =
      cli() + " eval --space nb101 --scores '" + scores + "' --truth '" + truth + "' --json '" + json + "'";
  std::string out;
  ASSERT_EQ(test::run_command(command, &out), 0) << out;
  auto j = nlohmann::json::parse(std::ifstream(json));
  ASSERT_EQ(j["columns"].size(), 1u) << out;  // the flag is no score
  EXPECT_DOUBLE_EQ(j["columns"][0]["datasets"][0]["all_rows"]["kendall_tau_b"].get<double>(), 4.0 / 6.0);
  ASSERT_EQ(test::run_command(command + " --leave-out reference_fails", &out), 0) << out;
  EXPECT_NE(out.find("left out 1 of 4 rows flagged reference_fails"), std::string::npos) << out;
  j = nlohmann::json::parse(std::ifstream(json));
  EXPECT_EQ(j["columns"][0]["datasets"][0]["all_rows"]["n"], 3);
  EXPECT_DOUBLE_EQ(j["columns"][0]["datasets"][0]["all_rows"]["kendall_tau_b"].get<double>(), 1.0);
  ASSERT_NE(test::run_command(command + " --leave-out nothing_such", &out), 0);
  EXPECT_NE(out.find("--leave-out 'nothing_such'"), std::string::npos) << out;
}

// NASLib's proxies through `zcnas naslib` and `zcnas eval`: one row per cell, evaluated against the same table's
// accuracies as the library computes them.
TEST(Nb101Truth, NaslibProxiesEvaluateAsScoreTables) {
  ZCNAS_REQUIRE_SHARED(kNaslib);
  test::TempDir dir;
  const std::string scores = dir.file("naslib.csv"), json = dir.file("eval.json");
  const std::string naslib = test::shared_path(kNaslib);
  std::string out;
  ASSERT_EQ(test::run_command(cli() + " naslib '" + naslib + "' --out '" + scores + "'", &out), 0) << out;
  EXPECT_NE(out.find("500 rows of '" + naslib + "' are 292 cells (48 of them in several rows"), std::string::npos)
      << out;
  const ScoreTable table = read_score_table(scores, space());
  EXPECT_EQ(table.columns, (std::vector<std::string>{"synflow", "snip", "grasp", "fisher", "grad_norm", "jacov",
                                                     "epe_nas", "plain", "l2_norm", "flops", "params"}));
  ASSERT_EQ(table.rows(), 292);
  EXPECT_TRUE(std::isnan(table.seconds.front()));  // NASLib's table has no times
  const std::string jsonl = dir.file("naslib.jsonl");
  ASSERT_EQ(test::run_command(cli() + " naslib '" + naslib + "' --out '" + jsonl + "'", &out), 0) << out;
  const ScoreTable lines = read_score_table(jsonl, space());
  EXPECT_EQ(lines.index, table.index);
  EXPECT_EQ(lines.values, table.values);
  EXPECT_TRUE(std::isnan(lines.seconds.back()));

  ASSERT_EQ(
      test::run_command(
          cli() + " eval --space nb101 --scores '" + scores + "' --truth '" + naslib + "' --json '" + json + "'", &out),
      0)
      << out;
  std::ifstream in(json);
  const auto j = nlohmann::json::parse(in);
  ASSERT_EQ(j["columns"].size(), 11u);
  const GroundTruth truth = space().load_truth(naslib);
  const nb101::NaslibCells cells = nb101::naslib_cells(nb101::read_naslib_table(space(), test::shared_path(kNaslib)));
  std::vector<double> accuracy;
  for (int64_t i : cells.index) accuracy.push_back(truth.column("cifar10")[static_cast<size_t>(i)]);
  for (size_t c = 0; c < table.columns.size(); ++c) {
    const auto& d = j["columns"][c]["datasets"][0];
    EXPECT_EQ(d["all_rows"]["n"], 292) << table.columns[c];
    const std::vector<double>& proxy = cells.values[c + 1];  // after val_accuracy
    EXPECT_EQ(d["all_rows"]["kendall_tau_b"].get<double>(), kendall_tau_b(proxy, accuracy)) << table.columns[c];
    EXPECT_EQ(d["all_rows"]["spearman_rho"].get<double>(), spearman_rho(proxy, accuracy)) << table.columns[c];
  }
}

}  // namespace
}  // namespace zcnas
