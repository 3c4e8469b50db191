// Several zero-cost scores of the same networks from as few passes as their needs allow: every score that
// reads the hooked pass shares one forward per network (its reducers run side by side on each lane), the
// others run what they need themselves, and scores that need no forward run none.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.hpp"
#include "scores/backend.hpp"
#include "scores/score.hpp"

namespace zcnas {

struct ScoredNetwork {
  std::vector<double> values;  // one per score, in the order asked
  TensorF64 kernel;            // [B, B] when ScoreOptions::keep_kernel and a score keeps one; else empty
};

class ScoreSet {
 public:
  // names: registered scores (scores/score.hpp); throws when empty or unknown.
  explicit ScoreSet(const std::vector<std::string>& names, const ScoreOptions& options = {});

  std::vector<std::string> names() const;
  bool has(const std::string& name) const;
  // The union of the scores' needs: which batches to load, whether to open a device.
  ScoreNeeds needs() const;
  // "name: where it runs" for each score that says.
  std::vector<std::string> descriptions(const Backend& backend) const;

  // Scores of every job, in job order; networks run on the backend.
  std::vector<ScoredNetwork> score(const std::vector<NetworkJob>& jobs, Backend& backend, const ScoreBatches& batches);

 private:
  std::vector<std::unique_ptr<Score>> scores_;
};

}  // namespace zcnas
