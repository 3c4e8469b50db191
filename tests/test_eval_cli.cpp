// `zcnas eval` end to end on a synthetic score table derived from the real ground truth: the JSON equals
// the library's numbers, --dataset and --top are honoured, and --plot draws with gnuplot or says it is
// missing. Skips without ../shared.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "eval/correlation.hpp"
#include "eval/evaluation.hpp"
#include "eval/truth.hpp"
#include "search_fixtures.hpp"
#include "test_support.hpp"

namespace zcnas {
namespace {

constexpr const char* kTruth = "data/nb201/nb201_test_accuracy_200ep.csv";

std::string cli() { return std::string("'") + ZCNAS_CLI_PATH + "'"; }

struct Fixture {
  test::TempDir dir;
  std::string table, truth_path = test::shared_path(kTruth);
  GroundTruth truth = test::nb201_space().load_truth(test::shared_path(kTruth));
  std::vector<int64_t> indices;
  std::vector<double> noisy, weak;

  Fixture() {
    for (int64_t i = 0; i < nb201::kNumArchs; i += 4) indices.push_back(i);
    std::vector<double> acc;
    for (int64_t i : indices) acc.push_back(truth.column("cifar100")[static_cast<size_t>(i)]);
    noisy = test::noisy_scores(acc, 1, 3.0, 25);
    weak = test::noisy_scores(acc, 2, 30.0);
    table = dir.file("scores.jsonl");
    test::write_score_table(table, TableFormat::Jsonl, {"noisy", "weak"}, indices, {noisy, weak});
  }
};

TEST(EvalCli, JsonEqualsTheLibrary) {
  ZCNAS_REQUIRE_SHARED(kTruth);
  Fixture f;
  const std::string json = f.dir.file("eval.json");
  std::string out;
  ASSERT_EQ(test::run_command(cli() + " eval --scores '" + f.table + "' --truth '" + f.truth_path +
                                  "' --dataset cifar100 --top 2,10 --json '" + json + "'",
                              &out),
            0)
      << out;
  EXPECT_NE(out.find("## noisy"), std::string::npos) << out;
  EXPECT_NE(out.find("## weak"), std::string::npos) << out;
  EXPECT_EQ(out.find("CIFAR-10 |"), std::string::npos) << "--dataset cifar100 shows one dataset\n" << out;
  std::ifstream in(json);
  const auto j = nlohmann::json::parse(in);
  ASSERT_EQ(j["columns"].size(), 2u);
  const auto& noisy = j["columns"][0];
  EXPECT_EQ(noisy["rows"], static_cast<int64_t>(f.indices.size()));
  int64_t non_finite = 0;
  for (double v : f.noisy) non_finite += !std::isfinite(v);
  EXPECT_GT(non_finite, 0);
  EXPECT_EQ(noisy["non_finite"]["total"], non_finite);
  ASSERT_EQ(noisy["datasets"].size(), 1u);
  const auto& d = noisy["datasets"][0];
  std::vector<double> acc;
  for (int64_t i : f.indices) acc.push_back(f.truth.column("cifar100")[static_cast<size_t>(i)]);
  EXPECT_EQ(d["all_rows"]["kendall_tau_b"].get<double>(), kendall_tau_b(rank_non_finite_lowest(f.noisy), acc));
  EXPECT_EQ(d["all_rows"]["spearman_rho"].get<double>(), spearman_rho(rank_non_finite_lowest(f.noisy), acc));
  EXPECT_EQ(d["finite_rows"]["n"], static_cast<int64_t>(f.indices.size()) - non_finite);
  EXPECT_EQ(d["top_k"].size(), 2u);
  EXPECT_EQ(d["top_k"][0]["percent"], 2.0);
  // The weak score agrees less with accuracy than the noisy one.
  EXPECT_LT(j["columns"][1]["datasets"][0]["all_rows"]["kendall_tau_b"].get<double>(),
            d["all_rows"]["kendall_tau_b"].get<double>());
}

TEST(EvalCli, PlotsWithGnuplotOrSaysItIsMissing) {
  ZCNAS_REQUIRE_SHARED(kTruth);
  Fixture f;
  std::string out;
  const std::string base = cli() + " eval --scores '" + f.table + "' --truth '" + f.truth_path + "' --column noisy";
  ASSERT_NE(
      test::run_command("ZCNAS_GNUPLOT=/nonexistent/gnuplot " + base + " --plot '" + f.dir.file("p.svg") + "'", &out),
      0);
  EXPECT_NE(out.find("needs gnuplot"), std::string::npos) << out;
  ASSERT_NE(test::run_command(base + " --plot '" + f.dir.file("p.pdf") + "'", &out), 0);

  if (test::run_command("gnuplot --version", &out) != 0) GTEST_SKIP() << "skipped: gnuplot is not installed";
  const std::string svg = f.dir.file("p.svg");
  ASSERT_EQ(test::run_command(base + " --plot '" + svg + "'", &out), 0) << out;
  std::ifstream in(svg);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("<svg"), std::string::npos);
  EXPECT_NE(text.find("noisy vs CIFAR-100 test accuracy"), std::string::npos);
  EXPECT_NE(text.find("non-finite"), std::string::npos);
  EXPECT_NE(text.find("-inf / nan"), std::string::npos);
}

TEST(EvalCli, BadInputIsNamed) {
  ZCNAS_REQUIRE_SHARED(kTruth);
  test::TempDir dir;
  const std::string bad = dir.file("bad.csv");
  std::ofstream(bad) << "index,naswot\n0,1\n1,oops\n";
  std::string out;
  ASSERT_NE(test::run_command(cli() + " eval --scores '" + bad + "' --truth '" + test::shared_path(kTruth) + "'", &out),
            0);
  EXPECT_NE(out.find("line 3, column 2 (naswot): 'oops' is not a number"), std::string::npos) << out;
}

}  // namespace
}  // namespace zcnas
