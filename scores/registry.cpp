// The registered scores: each score's factory, defined in the score's own file, and one line each.
#include <algorithm>

#include "core/error.hpp"
#include "scores/score.hpp"

namespace zcnas {

std::unique_ptr<Score> make_naswot_score(const ScoreOptions& options);   // scores/naswot.cpp
std::unique_ptr<Score> make_epsilon_score(const ScoreOptions& options);  // scores/epsilon.cpp
std::unique_ptr<Score> make_params_score(const ScoreOptions& options);   // scores/baselines.cpp
std::unique_ptr<Score> make_flops_score(const ScoreOptions& options);    // scores/baselines.cpp
std::unique_ptr<Score> make_swap_score(const ScoreOptions& options);     // scores/swap.cpp
std::unique_ptr<Score> make_swap_reg_score(const ScoreOptions& options);        // scores/swap.cpp
std::unique_ptr<Score> make_linear_regions_score(const ScoreOptions& options);  // scores/linear_regions.cpp
std::unique_ptr<Score> make_meco_score(const ScoreOptions& options);            // scores/meco.cpp
std::unique_ptr<Score> make_zen_score(const ScoreOptions& options);             // scores/zen.cpp

const std::vector<ScoreRegistration>& registered_scores() {
  static const std::vector<ScoreRegistration> scores = {
      {"naswot", "log|det K| of the Hamming kernel of ReLU sign patterns (Mellor et al. 2021)", make_naswot_score},
      {"epsilon", "constant-weight output comparison (Gracheva 2023)", make_epsilon_score},
      {"params", "parameter count", make_params_score},
      {"flops", "conv + linear multiply-accumulates per sample", make_flops_score},
      {"swap", "distinct sign patterns of the ReLU units over the batch (Peng et al. 2024)", make_swap_score},
      {"swap_reg",
       "SWAP * exp(-(params/1000 - mu)^2 / sigma), --swap-mu/--swap-sigma (the authors' repo gives no mu, sigma)",
       make_swap_reg_score},
      {"linear_regions", "distinct ReLU sign patterns of the samples (TE-NAS, Chen et al. 2021)",
       make_linear_regions_score},
      {"meco", "sum over module outputs of the least eigenvalue of the channel correlation (Jiang et al. 2023)",
       make_meco_score},
      {"zen",
       "log feature change under a Gaussian input perturbation + batch-norm variance terms (Lin et al. 2021), "
       "--zen-batch/--zen-running-stats",
       make_zen_score},
  };
  return scores;
}

std::string known_score_names() {
  std::string out;
  for (const auto& r : registered_scores()) out += (out.empty() ? "" : ", ") + std::string(r.name);
  return out;
}

std::unique_ptr<Score> make_score(const std::string& name, const ScoreOptions& options) {
  for (const auto& r : registered_scores())
    if (name == r.name) return r.make(options);
  throw Error(fmt::format("unknown score '{}' (known: {})", name, known_score_names()));
}

std::vector<std::string> parse_score_list(const std::string& text) {
  std::vector<std::string> names;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string name = text.substr(start, comma - start);
    const auto& all = registered_scores();
    ZCNAS_REQUIRE(std::any_of(all.begin(), all.end(), [&](const ScoreRegistration& r) { return name == r.name; }),
                  "unknown score '{}' in '{}' (known: {})", name, text, known_score_names());
    ZCNAS_REQUIRE(std::find(names.begin(), names.end(), name) == names.end(), "score '{}' is asked twice in '{}'", name,
                  text);
    names.push_back(name);
    start = comma + 1;
  }
  return names;
}

std::string Score::description(const Backend&) const { return {}; }

std::unique_ptr<SignBitsReducer> Score::make_reducer(std::vector<double>&, std::vector<TensorF64>&) {
  throw Error(fmt::format("score '{}' does not read the hooked pass", name()));
}

void Score::score(const std::vector<NetworkJob>&, Backend&, const ScoreBatches&, std::vector<double>&) {
  throw Error(fmt::format("score '{}' is computed from the hooked pass", name()));
}

}  // namespace zcnas
