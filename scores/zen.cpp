// Zen-score: the features before global pooling and the batch norms' statistics of two observed forwards.
#include "scores/zen.hpp"

#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "core/random.hpp"
#include "scores/score.hpp"

namespace zcnas {
namespace {

// The node whose value Zen compares: the input of the network's one global average pool.
int features_node(const Network& net) {
  int found = -1;
  for (const Node& n : net.nodes()) {
    if (n.op != OpKind::GlobalAvgPool) continue;
    ZCNAS_REQUIRE(found < 0, "zen: the network has more than one global pooling; which features to compare is unclear");
    found = n.inputs[0];
  }
  ZCNAS_REQUIRE(found >= 0, "zen: the network has no global pooling, so no features before it");
  return found;
}

// PyTorch's running-variance update from a batch's biased variance over n values per channel.
void update_running_var(std::vector<double>& running, const std::vector<double>& biased, int64_t n) {
  const double unbiased_factor = static_cast<double>(n) / static_cast<double>(n - 1);
  for (size_t c = 0; c < running.size(); ++c)
    running[c] = (1.0 - kBatchNormMomentum) * running[c] + kBatchNormMomentum * biased[c] * unbiased_factor;
}

}  // namespace

ZenInputs draw_zen_inputs(const Network& net, int64_t batch, uint64_t seed) {
  ZCNAS_REQUIRE(batch >= 1, "zen: a batch of {} Gaussian inputs (need >= 1)", batch);
  const Node& in = net.node(0);
  const Shape shape = {batch, in.channels, in.height, in.width};
  ZenInputs z{Tensor(shape), Tensor(shape)};
  constexpr uint64_t kInputKey = name_key("zen.input"), kNoiseKey = name_key("zen.mixup");
  for (size_t i = 0; i < z.input.data.size(); ++i) {
    z.input.data[i] = static_cast<float>(counter_normal(seed, kInputKey, i));
    const auto noise = static_cast<float>(counter_normal(seed, kNoiseKey, i));
    z.mixup.data[i] = z.input.data[i] + static_cast<float>(kZenMixupGamma) * noise;
  }
  return z;
}

ZenResult zen_score(Backend& backend, const NetworkJob& job, const ZenInputs& inputs,
                    const std::vector<std::vector<double>>& running_var) {
  ZCNAS_REQUIRE(job.net != nullptr, "zen: network job without a network");
  ZCNAS_REQUIRE(inputs.input.shape == inputs.mixup.shape, "zen: input {} and mixup input {} differ in shape",
                shape_to_string(inputs.input.shape), shape_to_string(inputs.mixup.shape));
  const Network& net = *job.net;
  const int features = features_node(net);
  const ObservedForward a = backend.observe(job, inputs.input, {features});
  const ObservedForward b = backend.observe(job, inputs.mixup, {features});

  ZenResult r;
  const TensorF64 &fa = a.taps[0], &fb = b.taps[0];
  double l1 = 0.0;
  for (size_t i = 0; i < fa.data.size(); ++i) l1 += std::fabs(fa.data[i] - fb.data[i]);
  const int64_t batch = fa.shape[0];
  r.log_diff = std::log(l1 / static_cast<double>(batch));  // log 0 = -inf: the features vanish

  std::vector<const Node*> norms;
  for (const Node& n : net.nodes())
    if (n.op == OpKind::BatchNorm) norms.push_back(&n);
  ZCNAS_REQUIRE(running_var.empty() || running_var.size() == norms.size(),
                "zen: running variances of {} batch norms for a network with {}", running_var.size(), norms.size());
  for (size_t k = 0; k < norms.size(); ++k) {
    const Node& n = *norms[k];
    const int64_t values = batch * n.height * n.width;
    ZCNAS_REQUIRE(values > 1, "zen: batch norm '{}' sees {} value per channel; its unbiased variance is undefined",
                  n.weight, values);
    ZCNAS_REQUIRE(a.batch_norm_variance[k].size() == static_cast<size_t>(n.channels),
                  "zen: batch norm '{}' does not feed the features, so its statistics were not computed", n.weight);
    std::vector<double> running =
        running_var.empty() ? std::vector<double>(static_cast<size_t>(n.channels), 1.0) : running_var[k];
    update_running_var(running, a.batch_norm_variance[k], values);
    update_running_var(running, b.batch_norm_variance[k], values);
    double mean = 0.0;
    for (double v : running) mean += v;
    mean /= static_cast<double>(running.size());
    r.bn_log_terms.push_back(std::log(std::sqrt(mean)));
    r.log_bn += r.bn_log_terms.back();
    r.running_var.push_back(std::move(running));
  }
  r.value = r.log_diff + r.log_bn;
  return r;
}

namespace {

// The plug-in. Each job is one repeat; consecutive jobs of one network are its repeats, which carry the batch
// norms' running variances from one to the next as the authors' stand-alone script does, unless
// ScoreOptions::zen_fresh_running_stats. Inputs: ScoreBatches::zen when given, else drawn per job from its seed.
class ZenScore final : public Score {
 public:
  explicit ZenScore(const ScoreOptions& options) : batch_(options.zen_batch), fresh_(options.zen_fresh_running_stats) {}
  const char* name() const override { return "zen"; }
  ScoreNeeds needs() const override {
    ScoreNeeds n;
    n.runs_networks = n.reads_weights = true;
    return n;
  }
  std::string description(const Backend& backend) const override {
    return fmt::format("two float32 forwards on {} per repeat, running variances {} between repeats", backend.name(),
                       fresh_ ? "reset" : "carried");
  }
  void score(const std::vector<NetworkJob>& jobs, Backend& backend, const ScoreBatches& batches,
             std::vector<double>& values) override {
    std::vector<std::vector<double>> running;
    for (size_t j = 0; j < jobs.size(); ++j) {
      if (fresh_ || j == 0 || jobs[j].net != jobs[j - 1].net) running.clear();
      ZenResult r =
          batches.zen ? zen_score(backend, jobs[j], *batches.zen, running)
                      : zen_score(backend, jobs[j], draw_zen_inputs(*jobs[j].net, batch_, jobs[j].init_seed), running);
      values[j] = r.value;
      running = std::move(r.running_var);
    }
  }

 private:
  int64_t batch_;
  bool fresh_;
};

}  // namespace

std::unique_ptr<Score> make_zen_score(const ScoreOptions& options) { return std::make_unique<ZenScore>(options); }

}  // namespace zcnas
