// The zcnas program end to end: its forms, its files, its errors and exit codes, and resuming a table.
#include <gtest/gtest.h>

#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "io/safetensors.hpp"
#include "scores/backend.hpp"
#include "spaces/space.hpp"
#include "test_support.hpp"

namespace zcnas {
namespace {
namespace fs = std::filesystem;

struct CliRun {
  int code = -1;
  std::string out;  // stdout and stderr together
};

CliRun zcnas(const std::string& args) {
  const std::string cmd = std::string(ZCNAS_CLI_PATH) + " " + args + " 2>&1";
  CliRun r;
  FILE* p = popen(cmd.c_str(), "r");
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

fs::path temp_dir() {
  const fs::path d = fs::temp_directory_path() /
                     ("zcnas_cli_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

const std::string kSmall = "--device cpu -C 4 -N 1 --batch 8";  // a tiny network on a synthetic batch

TEST(Cli, SpaceConvertsBothWays) {
  const CliRun a = zcnas("space nb201 --index 6111");
  EXPECT_EQ(a.code, 0);
  EXPECT_EQ(a.out, "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|\n");
  const CliRun b = zcnas(
      "space nb201 --arch "
      "'|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|'");
  EXPECT_EQ(b.out, "0\n");
  EXPECT_EQ(zcnas("space nb201 --count").out, "15625\n");
}

TEST(Cli, SpaceIsChosenByNameEverywhere) {
  const std::string arch = zcnas("space nb201 --index 6111").out;
  const CliRun scored = zcnas("score --space nb201 --index 6111 --scores params");
  EXPECT_EQ(scored.code, 0) << scored.out;
  EXPECT_NE(scored.out.find("6111," + arch.substr(0, arch.size() - 1) + ","), std::string::npos) << scored.out;
  for (const std::string command : {"space enas --count", "score --space enas --index 0", "search --space enas",
                                    "eval --space enas --scores x --truth y", "combine --space enas"}) {
    const CliRun r = zcnas(command);
    EXPECT_NE(r.code, 0) << command;
    EXPECT_NE(r.out.find("enas"), std::string::npos) << command << ": " << r.out;
    EXPECT_NE(r.out.find("nb201"), std::string::npos) << command << " should list the known spaces: " << r.out;
  }
}

TEST(Cli, BadInputGivesAClearErrorAndNonZeroExit) {
  const fs::path dir = temp_dir();
  CliRun r = zcnas("score --arch '|none~0|+|none~0|none~1|+|none~0|none~1|nor_conv_5x5~2|' " + kSmall);
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("'nor_conv_5x5'"), std::string::npos) << r.out;
  r = zcnas("score --index 15625 " + kSmall);
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("15625"), std::string::npos) << r.out;
  r = zcnas("space nb201 --index 20000");
  EXPECT_NE(r.code, 0);
  std::ofstream(dir / "trunc.bin") << std::string(3073 * 2 + 5, 'x');
  r = zcnas("score --index 0 " + kSmall + " --data " + (dir / "trunc.bin").string());
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("trunc.bin"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("6151"), std::string::npos) << r.out;
  write_safetensors((dir / "w.safetensors").string(), {{"stem.0.weight", raw_from(Tensor({2, 2}))}});
  r = zcnas("score --index 0 " + kSmall + " --weights " + (dir / "w.safetensors").string());
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("stem.0.weight"), std::string::npos) << r.out;
  if (cuda_device_count() == 0) {
    r = zcnas("score --index 0 -C 4 -N 1 --batch 8 --device cuda");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("--device cuda"), std::string::npos) << r.out;
    r = zcnas("score --index 0 -C 4 -N 1 --batch 8 --device auto");
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("falls back to the CPU"), std::string::npos) << r.out;
  }
}

TEST(Cli, SyntheticBatchIsAnnouncedLoudly) {
  const CliRun r = zcnas("score --index 0 " + kSmall);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("SYNTHETIC"), std::string::npos) << r.out;
}

TEST(Cli, ResumeKeepsFinishedRowsAndDropsAPartialOne) {
  const fs::path dir = temp_dir();
  const std::string out = (dir / "t.csv").string();
  CliRun r = zcnas("score --index 3 --index 5 " + kSmall + " --out " + out);
  ASSERT_EQ(r.code, 0) << r.out;
  const std::string first = read_file(out);
  std::ofstream(out, std::ios::app) << "7,|none~0|+|none~0|none~1|+|none~0|no";  // a row cut by a kill
  r = zcnas("score --index 3 --index 5 --index 7 --index 9 " + kSmall + " --out " + out);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("2 of 4 archs already scored"), std::string::npos) << r.out;
  const std::string second = read_file(out);
  EXPECT_EQ(second.substr(0, first.size()), first);  // finished rows untouched
  std::istringstream lines(second);
  std::string line;
  std::vector<std::string> indices;
  while (std::getline(lines, line)) indices.push_back(line.substr(0, line.find(',')));
  EXPECT_EQ(indices, (std::vector<std::string>{"index", "3", "5", "7", "9"}));
  // Other columns in an existing table are refused rather than mixed.
  std::ofstream(dir / "other.csv") << "index,arch,epsilon,seconds\n";
  r = zcnas("score --index 3 " + kSmall + " --out " + (dir / "other.csv").string());
  EXPECT_NE(r.code, 0);
}

TEST(Cli, OracleCaseScoreAndKernelFromWeights) {
  ZCNAS_REQUIRE_SHARED("oracle/nb201/nb201_00000/weights.safetensors");
  const fs::path dir = temp_dir();
  const std::string cases = test::shared_path("oracle/nb201/");
  const CliRun r = zcnas("score --space nb201 --index 0 --device cpu --format jsonl --weights " + cases +
                      "nb201_00000/weights.safetensors --data " +
                      test::shared_path("data/cifar10/data_batch_1_exact_first932.bin") + " --offset 0 --batch 128" +
                      " --save-kernel " + (dir / "K.safetensors").string() + " --out " + (dir / "s.jsonl").string());
  ASSERT_EQ(r.code, 0) << r.out;
  const auto row = nlohmann::json::parse(read_file(dir / "s.jsonl"));
  EXPECT_EQ(row["index"], 0);
  EXPECT_NEAR(row["naswot"].get<double>(), 1559.4629050345864, 1559.46 * 1e-6);
  const auto mine = raw_to_f64(read_safetensors((dir / "K.safetensors").string()).at("K"), "K");
  const auto ref = raw_to_f64(read_safetensors(cases + "nb201_00000/expected.safetensors").at("K"), "K");
  ASSERT_EQ(mine.shape, ref.shape);
  for (size_t i = 0; i < ref.data.size(); ++i) ASSERT_NEAR(mine.data[i], ref.data[i], 1e-4 * 651264) << i;
}

// The form in which other archs, weights and inputs scored by the authors' code are compared: one row of JSON
// lines keyed by the score's name, from the oracle's weights and input file.
TEST(Cli, ForwardOnlyScoresFromWeightsAndInputFiles) {
  ZCNAS_REQUIRE_SHARED("oracle/proxies/zen/cases.json");
  const std::string proxies = test::shared_path("oracle/proxies/");
  struct Case {
    std::string score, weights_of, arch;
    double expected, tolerance;
  };
  const std::string conv_mix = "|nor_conv_3x3~0|+|nor_conv_1x1~0|none~1|+|nor_conv_1x1~0|skip_connect~1|none~2|";
  const std::string none = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|";
  const std::vector<Case> cases = {
      {"meco", "meco", conv_mix, 17.192842483520508, 5e-6 * 322},
      {"zen", "swap", conv_mix, 69.14512634277344, 1e-6 * 69.15},
      {"zen", "swap", none, -INFINITY, 0.0},
      {"swap", "swap", conv_mix, 55142.0, 0.0},
  };
  for (const Case& c : cases) {
    const std::string name = c.arch == none ? "nb201_01651" : "nb201_08233";
    const CliRun r = zcnas("score --space nb201 --device cpu --format jsonl --arch '" + c.arch + "' --weights " +
                           proxies + c.weights_of + "/" + name + "/weights.safetensors --input " + proxies + c.score +
                           "/input.safetensors --scores " + c.score);
    ASSERT_EQ(r.code, 0) << r.out;
    const size_t start = r.out.find('{');  // the row, among the log lines of stderr
    const auto row = nlohmann::json::parse(r.out.substr(start, r.out.find('\n', start) - start));
    if (std::isinf(c.expected)) {
      EXPECT_EQ(row[c.score], "-inf") << c.score;
    } else {
      EXPECT_NEAR(row[c.score].get<double>(), c.expected, c.tolerance) << c.score << " " << name;
    }
  }
}

TEST(Cli, NatsSssSpaceConvertsAndNamesTheBadPart) {
  EXPECT_EQ(zcnas("space nats-sss --count").out, "32768\n");
  EXPECT_EQ(zcnas("space nats-sss --index 284").out, "8:8:40:32:40\n");
  EXPECT_EQ(zcnas("space nats-sss --arch 8:8:8:16:32").out, "11\n");
  CliRun r = zcnas("score --space nats-sss --arch 8:16:33:48:64 --device cpu --batch 8");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("'8:16:33:48:64': channel 3 is 33, not one of 8, 16, ..., 64"), std::string::npos) << r.out;
  r = zcnas("space nats-sss --arch 8:16:32");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("'8:16:32': 3 parts separated by ':', need 5"), std::string::npos) << r.out;
  r = zcnas("score --space nats-sss --index 0 -C 8 --device cpu --batch 8");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("(-C)"), std::string::npos) << r.out;
}

// An oracle case whose skips change width, from its weights and the CIFAR-10 file, by channel string.
TEST(Cli, NatsSssOracleCaseScoreAndKernelFromWeights) {
  ZCNAS_REQUIRE_SHARED("oracle/nats_sss/sss_00011/weights.safetensors");
  ZCNAS_REQUIRE_SHARED("data/cifar10/data_batch_1_exact_first932.bin");
  const fs::path dir = temp_dir();
  const std::string oracle = test::shared_path("oracle/nats_sss/");
  const auto cases = nlohmann::json::parse(read_file(oracle + "cases.json"));
  const auto& c = cases["cases"].at(1);
  ASSERT_EQ(c["name"], "sss_00011");
  const CliRun r = zcnas("score --space nats-sss --arch " + c["channels"].get<std::string>() +
                         " --device cpu --format jsonl --weights " + oracle + "sss_00011/weights.safetensors --data " +
                         test::shared_path("data/cifar10/data_batch_1_exact_first932.bin") + " --offset 0 --batch 128" +
                         " --save-kernel " + (dir / "K.safetensors").string() + " --out " + (dir / "s.jsonl").string());
  ASSERT_EQ(r.code, 0) << r.out;
  const auto row = nlohmann::json::parse(read_file(dir / "s.jsonl"));
  EXPECT_EQ(row["index"], 11);
  const double expected = c["naswot"].get<double>(), units = c["relu_units"].get<double>();
  EXPECT_NEAR(row["naswot"].get<double>(), expected, 1e-6 * expected);
  const auto mine = raw_to_f64(read_safetensors((dir / "K.safetensors").string()).at("K"), "K");
  const auto ref = raw_to_f64(read_safetensors(oracle + "sss_00011/expected.safetensors").at("K"), "K");
  ASSERT_EQ(mine.shape, ref.shape);
  for (size_t i = 0; i < ref.data.size(); ++i) ASSERT_NEAR(mine.data[i], ref.data[i], 1e-4 * units) << i;
}

// REA reports its winners' accuracies from a table keyed by index, and eval joins a table keyed by channel string
// (params need no forward pass).
TEST(Cli, NatsSssSearchAndEvalReadItsTruth) {
  const fs::path dir = temp_dir();
  const auto space = make_space("nats-sss");
  auto accuracy = [](int64_t index) { return static_cast<double>(index % 997) / 10.0; };
  {
    std::ofstream all(dir / "all.csv");
    all << "index,cifar10\n";
    for (int64_t i = 0; i < space->size(); ++i) all << i << "," << accuracy(i) << "\n";
  }
  CliRun r = zcnas(
      "search --space nats-sss --algorithm rea --population 8 --sample-size 3 --cycles 20 --runs 2 "
      "--score-column params --device cpu --truth " +
      (dir / "all.csv").string());
  ASSERT_EQ(r.code, 0) << r.out;
  std::istringstream lines(r.out);
  std::string line;
  int winners = 0;
  while (std::getline(lines, line)) {
    std::vector<std::string> f;
    std::stringstream fields(line);
    for (std::string x; std::getline(fields, x, ',');) f.push_back(x);
    if (f.size() != 5 || f[0] == "run") continue;  // run,winner_index,winner_arch,params,cifar10
    const int64_t index = std::stoll(f[1]);
    EXPECT_EQ(f[2], space->arch_of(index)) << line;
    EXPECT_NEAR(std::stod(f[4]), accuracy(index), 1e-9) << line;
    ++winners;
  }
  EXPECT_EQ(winners, 2) << r.out;

  r = zcnas(
      "score --space nats-sss --index 0 --index 5 --index 284 --index 7733 --index 32767 --scores params "
      "--out " +
      (dir / "params.csv").string());
  ASSERT_EQ(r.code, 0) << r.out;
  std::istringstream rows(read_file(dir / "params.csv"));
  std::ofstream truth(dir / "by_arch.csv");
  truth << "arch,cifar10\n";
  std::getline(rows, line);  // index,arch,params,seconds
  while (std::getline(rows, line)) {
    const size_t a = line.find(',') + 1, p = line.find(',', a) + 1;
    truth << line.substr(a, p - 1 - a) << "," << std::stod(line.substr(p)) / 1e4 << "\n";  // ranked as params
  }
  truth.close();
  r = zcnas("eval --space nats-sss --scores " + (dir / "params.csv").string() + " --truth " +
            (dir / "by_arch.csv").string() + " --json " + (dir / "eval.json").string());
  ASSERT_EQ(r.code, 0) << r.out;
  const auto eval = nlohmann::json::parse(read_file(dir / "eval.json"));
  EXPECT_EQ(eval["joined"][0]["rows"], 5);
  EXPECT_NEAR(eval["columns"][0]["datasets"][0]["all_rows"]["kendall_tau_b"].get<double>(), 1.0, 1e-12);
}

TEST(Cli, RandomSearchReportsWinnersAndAccuracy) {
  ZCNAS_REQUIRE_SHARED("data/nb201/nb201_test_accuracy_200ep.csv");
  const CliRun r = zcnas("search --space nb201 --samples 3 --runs 2 " + kSmall + " --truth " +
                      test::shared_path("data/nb201/nb201_test_accuracy_200ep.csv"));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("winner cifar10 test accuracy"), std::string::npos) << r.out;
}

// Rows without their timing column: what must not depend on how a run was split.
std::vector<std::string> rows_without_seconds(const std::string& table) {
  std::istringstream lines(table);
  std::string line;
  std::vector<std::string> rows;
  while (std::getline(lines, line)) rows.push_back(line.substr(0, line.rfind(',')));
  return rows;
}

TEST(Cli, ShardsMergeIntoTheSingleProcessTable) {
  const fs::path dir = temp_dir();
  const std::string archs = "--index 5 --index 100 --index 3 --index 15000 --index 77 --index 1651 --index 0";
  const std::string scores = " --scores naswot,params,flops " + kSmall;
  // One process, in index order: what the merged table must equal row for row.
  CliRun r = zcnas("score --index 0 --index 3 --index 5 --index 77 --index 100 --index 1651 --index 15000" + scores +
                   " --out " + (dir / "one.csv").string());
  ASSERT_EQ(r.code, 0) << r.out;
  std::string shards;
  for (int i = 0; i < 3; ++i) {
    const std::string shard = (dir / ("s" + std::to_string(i) + ".csv")).string();
    r = zcnas("score " + archs + scores + " --shard " + std::to_string(i) + "/3 --out " + shard);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(rows_without_seconds(read_file(shard)).size(), i == 0 ? 4u : 3u);  // header + every third arch
    shards += " " + shard;
  }
  // A shard given twice (a rerun) adds nothing.
  r = zcnas("merge" + shards + " " + (dir / "s1.csv").string() + " --out " + (dir / "merged.csv").string());
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("merged 7 rows from 4 tables"), std::string::npos) << r.out;
  EXPECT_EQ(rows_without_seconds(read_file(dir / "merged.csv")), rows_without_seconds(read_file(dir / "one.csv")));

  // Two shards that disagree on a row, or were scored with other columns, are refused with the places named.
  std::string changed = read_file(dir / "s1.csv");
  const size_t comma = changed.find(',', changed.find('\n') + 1);
  const size_t value = changed.find(',', comma + 1) + 1;
  changed.replace(value, changed.find(',', value) - value, "1.5");
  std::ofstream(dir / "changed.csv") << changed;
  r = zcnas("merge " + (dir / "s1.csv").string() + " " + (dir / "changed.csv").string() + " --out " +
            (dir / "bad.csv").string());
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("has naswot = "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("but 1.5 in '" + (dir / "changed.csv").string() + "' line 2"), std::string::npos) << r.out;
  r = zcnas("score --index 3" + std::string(" --scores params ") + kSmall + " --out " + (dir / "p.csv").string());
  ASSERT_EQ(r.code, 0) << r.out;
  r = zcnas("merge " + (dir / "s1.csv").string() + " " + (dir / "p.csv").string() + " --out " +
            (dir / "bad.csv").string());
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("they are not shards of one run"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(dir / "bad.csv"));
  // Shard arguments are checked.
  r = zcnas("score --index 3 --shard 3/3 " + kSmall);
  EXPECT_NE(r.out.find("--shard '3/3': need 0 <= i < n"), std::string::npos) << r.out;
  r = zcnas("score --index 3 --shard 1-3 " + kSmall);
  EXPECT_NE(r.out.find("--shard '1-3': expected i/n"), std::string::npos) << r.out;
}

TEST(Cli, OneProcessFinishesTheMpiPartsBesideItsTable) {
  // The parts that an interrupted `mpirun -np 2 zcnas score --out t.csv` leaves: rank 0's share done, rank 1's
  // not begun. A plain run of the same command counts their rows as done and merges them into t.csv.
  const fs::path dir = temp_dir();
  const std::string score =
      "score --index 0 --index 3 --index 5 --index 77 --index 100 --index 1651 --index 15000 "
      "--scores naswot,params " +
      kSmall;
  CliRun r = zcnas(score + " --out " + (dir / "one.csv").string());
  ASSERT_EQ(r.code, 0) << r.out;
  const std::string table = (dir / "t.csv").string();
  r = zcnas(score + " --shard 0/2 --out " + table + ".part-0-of-2");
  ASSERT_EQ(r.code, 0) << r.out;
  // A shard beside them would not finish that job.
  r = zcnas(score + " --shard 1/2 --out " + table);
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("has the part files of an mpirun job beside it"), std::string::npos) << r.out;

  r = zcnas(score + " --out " + table);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("4 of 7 archs already scored"), std::string::npos) << r.out;
  EXPECT_EQ(rows_without_seconds(read_file(table)), rows_without_seconds(read_file(dir / "one.csv")));
  EXPECT_FALSE(fs::exists(table + ".part-0-of-2"));
  EXPECT_FALSE(fs::exists(table + ".part-0-of-1"));
}

TEST(Cli, LiveSearchScoresWithTheNamedScore) {
  // params needs no forward pass: each winner's value is its network's parameter count.
  const CliRun r = zcnas("search --space nb201 --samples 20 --runs 3 --score-column params --device cpu");
  ASSERT_EQ(r.code, 0) << r.out;
  std::istringstream lines(r.out);
  std::string line;
  int rows = 0;
  const auto space = make_space("nb201");
  while (std::getline(lines, line)) {
    if (line.rfind("run,winner_index,winner_arch,params", 0) == 0 || line.empty() || !std::isdigit(line[0])) continue;
    std::istringstream row(line);
    std::string run, index, arch, value;
    std::getline(row, run, ',');
    std::getline(row, index, ',');
    std::getline(row, arch, ',');
    std::getline(row, value, ',');
    const Network net = space->build(space->genome_of(std::stoll(index)));
    EXPECT_EQ(std::stod(value), static_cast<double>(net.parameter_count())) << line;
    EXPECT_EQ(arch, space->arch_of(std::stoll(index))) << line;
    ++rows;
  }
  EXPECT_EQ(rows, 3) << r.out;
  EXPECT_NE(r.out.find("run,winner_index,winner_arch,params"), std::string::npos) << r.out;

  const CliRun eps = zcnas("search --space nb201 --samples 2 --runs 1 --score-column epsilon --device cpu");
  EXPECT_NE(eps.code, 0);
  EXPECT_NE(eps.out.find("--score-column 'epsilon': live scoring gives a score the search's batch only"),
            std::string::npos)
      << eps.out;
  const CliRun unknown = zcnas("search --space nb201 --samples 2 --runs 1 --score-column synflow --device cpu");
  EXPECT_NE(unknown.code, 0);
  EXPECT_NE(unknown.out.find("unknown score 'synflow'"), std::string::npos) << unknown.out;
}

// The DARTS space has no index order: arch strings in either spelling, numbered by their place among those asked,
// or NDS records numbered by record, each built at its own width and depth; the records' accuracies are its truth.
const std::string kDartsV2 =
    "sep_conv_3x3~0,sep_conv_3x3~1,sep_conv_3x3~0,sep_conv_3x3~1,sep_conv_3x3~1,skip_connect~0,skip_connect~0,"
    "dil_conv_3x3~2/max_pool_3x3~0,max_pool_3x3~1,skip_connect~2,max_pool_3x3~1,max_pool_3x3~0,skip_connect~2,"
    "skip_connect~2,max_pool_3x3~1";

TEST(Cli, DartsArchsAreStringsOrRecords) {
  const std::string repr = zcnas("space darts --arch '" + kDartsV2 + "'").out;
  EXPECT_EQ(repr, kDartsV2 + "\n");
  const CliRun count = zcnas("space darts --count");
  EXPECT_NE(count.code, 0);
  EXPECT_NE(count.out.find("space darts has no index order"), std::string::npos) << count.out;
  const CliRun by_index = zcnas("score --space darts --index 3 --scores params");
  EXPECT_NE(by_index.code, 0);
  EXPECT_NE(by_index.out.find("give --arch, or --records with --index or --all"), std::string::npos) << by_index.out;
  const CliRun shallow = zcnas("score --space darts --depth 2 --scores params --arch '" + kDartsV2 + "'");
  EXPECT_NE(shallow.code, 0);
  EXPECT_NE(shallow.out.find("DARTS depth 2"), std::string::npos) << shallow.out;

  // Two distinct archs (the second asked twice, once as a DARTS repr): rows 0 and 1, at the width asked.
  std::string other = kDartsV2;
  other.replace(other.find("dil_conv_3x3~2"), 14, "sep_conv_5x5~1");
  const std::string other_repr =
      "\"Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), "
      "('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), "
      "('sep_conv_5x5', 1)], normal_concat=range(2, 6), reduce=[('max_pool_3x3', 0), "
      "('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
      "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], "
      "reduce_concat=range(2, 6))\"";
  const CliRun scored = zcnas("score --space darts --width 36 --depth 20 --classes 10 --scores params --arch '" +
                              kDartsV2 + "' --arch '" + other + "' --arch " + other_repr);
  ASSERT_EQ(scored.code, 0) << scored.out;
  EXPECT_NE(scored.out.find("0,\"" + kDartsV2 + "\",3349342,"), std::string::npos) << scored.out;
  EXPECT_NE(scored.out.find("1,\"" + other + "\","), std::string::npos) << scored.out;
  EXPECT_EQ(scored.out.find("\n2,"), std::string::npos) << scored.out;

  // NDS records at their own widths and depths: (16, 8), (36, 20) and (8, 5).
  const fs::path dir = temp_dir();
  auto record = [](const std::string& normal_op, int width, int depth, double top1_error) {
    nlohmann::json pairs = nlohmann::json::array();
    for (int p = 0; p < 8; ++p) pairs.push_back({p == 7 ? normal_op : "sep_conv_3x3", p / 2});
    return nlohmann::json{
        {"net",
         {{"genotype",
           {{"normal", pairs}, {"normal_concat", {2, 3, 4, 5}}, {"reduce", pairs}, {"reduce_concat", {2, 3, 4, 5}}}},
          {"width", width},
          {"depth", depth},
          {"aux", false}}},
        {"test_ep_top1", {50.0, top1_error}}};
  };
  const nlohmann::json records = {record("avg_pool_3x3", 16, 8, 8.5), record("max_pool_3x3", 36, 20, 6.0),
                                  record("dil_conv_5x5", 8, 5, 12.25)};
  std::ofstream(dir / "nds.json") << records.dump();
  const std::string table = (dir / "records.csv").string();
  const CliRun all = zcnas("score --space darts --records " + (dir / "nds.json").string() +
                           " --all --scores params --classes 10 --out " + table);
  ASSERT_EQ(all.code, 0) << all.out;
  const std::string rows = read_file(table);
  EXPECT_NE(rows.find("\n0,"), std::string::npos) << rows;
  EXPECT_NE(rows.find("\n2,"), std::string::npos) << rows;
  const CliRun one = zcnas("score --space darts --records " + (dir / "nds.json").string() +
                           " --index 1 --classes 10 "
                           "--scores params");
  ASSERT_EQ(one.code, 0) << one.out;
  EXPECT_NE(one.out.find("\n1,"), std::string::npos) << one.out;
  const CliRun widths = zcnas("score --space darts --records " + (dir / "nds.json").string() + " --all -C 8");
  EXPECT_NE(widths.code, 0);
  EXPECT_NE(widths.out.find("gives every record's width and depth"), std::string::npos) << widths.out;
  const CliRun beyond = zcnas("score --space darts --records " + (dir / "nds.json").string() + " --index 3");
  EXPECT_NE(beyond.code, 0);
  EXPECT_NE(beyond.out.find("--index 3 is not a record of"), std::string::npos) << beyond.out;

  // The records' accuracies (100 - the last top-1 error) are the truth the table joins by record.
  const CliRun eval = zcnas("eval --space darts --truth " + (dir / "nds.json").string() + " --scores " + table +
                            " --json " + (dir / "eval.json").string());
  ASSERT_EQ(eval.code, 0) << eval.out;
  const auto report = nlohmann::json::parse(read_file(dir / "eval.json"));
  EXPECT_NE(report.dump().find("\"rows\":3"), std::string::npos) << report.dump();
}

// A space without an index order is searched over its genomes: REA's winner is a DARTS arch string.
TEST(Cli, DartsIsSearchedOverItsGenotypes) {
  const fs::path dir = temp_dir();
  const std::string json = (dir / "search.json").string();
  const CliRun r = zcnas(
      "search --space darts --algorithm rea --population 3 --sample-size 2 --cycles 2 --runs 2 "
      "--device cpu --width 2 --depth 3 --batch 4 --json " +
      json);
  ASSERT_EQ(r.code, 0) << r.out;
  const auto report = nlohmann::json::parse(read_file(json));
  ASSERT_EQ(report["winners"].size(), 2u) << report.dump();
  const auto space = make_space("darts");
  for (const auto& w : report["winners"]) {
    EXPECT_FALSE(w.contains("index")) << w.dump();
    EXPECT_TRUE(space->valid(space->parse(w["arch"].get<std::string>()))) << w.dump();
  }
  const CliRun table = zcnas("search --space darts --fitness-table " + json);
  EXPECT_NE(table.code, 0);
  EXPECT_NE(table.out.find("DARTS has no index order"), std::string::npos) << table.out;
}

}  // namespace
}  // namespace zcnas
