// Fixtures for the evaluation and search tests: the NB201 space, temporary folders, seeded synthetic scores derived
// from the ground truth, score tables written as zcnas writes them, and a run-a-command helper.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/random.hpp"
#include "io/score_table.hpp"
#include "search/evolution.hpp"
#include "spaces/nb201/nb201.hpp"
#include "spaces/space.hpp"

namespace zcnas::test {

// NB201 through the SearchSpace interface, as the searches and readers take it.
inline const SearchSpace& nb201_space() {
  static const std::unique_ptr<SearchSpace> space = make_space("nb201");
  return *space;
}

// Two searches' runs are the same: winners, scores (NaN equal to NaN), populations and histories.
inline void expect_same_runs(const std::vector<SearchRun>& expected, const std::vector<SearchRun>& got) {
  ASSERT_EQ(expected.size(), got.size());
  for (size_t r = 0; r < expected.size(); ++r) {
    EXPECT_EQ(expected[r].run, got[r].run);
    EXPECT_EQ(expected[r].winner, got[r].winner) << "run " << r;
    EXPECT_TRUE(expected[r].score == got[r].score || (std::isnan(expected[r].score) && std::isnan(got[r].score)))
        << "run " << r;
    EXPECT_EQ(expected[r].population, got[r].population) << "run " << r;
    EXPECT_EQ(expected[r].history, got[r].history) << "run " << r;
  }
}

// A fresh folder under the system's temporary folder, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "zcnas-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Standard normal draw `counter` of stream `key` (Box-Muller on two counter-based uniforms).
inline double normal_draw(uint64_t seed, uint64_t key, uint64_t counter) {
  const double u1 = 1.0 - counter_uniform01(seed, key, 2 * counter);  // (0, 1]
  const double u2 = counter_uniform01(seed, key, 2 * counter + 1);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

// A noisy score per row: accuracy + noise * N(0, 1); every `non_finite_every`-th row (when > 0) gets -inf,
// and every (2 * non_finite_every + 1)-th row NaN, like singular kernels.
inline std::vector<double> noisy_scores(const std::vector<double>& accuracy, uint64_t seed, double noise,
                                        int64_t non_finite_every = 0) {
  std::vector<double> scores(accuracy.size());
  for (size_t i = 0; i < accuracy.size(); ++i) {
    scores[i] = accuracy[i] + noise * normal_draw(seed, 0x6e6f697365ULL, i);
    if (non_finite_every > 0 && i % static_cast<size_t>(non_finite_every) == 3) scores[i] = -INFINITY;
    if (non_finite_every > 0 && i % static_cast<size_t>(2 * non_finite_every + 1) == 5) scores[i] = NAN;
  }
  return scores;
}

// Writes rows (index, arch, one value per column) as `zcnas score` does.
inline void write_score_table(const std::string& path, TableFormat format, const std::vector<std::string>& columns,
                              const std::vector<int64_t>& indices, const std::vector<std::vector<double>>& values) {
  std::filesystem::remove(path);
  ScoreTableWriter writer(path, format, columns);
  for (size_t r = 0; r < indices.size(); ++r) {
    ScoreRow row;
    row.index = indices[r];
    row.arch = nb201::format_arch(nb201::index_to_arch(indices[r]));
    for (const auto& column : values) row.values.push_back(column[r]);
    row.seconds = 0.25 + 0.001 * static_cast<double>(r % 7);
    writer.write(row);
  }
}

// Runs a shell command; returns its exit status, with stdout and stderr in *out.
inline int run_command(const std::string& command, std::string* out) {
  TempDir dir;
  const std::string log = dir.file("out.txt");
  // The commands are the tests' own (the CLI under test), never input from outside.
  // NOLINTNEXTLINE(bugprone-command-processor)
  const int status = std::system((command + " >'" + log + "' 2>&1").c_str());
  std::ifstream in(log);
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace zcnas::test
