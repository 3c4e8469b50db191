// A zero-cost score is a plug-in: it says what it needs from the engine (the hooked pass's sign bits, a
// batch, the device) and how it turns that into one number per network. Scores are registered by name in
// scores/registry.cpp; ScoreSet (scores/score_set.hpp) computes several of them from as few passes as their
// needs allow.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.hpp"
#include "scores/backend.hpp"
#include "scores/device_kernels.hpp"

namespace zcnas {

struct ZenInputs;  // scores/zen.hpp

// Settings a score may read; each score documents the ones it uses.
struct ScoreOptions {
  bool float64 = false;                  // run in float64 on the CPU where the score offers it (epsilon)
  bool keep_kernel = false;              // keep each network's kernel matrix (NASWOT's K, for --save-kernel)
  int cpu_threads = 0;                   // threads of a score's own CPU executor (<= 0: every core)
  double swap_mu = 600.0;                // swap_reg's centre, thousands of parameters (scores/sign_patterns.hpp)
  double swap_sigma = 250000.0;          // swap_reg's width
  int64_t zen_batch = 64;                // zen: Gaussian inputs per repeat when ScoreBatches::zen is not given
  bool zen_fresh_running_stats = false;  // zen: reset the running variances for each repeat (default: carry)
};

// The batches a set of scores reads.
struct ScoreBatches {
  const Tensor* main = nullptr;             // [B, 3, H, W]: the hooked pass and scores of the default weights
  const Tensor* constant_weight = nullptr;  // [B', 3, H, W]: scores of constant-weight passes (epsilon)
  const ZenInputs* zen = nullptr;           // Zen-score's two inputs, when given rather than drawn per repeat
};

struct ScoreNeeds {
  bool hooked_pass = false;            // the sign bits of the jobs' forward on the main batch (make_reducer)
  bool main_batch = false;             // reads ScoreBatches::main
  bool constant_weight_batch = false;  // reads ScoreBatches::constant_weight
  bool runs_networks = false;          // runs forwards (on the backend or its own executor)
  bool reads_weights = false;          // runs the jobs' weights (given or drawn) outside the hooked pass
  bool exact_signs = false;            // counts that one flipped sign bit changes: float64 on the CPU by default
};

class Score {
 public:
  virtual ~Score() = default;
  virtual const char* name() const = 0;  // the table column
  virtual ScoreNeeds needs() const = 0;
  // Where it runs, for the log (e.g. "float64 on the CPU (2 threads)"); empty when there is nothing to say.
  virtual std::string description(const Backend& backend) const;

  // Hooked-pass scores: a reducer for one lane that writes values[job] (and kernels[job] when it keeps one).
  virtual std::unique_ptr<SignBitsReducer> make_reducer(std::vector<double>& values, std::vector<TensorF64>& kernels);
  // Other scores: values[job] for every job.
  virtual void score(const std::vector<NetworkJob>& jobs, Backend& backend, const ScoreBatches& batches,
                     std::vector<double>& values);
};

struct ScoreRegistration {
  const char* name;
  const char* help;  // one line for --help
  std::unique_ptr<Score> (*make)(const ScoreOptions& options);
};

// Every score, in the order --help lists them.
const std::vector<ScoreRegistration>& registered_scores();
// Throws naming the unknown name and listing the known ones.
std::unique_ptr<Score> make_score(const std::string& name, const ScoreOptions& options = {});
// "naswot,epsilon" -> names, in the order given; throws naming an unknown or repeated name.
std::vector<std::string> parse_score_list(const std::string& text);
// "naswot, epsilon, params, flops" for help texts and errors.
std::string known_score_names();

}  // namespace zcnas
