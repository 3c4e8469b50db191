// NASWOT: a reducer of the hooked pass that accumulates each network's K into a slot of its lane's
// workspace and factorises a batch of slots at once.
#include "scores/naswot.hpp"

#include <limits>

#include "scores/score.hpp"

namespace zcnas {
namespace {

// K is exactly singular when two samples have identical codes (SPEC.md §2): -inf, whatever rounding a
// factorisation of it would show. The one rule, on every device.
double naswot_value(double log_abs_det, bool identical_codes) {
  return identical_codes ? -std::numeric_limits<double>::infinity() : log_abs_det;
}

class NaswotReducer final : public SignBitsReducer {
 public:
  NaswotReducer(std::vector<double>& values, std::vector<TensorF64>* kernels) : values_(values), kernels_(kernels) {}

  void add(size_t job, const HookedSignBits& bits, DeviceKernels& k) override {
    const int64_t batch = bits.batch, size = batch * batch;
    ZCNAS_REQUIRE(batch_ == 0 || batch_ == batch, "NASWOT: batch {} after batch {} in one pass", batch, batch_);
    batch_ = batch;
    const auto slots = static_cast<size_t>(k.reduction_batch()), slot = pending_.size();
    int64_t* K = k.workspace_as<int64_t>(this, 0, slots * static_cast<size_t>(size)) + slot * static_cast<size_t>(size);
    k.zero(K, static_cast<size_t>(size) * sizeof(int64_t));
    for (const SignBitsGroup& g : bits.groups) k.accumulate_hamming(g, batch, K);
    k.flag_identical_samples(K, batch, k.workspace_as<int>(this, 1, slots) + slot);
    k.kernel_to_double(
        K, size, bits.constant_agreement,
        k.workspace_as<double>(this, 2, slots * static_cast<size_t>(size)) + slot * static_cast<size_t>(size));
    pending_.push_back(job);
    if (pending_.size() == slots) finish(k);
  }

  void finish(DeviceKernels& k) override {
    if (pending_.empty()) return;
    const size_t count = pending_.size(), slots = static_cast<size_t>(k.reduction_batch());
    const auto size = static_cast<size_t>(batch_ * batch_);
    const double* K = k.workspace_as<double>(this, 2, slots * size);
    scores_.resize(count);
    identical_.resize(count);
    k.download(k.workspace_as<int>(this, 1, slots), count * sizeof(int), identical_.data());
    k.log_abs_det(K, batch_, static_cast<int64_t>(count), scores_.data());
    for (size_t s = 0; s < count; ++s) {
      const size_t job = pending_[s];
      values_[job] = naswot_value(scores_[s], identical_[s] != 0);
      if (kernels_) {
        TensorF64 kernel({batch_, batch_});
        k.download(K + s * size, size * sizeof(double), kernel.data.data());
        (*kernels_)[job] = std::move(kernel);
      }
    }
    pending_.clear();
  }

 private:
  std::vector<double>& values_;
  std::vector<TensorF64>* kernels_;  // null unless kept
  int64_t batch_ = 0;
  std::vector<size_t> pending_;  // job of each filled slot
  std::vector<double> scores_;
  std::vector<int> identical_;
};

// The plug-in: reads the hooked pass; keeps K with ScoreOptions::keep_kernel.
class NaswotScore final : public Score {
 public:
  explicit NaswotScore(const ScoreOptions& options) : keep_kernel_(options.keep_kernel) {}
  const char* name() const override { return "naswot"; }
  ScoreNeeds needs() const override {
    ScoreNeeds n;
    n.hooked_pass = n.main_batch = n.runs_networks = true;
    return n;
  }
  std::unique_ptr<SignBitsReducer> make_reducer(std::vector<double>& values, std::vector<TensorF64>& kernels) override {
    return std::make_unique<NaswotReducer>(values, keep_kernel_ ? &kernels : nullptr);
  }

 private:
  bool keep_kernel_;
};

}  // namespace

std::unique_ptr<Score> make_naswot_score(const ScoreOptions& options) { return std::make_unique<NaswotScore>(options); }

NaswotResult naswot_cpu(CpuExecutor<float>& exec, const Network& net, const ParamStore& params, const Tensor& input) {
  const HookedSignBits bits = exec.forward_sign_bits(net, params, input);
  std::vector<double> value(1);
  std::vector<TensorF64> kernel(1);
  const auto kernels = make_cpu_kernels();
  NaswotReducer reducer(value, &kernel);
  reducer.add(0, bits, *kernels);
  reducer.finish(*kernels);
  return {value[0], std::move(kernel[0]), bits.tensors, bits.units};
}

}  // namespace zcnas
