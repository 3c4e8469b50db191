// Several zero-cost scores of the same networks in one pass: each network is built once, NASWOT runs its
// own forward pass (default-initialised weights), epsilon's two constant-weight passes share the network and
// their batch, and the baselines (parameter count, FLOPs) need no forward pass at all.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.hpp"
#include "nn/cpu_executor.hpp"
#include "scores/backend.hpp"
#include "scores/epsilon.hpp"

namespace zcnas {

enum class ScoreKind {
  Naswot,   // log|det K| (SPEC.md §2)
  Epsilon,  // Gracheva's epsilon (scores/epsilon.hpp)
  Params,   // every learnable parameter, BN affine included (PyTorch's sum of numel over parameters())
  Flops,    // multiply-accumulates per sample of every conv and linear weight; bias adds, batch norm, ReLU,
            // pooling and adds are not counted (Network::multiply_adds)
};

// The column name of a score: "naswot", "epsilon", "params", "flops".
const char* score_name(ScoreKind kind);
// "naswot,epsilon,params,flops" in any order; throws naming an unknown or repeated name.
std::vector<ScoreKind> parse_score_list(const std::string& text);

struct ScoreSetOptions {
  EpsilonPrecision epsilon_precision = EpsilonPrecision::Float32;
  bool keep_naswot_kernel = false;  // keep K of every network (for --save-kernel)
  int cpu_threads = 0;              // threads of the float64 epsilon executor (<= 0: every core)
};

// The batches the asked scores read; a score whose batch is needed must have one.
struct ScoreBatches {
  const Tensor* naswot = nullptr;   // [B, 3, H, W]
  const Tensor* epsilon = nullptr;  // [B_eps, 3, H, W]
};

struct ScoredNetwork {
  std::vector<double> values;  // one per asked score, in the order asked
  TensorF64 naswot_kernel;     // [B, B] when keep_naswot_kernel and NASWOT is asked; else empty
};

class ScoreSet {
 public:
  // Throws when the list is empty. The backend must outlive the set.
  ScoreSet(std::vector<ScoreKind> kinds, Backend& backend, ScoreSetOptions options = {});

  const std::vector<ScoreKind>& kinds() const { return kinds_; }
  std::vector<std::string> names() const;
  bool has(ScoreKind kind) const;
  // Where epsilon runs, e.g. "float32 on cpu (2 threads)" or "float64 on the CPU".
  std::string epsilon_description() const;

  // Scores of every job, in job order. NASWOT runs the jobs' own parameters (or their init seed) through
  // the backend, all jobs at once; epsilon ignores the jobs' parameters.
  std::vector<ScoredNetwork> score(const std::vector<NetworkJob>& jobs, const ScoreBatches& batches);

 private:
  double epsilon_of(const Network& net, const Tensor& batch);

  std::vector<ScoreKind> kinds_;
  Backend& backend_;
  ScoreSetOptions options_;
  std::unique_ptr<CpuExecutor<double>> epsilon_cpu64_;  // float64 epsilon only
};

}  // namespace zcnas
