// SWAP and regularised SWAP: a reducer of the hooked pass that turns every ReLU tensor's sign bits into one
// B-bit key per unit and counts the distinct keys, in a bitmap of 2^B bits on the device up to
// kMaxPatternBitmapBatch samples, by sorting on the host above.
#include <algorithm>
#include <cmath>

#include "kernels/tensor_layout.hpp"
#include "kernels/unit_patterns.hpp"
#include "scores/score.hpp"
#include "scores/sign_patterns.hpp"

namespace zcnas {

double regularised_swap(double swap, int64_t parameters, double mu, double sigma) {
  const double d = static_cast<double>(parameters) / 1e3 - mu;
  return swap * std::exp(-(d * d) / sigma);
}

namespace {

// Writes the unit keys of every ReLU tensor (duplicates add no patterns, so each hooked tensor once) and
// returns how many there are.
int64_t relu_unit_keys(const HookedSignBits& bits, DeviceKernels& k, const void* owner, uint64_t*& keys) {
  int64_t total = 0;
  for (const SignBitsGroup& g : bits.groups)
    if (g.relu_multiplicity > 0) total += g.units;
  keys = k.workspace_as<uint64_t>(owner, 0, static_cast<size_t>(std::max<int64_t>(total, 1)));
  int64_t at = 0;
  for (const SignBitsGroup& g : bits.groups) {
    if (g.relu_multiplicity == 0) continue;
    int64_t word = 0;
    for (int64_t units : g.tensor_units) {
      k.unit_patterns(g.bits + word, g.words, bits.batch, units, keys + at);
      at += units;
      word += sign_words(units);
    }
  }
  return total;
}

class SwapReducer final : public SignBitsReducer {
 public:
  SwapReducer(std::vector<double>& values, bool regularised, double mu, double sigma)
      : values_(values), regularised_(regularised), mu_(mu), sigma_(sigma) {}

  void add(size_t job, const HookedSignBits& bits, DeviceKernels& k) override {
    const int64_t batch = bits.batch;
    ZCNAS_REQUIRE(batch >= 1 && batch <= kMaxUnitPatternBatch,
                  "SWAP: a batch of {} samples; unit patterns take 1 to {} samples", batch, kMaxUnitPatternBatch);
    ZCNAS_REQUIRE(bits.relu_tensors > 0, "SWAP: the network has no ReLU tensors to take patterns of");
    ZCNAS_REQUIRE(batch_ == 0 || batch_ == batch, "SWAP: batch {} after batch {} in one pass", batch, batch_);
    batch_ = batch;
    uint64_t* keys = nullptr;
    const int64_t count = relu_unit_keys(bits, k, this, keys);
    const bool zero_pattern = bits.relu_constant_units > 0;  // all-zero tensors have no bits: one pattern, 0
    if (batch > kMaxPatternBitmapBatch) {
      host_keys_.resize(static_cast<size_t>(count));
      k.download(keys, host_keys_.size() * sizeof(uint64_t), host_keys_.data());
      if (zero_pattern) host_keys_.push_back(0);
      std::sort(host_keys_.begin(), host_keys_.end());
      const auto distinct = std::unique(host_keys_.begin(), host_keys_.end()) - host_keys_.begin();
      values_[job] = value(static_cast<double>(distinct), bits.parameters);
      return;
    }
    const auto slots = static_cast<size_t>(k.reduction_batch()), slot = pending_.size();
    const size_t words = bitmap_words();
    uint64_t* bitmap = k.workspace_as<uint64_t>(this, 1, slots * words) + slot * words;
    k.zero(bitmap, words * sizeof(uint64_t));
    k.mark_patterns(keys, count, bitmap);
    pending_.push_back({job, bits.parameters, zero_pattern});
    if (pending_.size() == slots) finish(k);
  }

  void finish(DeviceKernels& k) override {
    if (pending_.empty()) return;
    const size_t words = bitmap_words(), slots = static_cast<size_t>(k.reduction_batch());
    host_bitmaps_.resize(pending_.size() * words);
    k.download(k.workspace_as<uint64_t>(this, 1, slots * words), host_bitmaps_.size() * sizeof(uint64_t),
               host_bitmaps_.data());
    for (size_t s = 0; s < pending_.size(); ++s) {
      uint64_t* bitmap = host_bitmaps_.data() + s * words;
      if (pending_[s].zero_pattern) bitmap[0] |= 1;
      int64_t distinct = 0;
      for (size_t w = 0; w < words; ++w) distinct += __builtin_popcountll(bitmap[w]);
      values_[pending_[s].job] = value(static_cast<double>(distinct), pending_[s].parameters);
    }
    pending_.clear();
  }

 private:
  struct Pending {
    size_t job;
    int64_t parameters;
    bool zero_pattern;
  };

  size_t bitmap_words() const { return static_cast<size_t>(std::max<int64_t>(1, (int64_t{1} << batch_) / 64)); }
  double value(double swap, int64_t parameters) const {
    return regularised_ ? regularised_swap(swap, parameters, mu_, sigma_) : swap;
  }

  std::vector<double>& values_;
  bool regularised_;
  double mu_, sigma_;
  int64_t batch_ = 0;
  std::vector<Pending> pending_;
  std::vector<uint64_t> host_keys_, host_bitmaps_;
};

class SwapScore final : public Score {
 public:
  SwapScore(const ScoreOptions& options, bool regularised)
      : regularised_(regularised), mu_(options.swap_mu), sigma_(options.swap_sigma) {
    ZCNAS_REQUIRE(!regularised || sigma_ > 0.0, "swap_reg: sigma {} must be positive", sigma_);
  }
  const char* name() const override { return regularised_ ? "swap_reg" : "swap"; }
  ScoreNeeds needs() const override {
    ScoreNeeds n;
    n.hooked_pass = n.main_batch = n.runs_networks = n.exact_signs = true;
    return n;
  }
  std::unique_ptr<SignBitsReducer> make_reducer(std::vector<double>& values, std::vector<TensorF64>&) override {
    return std::make_unique<SwapReducer>(values, regularised_, mu_, sigma_);
  }

 private:
  bool regularised_;
  double mu_, sigma_;
};

}  // namespace

std::unique_ptr<Score> make_swap_score(const ScoreOptions& options) {
  return std::make_unique<SwapScore>(options, false);
}
std::unique_ptr<Score> make_swap_reg_score(const ScoreOptions& options) {
  return std::make_unique<SwapScore>(options, true);
}

std::unique_ptr<SignBitsReducer> make_swap_reducer(std::vector<double>& values) {
  return std::make_unique<SwapReducer>(values, false, kSwapDefaultMu, kSwapDefaultSigma);
}

}  // namespace zcnas
