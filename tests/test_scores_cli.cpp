// `zcnas score --scores ...` and `zcnas combine` end to end: columns in the order asked, values equal to the
// library's, resume keeps the columns, errors name the bad input, and the combined column is the mean rank.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "eval/combined.hpp"
#include "io/cifar10.hpp"
#include "scores/epsilon.hpp"
#include "spaces/nb201/nb201.hpp"

namespace zcnas {
namespace {

namespace fs = std::filesystem;

struct RunResult {
  int status = -1;
  std::string err;
};

class ScoreCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("zcnas_scores_cli_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Runs the CLI with `args`; stdout goes to a file, stderr is returned.
  RunResult run(const std::string& args) const {
    const std::string cmd = std::string("OMP_NUM_THREADS=1 '") + ZCNAS_CLI_PATH + "' " + args + " > '" +
                            path("stdout.txt") + "' 2> '" + path("stderr.txt") + "'";
    RunResult r;
    const int raw = std::system(cmd.c_str());
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    r.err = read(path("stderr.txt"));
    return r;
  }

  static std::string read(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  static std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream ss(text);
    for (std::string l; std::getline(ss, l);) out.push_back(l);
    return out;
  }

  static std::vector<std::string> fields(const std::string& line) {
    std::vector<std::string> out;
    std::stringstream ss(line);
    for (std::string f; std::getline(ss, f, ',');) out.push_back(f);
    return out;
  }

  fs::path dir_;
};

// A small network and synthetic batches keep each run well under a second.
const char* kSmall = "-C 4 -N 1 --device cpu --batch 8 --eps-batch 10";

nb201::NetworkOptions small_options() {
  nb201::NetworkOptions o;
  o.channels = 4;
  o.cells_per_stage = 1;
  return o;
}

TEST_F(ScoreCli, SeveralScoresInTheOrderAsked) {
  const std::string out = path("t.csv");
  const RunResult r = run(
      fmt::format("score {} --index 1835 --index 1651 --scores epsilon,naswot,params,flops --out '{}'", kSmall, out));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("zcnas: epsilon: float32 on cpu"), std::string::npos) << r.err;
  const auto rows = lines(read(out));
  ASSERT_EQ(rows.size(), 3u) << read(out);
  EXPECT_EQ(rows[0], "index,arch,epsilon,naswot,params,flops,seconds");

  CpuExecutor<float> exec(1);
  const Tensor eps_batch = synthetic_batch(10, 0);
  for (size_t k = 1; k < rows.size(); ++k) {
    const auto f = fields(rows[k]);
    ASSERT_EQ(f.size(), 7u) << rows[k];
    const nb201::Arch arch = nb201::index_to_arch(std::stoll(f[0]));
    EXPECT_EQ(f[1], nb201::format_arch(arch));
    const Network net = nb201::build_network(arch, small_options());
    const double epsilon = epsilon_cpu(exec, net, eps_batch);
    if (std::isnan(epsilon)) {
      EXPECT_EQ(f[2], "nan");
    } else {
      EXPECT_NEAR(std::stod(f[2]), epsilon, 1e-12 * std::fabs(epsilon)) << rows[k];
    }
    EXPECT_EQ(f[4], std::to_string(net.parameter_count()));
    EXPECT_EQ(f[5], std::to_string(net.multiply_adds()));
  }
  // 1651 is all `none`: singular K and constant outputs.
  EXPECT_EQ(fields(rows[2])[2], "nan");
  EXPECT_EQ(fields(rows[2])[3], "-inf");
  EXPECT_NE(fields(rows[1])[2], "nan");
}

TEST_F(ScoreCli, DefaultIsNaswotAlone) {
  const std::string out = path("t.csv");
  const RunResult r = run(fmt::format("score {} --index 0 --out '{}'", kSmall, out));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(lines(read(out)).at(0), "index,arch,naswot,seconds");
  EXPECT_EQ(r.err.find("epsilon"), std::string::npos) << r.err;
}

TEST_F(ScoreCli, ResumeKeepsColumnsAndRefusesOtherScores) {
  const std::string out = path("t.csv");
  ASSERT_EQ(run(fmt::format("score {} --index 5 --scores params,epsilon --out '{}'", kSmall, out)).status, 0);
  const RunResult again =
      run(fmt::format("score {} --index 5 --index 6 --scores params,epsilon --out '{}'", kSmall, out));
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_NE(again.err.find("1 of 2 archs already scored"), std::string::npos) << again.err;
  const auto rows = lines(read(out));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], "index,arch,params,epsilon,seconds");
  EXPECT_EQ(fields(rows[1])[0], "5");
  EXPECT_EQ(fields(rows[2])[0], "6");

  const RunResult other = run(fmt::format("score {} --index 7 --scores params,flops --out '{}'", kSmall, out));
  EXPECT_EQ(other.status, 1);
  EXPECT_NE(other.err.find("has columns 'index,arch,params,epsilon,seconds'"), std::string::npos) << other.err;
  EXPECT_EQ(lines(read(out)).size(), 3u);
}

TEST_F(ScoreCli, BaselinesAloneNeedNoBatch) {
  const RunResult r = run(fmt::format("score {} --index 1462 --scores flops,params --format jsonl", kSmall));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err.find("SYNTHETIC"), std::string::npos) << r.err;
  const auto j = nlohmann::json::parse(read(path("stdout.txt")));
  const Network net = nb201::build_network(nb201::index_to_arch(1462), small_options());
  EXPECT_EQ(j.at("flops").get<int64_t>(), net.multiply_adds());
  EXPECT_EQ(j.at("params").get<int64_t>(), net.parameter_count());
  EXPECT_FALSE(j.contains("naswot"));
}

TEST_F(ScoreCli, Float64Epsilon) {
  const RunResult r = run(fmt::format("score {} --index 8233 --scores epsilon --epsilon-precision float64", kSmall));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("float64 on the CPU"), std::string::npos) << r.err;
  CpuExecutor<double> exec(1);
  const double expected =
      epsilon_cpu(exec, nb201::build_network(nb201::index_to_arch(8233), small_options()), synthetic_batch(10, 0));
  EXPECT_NEAR(std::stod(fields(lines(read(path("stdout.txt"))).at(1))[2]), expected, 1e-12 * std::fabs(expected));
}

TEST_F(ScoreCli, ErrorsNameTheBadInput) {
  RunResult r = run(fmt::format("score {} --index 0 --scores naswot,synflow", kSmall));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("unknown score 'synflow'"), std::string::npos) << r.err;
  r = run(fmt::format("score {} --index 0 --scores epsilon --save-kernel '{}'", kSmall, path("K.safetensors")));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("--save-kernel writes NASWOT's kernel"), std::string::npos) << r.err;
  r = run(fmt::format("score {} --index 0 --epsilon-precision float16", kSmall));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("float16"), std::string::npos) << r.err;
}

TEST_F(ScoreCli, SaveKernelWithSeveralScores) {
  const RunResult r =
      run(fmt::format("score {} --index 0 --scores epsilon,naswot --save-kernel '{}'", kSmall, path("K.safetensors")));
  ASSERT_EQ(r.status, 0) << r.err;
  // 8 + header + 8 x 8 doubles
  EXPECT_GT(fs::file_size(path("K.safetensors")), 8u * 8u * 8u);
}

TEST_F(ScoreCli, CombineAddsTheMeanPercentileRankBeforeSeconds) {
  const std::string table = path("t.csv"), combined = path("c.csv");
  ASSERT_EQ(run(fmt::format("score {} --index 1651 --index 0 --index 1835 --index 6111 --scores naswot,epsilon "
                            "--out '{}'",
                            kSmall, table))
                .status,
            0);
  const RunResult r = run(fmt::format("combine --scores '{}' --columns naswot,epsilon --out '{}'", table, combined));
  ASSERT_EQ(r.status, 0) << r.err;
  const auto before = lines(read(table)), after = lines(read(combined));
  ASSERT_EQ(after.size(), before.size());
  EXPECT_EQ(after[0], "index,arch,naswot,epsilon,vote_naswot_epsilon,seconds");
  std::vector<double> naswot, epsilon;
  for (size_t k = 1; k < before.size(); ++k) {
    naswot.push_back(std::stod(fields(before[k])[2]));
    epsilon.push_back(std::stod(fields(before[k])[3]));
  }
  const std::vector<double> expected = mean_percentile_rank({naswot, epsilon});
  for (size_t k = 1; k < after.size(); ++k) {
    const auto b = fields(before[k]), a = fields(after[k]);
    ASSERT_EQ(a.size(), 6u);
    EXPECT_EQ(a[0], b[0]);
    EXPECT_EQ(a[2], b[2]);
    EXPECT_EQ(a[3], b[3]);
    EXPECT_EQ(a[5], b[4]);
    if (std::isnan(expected[k - 1])) {
      EXPECT_EQ(a[4], "nan") << after[k];
    } else {
      EXPECT_EQ(std::stod(a[4]), expected[k - 1]) << after[k];
    }
  }
  // 1651 (all none) has -inf naswot and NaN epsilon: no score to combine.
  EXPECT_EQ(fields(after[1])[0], "1651");
  EXPECT_EQ(fields(after[1])[4], "nan");

  const RunResult twice =
      run(fmt::format("combine --scores '{}' --columns naswot,epsilon --out '{}'", combined, combined));
  EXPECT_EQ(twice.status, 1);
  EXPECT_NE(twice.err.find("already has a column 'vote_naswot_epsilon'"), std::string::npos) << twice.err;
  const RunResult missing =
      run(fmt::format("combine --scores '{}' --columns naswot,synflow --out '{}'", table, combined));
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find("no score column 'synflow'"), std::string::npos) << missing.err;
}

TEST_F(ScoreCli, CombineJsonLinesInPlace) {
  const std::string table = path("t.jsonl");
  ASSERT_EQ(run(fmt::format("score {} --index 3 --index 4 --index 1651 --scores epsilon,params --format jsonl "
                            "--out '{}'",
                            kSmall, table))
                .status,
            0);
  const RunResult r =
      run(fmt::format("combine --scores '{}' --columns epsilon,params --name vote --out '{}'", table, table));
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<double> epsilon, params, vote;
  for (const auto& l : lines(read(table))) {
    const auto j = nlohmann::ordered_json::parse(l);
    std::vector<std::string> keys;
    for (const auto& [k, v] : j.items()) keys.push_back(k);
    EXPECT_EQ(keys, (std::vector<std::string>{"index", "arch", "epsilon", "params", "vote", "seconds"}));
    epsilon.push_back(j["epsilon"].is_string() ? std::nan("") : j["epsilon"].get<double>());
    params.push_back(j["params"].get<double>());
    vote.push_back(j["vote"].get<double>());
  }
  EXPECT_EQ(vote, mean_percentile_rank({epsilon, params}));
}

}  // namespace
}  // namespace zcnas
