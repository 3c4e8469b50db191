// One hooked pass for the scores that read it, then each of the others.
#include "scores/score_set.hpp"

namespace zcnas {
namespace {

// The reducers of several scores on one lane, fed the same sign bits.
class ReducerGroup final : public SignBitsReducer {
 public:
  explicit ReducerGroup(std::vector<std::unique_ptr<SignBitsReducer>> reducers) : reducers_(std::move(reducers)) {}
  void add(size_t job, const HookedSignBits& bits, DeviceKernels& kernels) override {
    for (auto& r : reducers_) r->add(job, bits, kernels);
  }
  void finish(DeviceKernels& kernels) override {
    for (auto& r : reducers_) r->finish(kernels);
  }

 private:
  std::vector<std::unique_ptr<SignBitsReducer>> reducers_;
};

}  // namespace

ScoreSet::ScoreSet(const std::vector<std::string>& names, const ScoreOptions& options) {
  ZCNAS_REQUIRE(!names.empty(), "no scores asked");
  for (const auto& name : names) scores_.push_back(make_score(name, options));
}

std::vector<std::string> ScoreSet::names() const {
  std::vector<std::string> out;
  for (const auto& s : scores_) out.emplace_back(s->name());
  return out;
}

bool ScoreSet::has(const std::string& name) const {
  for (const auto& s : scores_)
    if (name == s->name()) return true;
  return false;
}

ScoreNeeds ScoreSet::needs() const {
  ScoreNeeds all;
  for (const auto& s : scores_) {
    const ScoreNeeds n = s->needs();
    all.hooked_pass |= n.hooked_pass;
    all.main_batch |= n.main_batch;
    all.constant_weight_batch |= n.constant_weight_batch;
    all.runs_networks |= n.runs_networks;
    all.exact_signs |= n.exact_signs;
    all.reads_weights |= n.reads_weights;
  }
  return all;
}

std::vector<std::string> ScoreSet::descriptions(const Backend& backend) const {
  std::vector<std::string> out;
  for (const auto& s : scores_) {
    const std::string d = s->description(backend);
    if (!d.empty()) out.push_back(fmt::format("{}: {}", s->name(), d));
  }
  return out;
}

std::vector<ScoredNetwork> ScoreSet::score(const std::vector<NetworkJob>& jobs, Backend& backend,
                                           const ScoreBatches& batches) {
  for (const auto& job : jobs) ZCNAS_REQUIRE(job.net != nullptr, "score: a network job has no network");
  for (const auto& s : scores_) {
    const ScoreNeeds n = s->needs();
    ZCNAS_REQUIRE(!n.main_batch || batches.main != nullptr, "score: {} reads the main batch, none was given",
                  s->name());
    ZCNAS_REQUIRE(!n.constant_weight_batch || batches.constant_weight != nullptr,
                  "score: {} reads the constant-weight batch, none was given", s->name());
  }
  const ScoreNeeds all = needs();
  std::vector<std::vector<double>> values(scores_.size(), std::vector<double>(jobs.size()));
  std::vector<TensorF64> kernels(jobs.size());
  if (all.hooked_pass && !jobs.empty()) {
    backend.hooked_pass(jobs, *batches.main, [&] {
      std::vector<std::unique_ptr<SignBitsReducer>> reducers;
      for (size_t s = 0; s < scores_.size(); ++s)
        if (scores_[s]->needs().hooked_pass) reducers.push_back(scores_[s]->make_reducer(values[s], kernels));
      return std::make_unique<ReducerGroup>(std::move(reducers));
    });
  }
  for (size_t s = 0; s < scores_.size(); ++s)
    if (!scores_[s]->needs().hooked_pass) scores_[s]->score(jobs, backend, batches, values[s]);

  std::vector<ScoredNetwork> out(jobs.size());
  for (size_t j = 0; j < jobs.size(); ++j) {
    for (size_t s = 0; s < scores_.size(); ++s) out[j].values.push_back(values[s][j]);
    out[j].kernel = std::move(kernels[j]);
  }
  return out;
}

}  // namespace zcnas
