// MeCo: module-output taps of one forward, channel correlations and their least eigenvalues on the host.
#include "scores/meco.hpp"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "core/error.hpp"
#include "scores/score.hpp"

namespace zcnas {

double meco_term(const double* f, int64_t channels, int64_t positions) {
  ZCNAS_REQUIRE(channels >= 1 && positions >= 1, "meco: a module output of {} channels x {} positions", channels,
                positions);
  // One position: the covariance divides by M - 1 = 0 and every entry is NaN, so 0. One channel: the authors'
  // corrcoef is a 0-dim tensor that linalg.eig refuses; it contributes nothing.
  if (channels == 1 || positions == 1) return 0.0;
  const auto c = static_cast<size_t>(channels), m = static_cast<size_t>(positions);
  std::vector<double> centred(c * m);
  for (size_t i = 0; i < c; ++i) {
    const double* row = f + i * m;
    double mean = 0.0;
    for (size_t k = 0; k < m; ++k) mean += row[k];
    mean /= static_cast<double>(m);
    for (size_t k = 0; k < m; ++k) centred[i * m + k] = row[k] - mean;
  }
  std::vector<double> corr(c * c, 0.0);
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, channels, positions, 1.0 / static_cast<double>(positions - 1),
              centred.data(), positions, 0.0, corr.data(), channels);
  std::vector<double> stddev(c);
  for (size_t i = 0; i < c; ++i) stddev[i] = std::sqrt(corr[i * c + i]);
  for (size_t i = 0; i < c; ++i)
    for (size_t j = i; j < c; ++j) {
      double v = corr[i * c + j] / stddev[i] / stddev[j];
      v = std::isfinite(v) ? std::clamp(v, -1.0, 1.0) : 0.0;  // a constant channel: 0/0
      corr[i * c + j] = v;
    }
  std::vector<double> eigenvalues(c);
  const lapack_int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'N', 'U', static_cast<lapack_int>(channels), corr.data(),
                                         static_cast<lapack_int>(channels), eigenvalues.data());
  ZCNAS_REQUIRE(info == 0, "meco: the symmetric eigensolver failed on a {}x{} correlation (LAPACK info {})", channels,
                channels, info);
  return eigenvalues[0];  // ascending
}

std::vector<MecoTerm> meco_terms(Backend& backend, const NetworkJob& job, const Tensor& input) {
  ZCNAS_REQUIRE(job.net != nullptr, "meco: network job without a network");
  const auto& modules = job.net->module_outputs();
  ZCNAS_REQUIRE(!modules.empty(),
                "meco: this network records no module outputs (its space does not name the reference's modules)");
  std::vector<int> taps;
  std::map<int, size_t> tap_of;
  for (const auto& m : modules)
    if (tap_of.emplace(m.node, taps.size()).second) taps.push_back(m.node);
  const ObservedForward observed = backend.observe(job, input, taps);

  std::vector<double> value(taps.size());
  for (size_t k = 0; k < taps.size(); ++k) {
    const Shape& s = observed.taps[k].shape;  // [B, C, H, W]: sample 0 is the first C*H*W values
    value[k] = meco_term(observed.taps[k].data.data(), s[1], s[2] * s[3]);
  }
  std::vector<MecoTerm> terms;
  for (const auto& m : modules) {
    const Node& n = job.net->node(m.node);
    terms.push_back({m.name, value[tap_of[m.node]], n.channels, n.height * n.width});
  }
  return terms;
}

double meco_score(Backend& backend, const NetworkJob& job, const Tensor& input) {
  double sum = 0.0;
  for (const MecoTerm& t : meco_terms(backend, job, input)) sum += t.value;
  return sum;
}

namespace {

// The plug-in: one forward per network on the main batch (the authors' protocol: one image, default init).
class MecoScore final : public Score {
 public:
  const char* name() const override { return "meco"; }
  ScoreNeeds needs() const override {
    ScoreNeeds n;
    n.main_batch = n.runs_networks = n.reads_weights = true;
    return n;
  }
  std::string description(const Backend& backend) const override {
    return fmt::format("float32 forwards on {}, correlations and float64 eigenvalues on the host", backend.name());
  }
  void score(const std::vector<NetworkJob>& jobs, Backend& backend, const ScoreBatches& batches,
             std::vector<double>& values) override {
    ZCNAS_REQUIRE(batches.main != nullptr, "meco: no batch");
    for (size_t j = 0; j < jobs.size(); ++j) values[j] = meco_score(backend, jobs[j], *batches.main);
  }
};

}  // namespace

std::unique_ptr<Score> make_meco_score(const ScoreOptions&) { return std::make_unique<MecoScore>(); }

}  // namespace zcnas
