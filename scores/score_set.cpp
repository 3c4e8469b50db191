// Several scores per network from one build of it, sharing what the scores have in common.
#include "scores/score_set.hpp"

#include <algorithm>

namespace zcnas {

namespace {
constexpr ScoreKind kAllKinds[] = {ScoreKind::Naswot, ScoreKind::Epsilon, ScoreKind::Params, ScoreKind::Flops};
}  // namespace

const char* score_name(ScoreKind kind) {
  switch (kind) {
    case ScoreKind::Naswot:
      return "naswot";
    case ScoreKind::Epsilon:
      return "epsilon";
    case ScoreKind::Params:
      return "params";
    case ScoreKind::Flops:
      return "flops";
  }
  return "?";
}

std::vector<ScoreKind> parse_score_list(const std::string& text) {
  std::vector<ScoreKind> kinds;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string name = text.substr(start, comma - start);
    const auto* found =
        std::find_if(std::begin(kAllKinds), std::end(kAllKinds), [&](ScoreKind k) { return name == score_name(k); });
    ZCNAS_REQUIRE(found != std::end(kAllKinds), "unknown score '{}' in '{}' (known: naswot, epsilon, params, flops)",
                  name, text);
    ZCNAS_REQUIRE(std::find(kinds.begin(), kinds.end(), *found) == kinds.end(), "score '{}' is asked twice in '{}'",
                  name, text);
    kinds.push_back(*found);
    start = comma + 1;
  }
  return kinds;
}

ScoreSet::ScoreSet(std::vector<ScoreKind> kinds, Backend& backend, ScoreSetOptions options)
    : kinds_(std::move(kinds)), backend_(backend), options_(options) {
  ZCNAS_REQUIRE(!kinds_.empty(), "no scores asked");
  if (has(ScoreKind::Epsilon) && options_.epsilon_precision == EpsilonPrecision::Float64)
    epsilon_cpu64_ = std::make_unique<CpuExecutor<double>>(options_.cpu_threads);
}

std::vector<std::string> ScoreSet::names() const {
  std::vector<std::string> out;
  for (ScoreKind k : kinds_) out.emplace_back(score_name(k));
  return out;
}

bool ScoreSet::has(ScoreKind kind) const { return std::find(kinds_.begin(), kinds_.end(), kind) != kinds_.end(); }

std::string ScoreSet::epsilon_description() const {
  if (epsilon_cpu64_) return fmt::format("float64 on the CPU ({} threads)", epsilon_cpu64_->threads());
  return fmt::format("float32 on {}", backend_.name());
}

double ScoreSet::epsilon_of(const Network& net, const Tensor& batch) {
  if (epsilon_cpu64_) return epsilon_cpu(*epsilon_cpu64_, net, batch);
  return epsilon_score(backend_, net, batch);
}

std::vector<ScoredNetwork> ScoreSet::score(const std::vector<NetworkJob>& jobs, const ScoreBatches& batches) {
  for (const auto& job : jobs) ZCNAS_REQUIRE(job.net != nullptr, "score: a network job has no network");
  ZCNAS_REQUIRE(!has(ScoreKind::Naswot) || batches.naswot != nullptr, "score: naswot is asked but has no batch");
  ZCNAS_REQUIRE(!has(ScoreKind::Epsilon) || batches.epsilon != nullptr, "score: epsilon is asked but has no batch");

  std::vector<NaswotResult> naswot;
  if (has(ScoreKind::Naswot) && !jobs.empty())
    naswot = backend_.naswot(jobs, *batches.naswot, options_.keep_naswot_kernel);

  std::vector<ScoredNetwork> out(jobs.size());
  for (size_t j = 0; j < jobs.size(); ++j) {
    const Network& net = *jobs[j].net;
    for (ScoreKind kind : kinds_) {
      switch (kind) {
        case ScoreKind::Naswot:
          out[j].values.push_back(naswot[j].score);
          out[j].naswot_kernel = std::move(naswot[j].K);
          break;
        case ScoreKind::Epsilon:
          out[j].values.push_back(epsilon_of(net, *batches.epsilon));
          break;
        case ScoreKind::Params:
          out[j].values.push_back(static_cast<double>(net.parameter_count()));
          break;
        case ScoreKind::Flops:
          out[j].values.push_back(static_cast<double>(net.multiply_adds()));
          break;
      }
    }
  }
  return out;
}

}  // namespace zcnas
