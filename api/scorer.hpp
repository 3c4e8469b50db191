// The library's scoring facade: "score these archs of a space with these scores on this batch", with the rules
// every front end (the CLI, the C API, the Python module) shares: networks built at the settings' width and
// depth, repeats of drawn weights and their mean, the space's 0/1 flag columns, float64 sign bits on the CPU
// for the scores that count them, and a device opened only when a score runs networks.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/device.hpp"
#include "nn/params.hpp"
#include "scores/backend.hpp"
#include "scores/score.hpp"
#include "scores/score_set.hpp"
#include "spaces/space.hpp"

namespace zcnas {

struct ScorerSettings {
  std::string space = kDefaultSpace;
  std::vector<std::string> scores{"naswot"};
  ScoreOptions options;         // score-specific settings (scores/score.hpp); cpu_threads set from below
  std::string device = "auto";  // "auto" | "cpu" | "cuda"
  int cpu_threads = 0;          // <= 0: every core
  int cuda_device = 0;          // the GPU of the CUDA backend
  BuildOptions network;         // width, depth, classes; unset = the space's defaults
  ParamScheme init = ParamScheme::Default;
  uint64_t init_seed = 0;
  int64_t repeats = 1;
  std::string sign_precision = "auto";  // "auto" | "float32" | "float64" (the CLI's --sign-precision rule)
};

// One arch to score: its row number (official index, or record/order number in a space without an index
// order), its genome and the settings its network is built with.
struct ArchJob {
  int64_t index = 0;
  Genome genome;
  BuildOptions options;
};

// One row: the mean over repeats of each score in the order asked, then the space's flags as 0/1.
struct ArchRow {
  int64_t index = 0;
  std::string arch;
  std::vector<double> values;
  double seconds = 0;  // scoring time per arch of the call that scored it
  TensorF64 kernel;    // NASWOT's kernel of the first repeat when ScoreOptions::keep_kernel; else empty
};

class Scorer {
 public:
  // Throws zcnas::Error naming the bad setting (unknown space or score, bad device, ...).
  explicit Scorer(ScorerSettings settings);
  ~Scorer();
  Scorer(Scorer&&) noexcept;
  Scorer& operator=(Scorer&&) noexcept;

  const SearchSpace& space() const;
  const ScorerSettings& settings() const;
  std::vector<std::string> columns() const;  // score names, then the space's flag names
  bool has(const std::string& score) const;  // whether the score is among those asked
  ScoreNeeds needs() const;
  std::vector<std::string> notes() const;  // "backend cpu", "naswot: ...", etc., for a program to print
  Device device() const;                   // where networks run

  ArchJob job_of_arch(const std::string& arch) const;  // throws naming the arch string
  ArchJob job_of_index(int64_t index) const;           // throws naming the index (enumerable spaces)
  // Rows in job order. `weights` (optional) fixes the parameters of a single job.
  std::vector<ArchRow> score(const std::vector<ArchJob>& jobs, const ScoreBatches& batches,
                             const ParamStore* weights = nullptr);

 private:
  // The backend, opened on first use: a Scorer of scores that run no network never touches a device.
  Backend& backend() const;

  ScorerSettings settings_;
  std::unique_ptr<SearchSpace> space_;
  std::unique_ptr<ScoreSet> score_set_;
  mutable std::unique_ptr<Backend> backend_;
  mutable std::vector<std::string> backend_notes_;
};

}  // namespace zcnas
