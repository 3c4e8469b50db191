// NASLib's zero-cost tables (zc_<space>.json): the arch keys of NB201 and NB101 in NASLib's encoding, a score table
// written and read back with NASLib's names and units, parameter counts against NASLib's own, and `zcnas export` /
// `zcnas eval` end to end. The parts that read ../shared skip without it.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "eval/naslib_zc.hpp"
#include "io/csv.hpp"
#include "io/score_table.hpp"
#include "scores/score_set.hpp"
#include "search_fixtures.hpp"
#include "spaces/nb201/nb201.hpp"
#include "test_support.hpp"

namespace zcnas {
namespace {

constexpr const char* kTruth = "data/nb201/nb201_test_accuracy_200ep.csv";
constexpr const char* kNb201Subset = "data/nb201/naslib_zc_subset.csv";
constexpr const char* kNb101Subset = "data/nb101/naslib_zc_subset.csv";

std::string cli() { return std::string("'") + ZCNAS_CLI_PATH + "'"; }

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The named columns of a CSV's rows, as text.
std::vector<std::vector<std::string>> csv_rows(const std::string& path, const std::vector<std::string>& names) {
  std::ifstream in(path);
  CsvReader csv(in, path);
  const std::vector<std::string> header = csv.header();
  std::vector<size_t> at;
  for (const auto& n : names)
    at.push_back(static_cast<size_t>(std::find(header.begin(), header.end(), n) - header.begin()));
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> fields;
  while (csv.next(fields)) {
    rows.emplace_back();
    for (size_t c : at) rows.back().push_back(fields[c]);
  }
  return rows;
}

TEST(NaslibKeys, Nb201FollowsNaslibsEdgeAndOpOrder) {
  const auto space = make_space("nb201");
  EXPECT_EQ(space->naslib_name(), "nasbench201");
  // Index 0 is |avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|;
  // NASLib's edges (0,1), (0,2), (0,3), (1,2), (1,3), (2,3) carry avg_pool (4), conv1x1 (3), conv1x1 (3) and skips (0).
  EXPECT_EQ(space->naslib_key(space->genome_of(0)), "(4, 3, 3, 0, 0, 0)");
  EXPECT_EQ(space->naslib_key(space->parse("|none~0|+|skip_connect~0|nor_conv_3x3~1|+|none~0|none~1|none~2|")),
            "(1, 0, 1, 2, 1, 1)");
  std::set<std::string> keys;
  for (int64_t i = 0; i < space->size(); ++i) {
    const std::string key = space->naslib_key(space->genome_of(i));
    ASSERT_EQ(space->index_of(space->parse_naslib_key(key)), i) << key;
    keys.insert(key);
  }
  EXPECT_EQ(static_cast<int64_t>(keys.size()), space->size());
}

TEST(NaslibKeys, MalformedKeysAreNamed) {
  const auto space = make_space("nb201");
  for (const std::string key : {"(4, 3, 3)", "4, 3, 3, 0, 0, 0", "(a, 3, 3, 0, 0, 0)", "()", "(4, 3, 3, 0, 0, 0,,)"})
    EXPECT_NE(test::error_of([&] { space->parse_naslib_key(key); }).find(key), std::string::npos) << key;
  EXPECT_NE(test::error_of([&] { space->parse_naslib_key("(4, 3, 3, 0, 0, 7)"); }).find("op 7"), std::string::npos);
  for (const std::string name : {"darts", "nats-sss"}) {
    const auto other = make_space(name);
    EXPECT_EQ(other->naslib_name(), "");
    EXPECT_NE(test::error_of([&] { naslib_zc_file_name(*other); }).find(name), std::string::npos);
    EXPECT_NE(test::error_of([&] { other->parse_naslib_key("(1, 2)"); }).find(name), std::string::npos);
  }
}

// NASLib keys its NB101 cells by the unpruned 7x7 matrix and NASLib's op numbers; such a key is the cell that the
// subset's own matrix and ops name.
TEST(NaslibKeys, Nb101ReadsNaslibsUnprunedCells) {
  ZCNAS_REQUIRE_SHARED(kNb101Subset);
  const auto space = make_space("nb101");
  EXPECT_EQ(space->naslib_name(), "nasbench101");
  const std::vector<std::string> labels = {"input", "output", "maxpool3x3", "conv1x1-bn-relu", "conv3x3-bn-relu"};
  const auto rows = csv_rows(test::shared_path(kNb101Subset), {"matrix_7x7_rowmajor", "ops"});
  ASSERT_GE(rows.size(), 100u);
  for (size_t r = 0; r < 100; ++r) {
    std::vector<int> tuple;
    for (char bit : rows[r][0]) tuple.push_back(bit - '0');
    std::stringstream ops(rows[r][1]);
    for (std::string op; std::getline(ops, op, '|');)
      tuple.push_back(static_cast<int>(std::find(labels.begin(), labels.end(), op) - labels.begin()));
    std::string key = "(";
    for (size_t k = 0; k < tuple.size(); ++k) key += (k ? ", " : "") + std::to_string(tuple[k]);
    key += ")";
    const int64_t index = space->index_of_arch(rows[r][0] + ":" + rows[r][1]);
    EXPECT_EQ(space->index_of(space->parse_naslib_key(key)), index) << key;
    // Written back for the pruned cell, which reads as the same cell.
    const std::string pruned = space->naslib_key(space->genome_of(index));
    EXPECT_EQ(space->index_of(space->parse_naslib_key(pruned)), index) << pruned;
  }
  for (const std::string key : {"(0, 1, 0, 0, 0)", "(0, 1, 0, 0, 1, 0)", "(0, 2, 0, 0, 0, 1)"})
    EXPECT_NE(test::error_of([&] { space->parse_naslib_key(key); }).find(key), std::string::npos) << key;
}

TEST(NaslibZc, WrittenAndReadBackWithNaslibsNamesAndUnits) {
  ZCNAS_REQUIRE_SHARED(kTruth);
  const auto space = make_space("nb201");
  const GroundTruth truth = space->load_truth(test::shared_path(kTruth));
  test::TempDir dir;
  ScoreTable table;
  table.columns = {"naswot", "params", "flops", "swap"};
  table.values.resize(4);
  for (int64_t i = 0; i < 40; ++i) {
    table.index.push_back(i * 97);
    table.values[0].push_back(i == 3 ? -INFINITY : i == 5 ? NAN : 1500.0 + 0.37 * static_cast<double>(i));
    table.values[1].push_back(100000.0 + 17.0 * static_cast<double>(i));
    table.values[2].push_back(1.5e7 + 1234.0 * static_cast<double>(i));
    table.values[3].push_back(static_cast<double>(i));
    table.seconds.push_back(0.25);
  }
  const std::string path = dir.file("zc_nasbench201.json");
  write_naslib_zc(path, *space, table, &truth, {});

  // Python's json reads it: NaN and -Infinity as it writes them, NASLib's names and millions.
  const std::string text = read_file(path);
  EXPECT_NE(text.find("\"nwot\": {\"score\": -Infinity"), std::string::npos);
  EXPECT_NE(text.find("\"nwot\": {\"score\": NaN"), std::string::npos);
  EXPECT_NE(text.find("\"params\": {\"score\": 0.1, \"time\": 0.25}"), std::string::npos);
  EXPECT_TRUE(is_naslib_zc_file(path));

  const ScoreTable back = read_naslib_zc_scores(path, *space, "cifar100");
  ASSERT_EQ(back.columns, table.columns);
  ASSERT_EQ(back.index, table.index);  // rows in index order, as written
  for (size_t c = 0; c < table.columns.size(); ++c)
    for (size_t r = 0; r < table.index.size(); ++r) {
      const double want = table.values[c][r], got = back.values[c][r];
      if (!std::isfinite(want))
        EXPECT_TRUE(std::isnan(want) ? std::isnan(got) : got == want);
      else
        EXPECT_NEAR(got, want, std::abs(want) * 1e-15) << table.columns[c] << " row " << r;
    }
  EXPECT_EQ(read_score_table(path, *space).index, table.index);  // the cifar10 section

  const GroundTruth read = read_naslib_zc_truth(path, *space);
  EXPECT_EQ(read.datasets, truth.datasets);
  for (const auto& d : truth.datasets)
    for (int64_t i : table.index)
      EXPECT_EQ(read.column(d)[static_cast<size_t>(i)], truth.column(d)[static_cast<size_t>(i)]) << d << " " << i;
  EXPECT_EQ(read.covered("cifar10"), 40);
  EXPECT_NE(test::error_of([&] { read_naslib_zc_scores(path, *space, "svhn"); }).find("ImageNet16-120"),
            std::string::npos);
}

// A file as NASLib's Python writes it: keys of its own order, fields that are not proxies, NaN bare.
TEST(NaslibZc, ReadsNaslibsOwnLayout) {
  const auto space = make_space("nb201");
  test::TempDir dir;
  const std::string path = dir.file("zc_nasbench201.json");
  std::ofstream(path)
      << "{\"cifar10\": {\"(4, 3, 3, 0, 0, 0)\": {\"id\": 12, \"val_accuracy\": 85.5,\n"
         "  \"nwot\": {\"score\": 1549.3, \"time\": 0.2}, \"synflow\": {\"score\": NaN, \"time\": 0.1}},\n"
         " \"(1, 0, 1, 2, 1, 1)\": {\"id\": 3, \"val_accuracy\": 70.25,\n"
         "  \"nwot\": {\"score\": -Infinity, \"time\": 0.2}, \"synflow\": {\"score\": 4.5}}}}";
  const ScoreTable t = read_score_table(path, *space);
  ASSERT_EQ(t.columns, (std::vector<std::string>{"naswot", "synflow"}));
  const int64_t other = space->index_of_arch("|none~0|+|skip_connect~0|nor_conv_3x3~1|+|none~0|none~1|none~2|");
  ASSERT_EQ(t.rows(), 2);
  EXPECT_EQ(t.index, (std::vector<int64_t>{0, other}));
  EXPECT_EQ(t.values[0][0], 1549.3);
  EXPECT_TRUE(std::isinf(t.values[0][1]) && t.values[0][1] < 0);
  EXPECT_TRUE(std::isnan(t.values[1][0]));
  EXPECT_EQ(read_naslib_zc_truth(path, *space).column("cifar10")[static_cast<size_t>(other)], 70.25);

  std::ofstream(path) << "{\"cifar10\": {\"(4, 3, 3, 0, 0, 0)\": {\"nwot\": {\"score\": 1.0}},\n"
                         " \"(4, 3, 3, 0, 0, 0 )\": {\"nwot\": {\"score\": 2.0}}}}";
  EXPECT_NE(test::error_of([&] { read_score_table(path, *space); }).find("the same arch"), std::string::npos);
}

// zcnas's parameter counts at NB201's 10 CIFAR-10 classes, exported, are NASLib's own (in millions, 6 decimals).
TEST(NaslibZc, ParameterCountsEqualNaslibs) {
  ZCNAS_REQUIRE_SHARED(kNb201Subset);
  const auto space = make_space("nb201");
  const auto rows = csv_rows(test::shared_path(kNb201Subset), {"dataset", "nb201_index", "params"});
  BuildOptions options;
  options.num_classes = 10;
  ScoreSet params({"params"});
  auto backend = make_cpu_backend(1);
  ScoreTable table;
  table.columns = {"params"};
  table.values.resize(1);
  std::vector<double> naslib;
  for (const auto& row : rows) {
    if (row[0] != "cifar10" || table.rows() == 25) continue;
    const int64_t index = std::stoll(row[1]);
    const Network net = space->build(space->genome_of(index), options);
    table.index.push_back(index);
    table.values[0].push_back(params.score({{&net, nullptr, 0}}, *backend, {})[0].values[0]);
    naslib.push_back(std::stod(row[2]));
  }
  ASSERT_EQ(table.rows(), 25);
  test::TempDir dir;
  const std::string path = dir.file("zc.json");
  write_naslib_zc(path, *space, table, nullptr, {"cifar10"});
  const auto zc = read_naslib_zc_json(path);
  for (size_t r = 0; r < naslib.size(); ++r) {
    const std::string key = space->naslib_key(space->genome_of(table.index[r]));
    EXPECT_NEAR(zc["cifar10"][key]["params"]["score"].get<double>(), naslib[r], 5e-7) << key;
  }
}

TEST(NaslibZc, ExportThenEvalAsZcnasTables) {
  ZCNAS_REQUIRE_SHARED(kTruth);
  test::TempDir dir;
  const GroundTruth truth = test::nb201_space().load_truth(test::shared_path(kTruth));
  std::vector<int64_t> indices;
  std::vector<double> acc;
  for (int64_t i = 0; i < nb201::kNumArchs; i += 25) {
    indices.push_back(i);
    acc.push_back(truth.column("cifar10")[static_cast<size_t>(i)]);
  }
  const std::string table = dir.file("scores.csv"), zc = dir.file("zc_nasbench201.json");
  test::write_score_table(table, TableFormat::Csv, {"naswot"}, indices, {test::noisy_scores(acc, 3, 4.0, 30)});
  std::string out;
  ASSERT_EQ(test::run_command(cli() + " export --naslib --scores '" + table + "' --truth '" +
                                  test::shared_path(kTruth) + "' -o '" + zc + "'",
                              &out),
            0)
      << out;
  const std::string a = dir.file("a.json"), b = dir.file("b.json");
  ASSERT_EQ(test::run_command(cli() + " eval --scores '" + table + "' --truth '" + test::shared_path(kTruth) +
                                  "' --dataset cifar10 --json '" + a + "'",
                              &out),
            0)
      << out;
  ASSERT_EQ(test::run_command(
                cli() + " eval --scores '" + zc + "' --truth '" + zc + "' --dataset cifar10 --json '" + b + "'", &out),
            0)
      << out;
  auto ja = nlohmann::json::parse(read_file(a)), jb = nlohmann::json::parse(read_file(b));
  const auto& ca = ja["columns"][0]["datasets"][0];
  const auto& cb = jb["columns"][0]["datasets"][0];
  EXPECT_EQ(ca["all_rows"], cb["all_rows"]);
  EXPECT_EQ(ca["finite_rows"], cb["finite_rows"]);
  EXPECT_EQ(ca["top_k"], cb["top_k"]);
  EXPECT_EQ(ca["all_rows"]["n"], static_cast<int64_t>(indices.size()));

  // Without a ground truth: one section, no accuracies; a space NASLib lacks is refused by name.
  ASSERT_EQ(
      test::run_command(cli() + " export --naslib --scores '" + table + "' --dataset cifar100 -o '" + zc + "'", &out),
      0)
      << out;
  const auto j = read_naslib_zc_json(zc);
  EXPECT_EQ(j.size(), 1u);
  EXPECT_FALSE(j["cifar100"].begin()->contains("val_accuracy"));
  EXPECT_NE(test::run_command(cli() + " export --naslib --space nats-sss --scores '" + table + "'", &out), 0);
  EXPECT_NE(out.find("nats-sss"), std::string::npos) << out;
}

}  // namespace
}  // namespace zcnas
