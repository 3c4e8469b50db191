// epsilon: constant-weight forward passes and the normalised output comparison.
#include "scores/epsilon.hpp"

#include <cmath>
#include <limits>

#include "nn/params.hpp"
#include "scores/score.hpp"

namespace zcnas {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// (p - nanmin) / (nanmax - nanmin), then exact zeros to NaN. All-NaN or all-equal outputs give all NaN
// (0/0), as numpy does.
std::vector<double> normalise_pass(const std::vector<double>& p) {
  double lo = kNaN, hi = kNaN;
  for (double v : p) {
    if (std::isnan(v)) continue;
    lo = std::isnan(lo) ? v : std::min(lo, v);
    hi = std::isnan(hi) ? v : std::max(hi, v);
  }
  std::vector<double> out(p.size());
  for (size_t i = 0; i < p.size(); ++i) {
    const double v = (p[i] - lo) / (hi - lo);
    out[i] = v == 0.0 ? kNaN : v;
  }
  return out;
}

template <typename T>
std::vector<double> flattened(const BasicTensor<T>& t) {
  return std::vector<double>(t.data.begin(), t.data.end());
}

}  // namespace

EpsilonPrecision parse_epsilon_precision(const std::string& text) {
  if (text == "float32") return EpsilonPrecision::Float32;
  if (text == "float64") return EpsilonPrecision::Float64;
  throw Error(fmt::format("unknown epsilon precision '{}' (use float32 or float64)", text));
}

const char* epsilon_precision_name(EpsilonPrecision precision) {
  return precision == EpsilonPrecision::Float64 ? "float64" : "float32";
}

double epsilon_from_outputs(const std::vector<double>& low_weight_outputs,
                            const std::vector<double>& high_weight_outputs) {
  ZCNAS_REQUIRE(low_weight_outputs.size() == high_weight_outputs.size(),
                "epsilon: the two passes have {} and {} outputs", low_weight_outputs.size(),
                high_weight_outputs.size());
  const std::vector<double> low = normalise_pass(low_weight_outputs);
  const std::vector<double> high = normalise_pass(high_weight_outputs);
  double abs_diff_sum = 0.0, value_sum = 0.0;
  int64_t abs_diff_count = 0, value_count = 0;
  for (size_t i = 0; i < low.size(); ++i) {
    const double d = std::fabs(low[i] - high[i]);
    if (!std::isnan(d)) {
      abs_diff_sum += d;
      ++abs_diff_count;
    }
    for (double v : {low[i], high[i]}) {
      if (std::isnan(v)) continue;
      value_sum += v;
      ++value_count;
    }
  }
  // nanmean of nothing is NaN, and so is the score.
  if (abs_diff_count == 0 || value_count == 0) return kNaN;
  return (abs_diff_sum / static_cast<double>(abs_diff_count)) / (value_sum / static_cast<double>(value_count));
}

double epsilon_score(Backend& backend, const Network& net, const Tensor& input) {
  std::array<std::vector<double>, 2> outputs;
  for (size_t pass = 0; pass < kEpsilonWeights.size(); ++pass) {
    const ParamStore params = constant_params(net, kEpsilonWeights[pass]);
    outputs[pass] = flattened(backend.forward(NetworkJob{&net, &params, 0}, input));
  }
  return epsilon_from_outputs(outputs[0], outputs[1]);
}

template <typename T>
double epsilon_cpu(CpuExecutor<T>& exec, const Network& net, const Tensor& input) {
  std::array<std::vector<double>, 2> outputs;
  for (size_t pass = 0; pass < kEpsilonWeights.size(); ++pass) {
    const ParamStore params = constant_params(net, kEpsilonWeights[pass]);
    outputs[pass] = flattened(exec.forward(net, params, input));
  }
  return epsilon_from_outputs(outputs[0], outputs[1]);
}

namespace {

// The plug-in: float32 through the backend, or float64 on its own CPU executor with ScoreOptions::float64
// (and ScoreOptions::cpu_threads). Reads ScoreBatches::constant_weight.
class EpsilonScore final : public Score {
 public:
  explicit EpsilonScore(const ScoreOptions& options) {
    if (options.float64) cpu64_ = std::make_unique<CpuExecutor<double>>(options.cpu_threads);
  }
  const char* name() const override { return "epsilon"; }
  ScoreNeeds needs() const override {
    ScoreNeeds n;
    n.constant_weight_batch = n.runs_networks = true;
    return n;
  }
  std::string description(const Backend& backend) const override {
    if (cpu64_) return fmt::format("float64 on the CPU ({} threads)", cpu64_->threads());
    return fmt::format("float32 on {}", backend.name());
  }
  void score(const std::vector<NetworkJob>& jobs, Backend& backend, const ScoreBatches& batches,
             std::vector<double>& values) override {
    ZCNAS_REQUIRE(batches.constant_weight != nullptr, "epsilon: no batch for its constant-weight passes");
    for (size_t j = 0; j < jobs.size(); ++j)
      values[j] = cpu64_ ? epsilon_cpu(*cpu64_, *jobs[j].net, *batches.constant_weight)
                         : epsilon_score(backend, *jobs[j].net, *batches.constant_weight);
  }

 private:
  std::unique_ptr<CpuExecutor<double>> cpu64_;  // float64 only
};

}  // namespace

std::unique_ptr<Score> make_epsilon_score(const ScoreOptions& options) {
  return std::make_unique<EpsilonScore>(options);
}

template double epsilon_cpu<float>(CpuExecutor<float>&, const Network&, const Tensor&);
template double epsilon_cpu<double>(CpuExecutor<double>&, const Network&, const Tensor&);

}  // namespace zcnas
