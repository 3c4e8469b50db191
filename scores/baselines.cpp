// The baselines every zero-cost table carries, read off the network description with no forward pass:
//  - params: every learnable parameter, BN affine included (PyTorch's sum of numel over parameters());
//  - flops: multiply-accumulates per sample of every conv and linear weight; bias adds, batch norm, ReLU,
//    pooling and adds are not counted (Network::multiply_adds).
#include "scores/score.hpp"

namespace zcnas {
namespace {

template <int64_t (Network::*count)() const>
class CountScore final : public Score {
 public:
  explicit CountScore(const char* name) : name_(name) {}
  const char* name() const override { return name_; }
  ScoreNeeds needs() const override { return {}; }
  void score(const std::vector<NetworkJob>& jobs, Backend&, const ScoreBatches&, std::vector<double>& values) override {
    for (size_t j = 0; j < jobs.size(); ++j) values[j] = static_cast<double>((jobs[j].net->*count)());
  }

 private:
  const char* name_;
};

}  // namespace

std::unique_ptr<Score> make_params_score(const ScoreOptions&) {
  return std::make_unique<CountScore<&Network::parameter_count>>("params");
}

std::unique_ptr<Score> make_flops_score(const ScoreOptions&) {
  return std::make_unique<CountScore<&Network::multiply_adds>>("flops");
}

}  // namespace zcnas
