// Fixtures for the evaluation and search tests: the NB201 space with and without its index order, temporary folders,
// seeded synthetic scores derived from the ground truth, score tables written as zcnas writes them, and a
// run-a-command helper.
#pragma once
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/error.hpp"
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

// The number of positions at which two genomes of one length differ.
inline int positions_differing(const Genome& a, const Genome& b) {
  int d = 0;
  for (size_t p = 0; p < a.size(); ++p) d += a[p] != b[p];
  return d;
}

// NB201 as a space without an index order looks to the searches (size() == kUnbounded), with only the cells that
// connect the input to the output valid (15,284 of 15,625), so that draws and mutations have genomes to skip.
class UnboundedNb201 : public SearchSpace {
 public:
  std::string name() const override { return "nb201-unbounded"; }
  std::string title() const override { return "NB201 without an index order"; }
  int64_t size() const override { return kUnbounded; }
  std::vector<int32_t> genome_choices() const override { return nb201_space().genome_choices(); }
  bool valid(const Genome& genome) const override { return SearchSpace::valid(genome) && connects(genome); }

  Genome parse(const std::string& arch) const override {
    Genome genome = nb201_space().parse(arch);
    ZCNAS_REQUIRE(valid(genome), "'{}' does not connect the input to the output", arch);
    return genome;
  }
  std::string format(const Genome& genome) const override { return nb201_space().format(canonical(genome)); }
  Genome genome_of(int64_t index) const override {
    check_index(index);  // throws: no index order
    return {};
  }
  int64_t index_of(const Genome& /*genome*/) const override { throw Error(title() + " has no index of an arch"); }
  Network build(const Genome& genome, const BuildOptions& options) const override {
    return nb201_space().build(canonical(genome), options);
  }

  // True when a path of ops other than `none` leads from node 0 to node 3. The edges come in order of their
  // target node, so one pass sees every path.
  static bool connects(const Genome& genome) {
    std::array<bool, 4> reached{true, false, false, false};
    for (size_t e = 0; e < genome.size(); ++e)
      if (genome[e] != static_cast<int32_t>(nb201::Op::None) && reached[static_cast<size_t>(nb201::kEdgeFrom[e])])
        reached[static_cast<size_t>(nb201::kEdgeTo[e])] = true;
    return reached[3];
  }
};

// A fixed pseudo-random score per index, with -inf and NaN sprinkled in like singular kernels; a small set
// of values so that ties happen.
inline double synthetic_score(int64_t index) {
  const uint64_t h = counter_random_u64(42, 7, static_cast<uint64_t>(index));
  if (h % 53 == 0) return -INFINITY;
  if (h % 97 == 0) return NAN;
  return static_cast<double>(h % 4000) / 4.0;
}

// The searches' settings in the search tests, small enough to run many times.
inline SearchConfig config(SearchAlgorithm algorithm, uint64_t seed = 3) {
  SearchConfig c;
  c.algorithm = algorithm;
  c.samples = algorithm == SearchAlgorithm::Area ? 200 : 40;
  c.population = 12;
  c.tournament = 4;
  c.cycles = 60;
  c.seed = seed;
  c.keep_history = true;
  return c;
}

// Two searches' runs are the same: the runs, winners, populations and histories (SearchRun or GenomeSearchRun).
template <typename Run>
bool same_runs(const std::vector<Run>& a, const std::vector<Run>& b) {
  if (a.size() != b.size()) return false;
  for (size_t r = 0; r < a.size(); ++r)
    if (a[r].run != b[r].run || a[r].winner != b[r].winner || a[r].population != b[r].population ||
        a[r].history != b[r].history)
      return false;
  return true;
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
