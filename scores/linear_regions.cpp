// Linear regions (TE-NAS): a reducer of the hooked pass that accumulates the samples' agreements over the ReLU
// tensors, once per ReLU module, with NASWOT's Hamming kernels. Two samples have one pattern exactly when they
// agree on every unit (K[i][j] == K[i][i]); the count of distinct patterns is TE-NAS's sum of 1 / c_i.
#include "scores/score.hpp"
#include "scores/sign_patterns.hpp"

namespace zcnas {

std::unique_ptr<SignBitsReducer> make_swap_reducer(std::vector<double>& values);  // scores/swap.cpp

namespace {

// TE-NAS's float32 torch sum of 1 / c_i, summed in sample order: integer-valued whenever every pattern's
// class adds up exactly (always below 2^24 samples when classes are singletons or powers of two).
double linear_regions_value(const int64_t* counts, int64_t batch) {
  float sum = 0.0f;
  for (int64_t i = 0; i < batch; ++i) sum += 1.0f / static_cast<float>(counts[i]);
  return sum;
}

class LinearRegionsReducer final : public SignBitsReducer {
 public:
  LinearRegionsReducer(std::vector<double>& values, std::vector<TensorF64>* hamming)
      : values_(values), hamming_(hamming) {}

  void add(size_t job, const HookedSignBits& bits, DeviceKernels& k) override {
    const int64_t batch = bits.batch, size = batch * batch;
    ZCNAS_REQUIRE(batch_ == 0 || batch_ == batch, "linear regions: batch {} after batch {} in one pass", batch, batch_);
    batch_ = batch;
    const auto slots = static_cast<size_t>(k.reduction_batch()), slot = pending_.size();
    int64_t* K = k.workspace_as<int64_t>(this, 0, slots * static_cast<size_t>(size)) + slot * static_cast<size_t>(size);
    k.zero(K, static_cast<size_t>(size) * sizeof(int64_t));
    for (const SignBitsGroup& g : bits.groups) {
      if (g.relu_multiplicity == 0) continue;
      SignBitsGroup relu = g;  // once per ReLU module, whatever NASWOT's count
      relu.multiplicity = g.relu_multiplicity;
      k.accumulate_hamming(relu, batch, K);
    }
    k.count_equal_to_diagonal(
        K, batch,
        k.workspace_as<int64_t>(this, 1, slots * static_cast<size_t>(batch)) + slot * static_cast<size_t>(batch));
    pending_.push_back(job);
    if (pending_.size() == slots) finish(k);
  }

  void finish(DeviceKernels& k) override {
    if (pending_.empty()) return;
    const size_t slots = static_cast<size_t>(k.reduction_batch()), batch = static_cast<size_t>(batch_);
    counts_.resize(pending_.size() * batch);
    k.download(k.workspace_as<int64_t>(this, 1, slots * batch), counts_.size() * sizeof(int64_t), counts_.data());
    for (size_t s = 0; s < pending_.size(); ++s) {
      const size_t job = pending_[s];
      values_[job] = linear_regions_value(counts_.data() + s * batch, batch_);
      if (!hamming_) continue;
      std::vector<int64_t> K(batch * batch);
      k.download(k.workspace_as<int64_t>(this, 0, slots * batch * batch) + s * batch * batch,
                 K.size() * sizeof(int64_t), K.data());
      TensorF64 H({batch_, batch_});
      for (size_t i = 0; i < batch; ++i)
        for (size_t j = 0; j < batch; ++j)
          H.data[i * batch + j] = static_cast<double>(K[i * batch + i] - K[i * batch + j]);
      (*hamming_)[job] = std::move(H);
    }
    pending_.clear();
  }

 private:
  std::vector<double>& values_;
  std::vector<TensorF64>* hamming_;  // null unless kept
  int64_t batch_ = 0;
  std::vector<size_t> pending_;  // job of each filled slot
  std::vector<int64_t> counts_;
};

class LinearRegionsScore final : public Score {
 public:
  explicit LinearRegionsScore(const ScoreOptions&) {}
  const char* name() const override { return "linear_regions"; }
  ScoreNeeds needs() const override {
    ScoreNeeds n;
    n.hooked_pass = n.main_batch = n.runs_networks = n.exact_signs = true;
    return n;
  }
  std::unique_ptr<SignBitsReducer> make_reducer(std::vector<double>& values, std::vector<TensorF64>&) override {
    return std::make_unique<LinearRegionsReducer>(values, nullptr);
  }
};

}  // namespace

std::unique_ptr<Score> make_linear_regions_score(const ScoreOptions& options) {
  return std::make_unique<LinearRegionsScore>(options);
}

template <typename T>
SignPatternResult sign_patterns_cpu(CpuExecutor<T>& exec, const Network& net, const ParamStore& params,
                                    const Tensor& input) {
  const HookedSignBits bits = exec.forward_sign_bits(net, params, input);
  std::vector<double> swap(1), regions(1);
  std::vector<TensorF64> hamming(1);
  const auto kernels = make_cpu_kernels();
  const auto swap_reducer = make_swap_reducer(swap);
  LinearRegionsReducer lr(regions, &hamming);
  swap_reducer->add(0, bits, *kernels);
  lr.add(0, bits, *kernels);
  swap_reducer->finish(*kernels);
  lr.finish(*kernels);
  return {swap[0], regions[0], std::move(hamming[0]), bits.relu_tensors, bits.relu_units, bits.parameters};
}

template SignPatternResult sign_patterns_cpu<float>(CpuExecutor<float>&, const Network&, const ParamStore&,
                                                    const Tensor&);
template SignPatternResult sign_patterns_cpu<double>(CpuExecutor<double>&, const Network&, const ParamStore&,
                                                     const Tensor&);

}  // namespace zcnas
