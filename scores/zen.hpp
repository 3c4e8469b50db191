// Zen-score (Lin et al., ICCV 2021; SPEC.md §8.3): two train-mode forwards, of a Gaussian batch and of the
// same batch plus gamma times another Gaussian batch; the log of the mean L1 distance of the features before
// global pooling plus, over every batch norm, log sqrt(mean over channels of its running variance) after the
// two passes. Higher is better; -inf when the features are identically zero.
#pragma once
#include <cstdint>
#include <vector>

#include "core/tensor.hpp"
#include "nn/network.hpp"
#include "scores/backend.hpp"

namespace zcnas {

constexpr double kZenMixupGamma = 0.01;
constexpr int64_t kZenDefaultBatch = 64;  // the authors' search (evolution_search.py)
constexpr double kBatchNormMomentum = 0.1;

// The two inputs of one repeat: input ~ N(0, 1) and input + gamma * N(0, 1), both rounded to float32 as the
// authors' float32 arithmetic does, [batch, C, H, W] for the network's input node; drawn from `seed` alone.
struct ZenInputs {
  Tensor input, mixup;
};
ZenInputs draw_zen_inputs(const Network& net, int64_t batch, uint64_t seed);

struct ZenResult {
  double value = 0.0;                            // log_diff + log_bn
  double log_diff = 0.0;                         // log of the mean over samples of sum |f(input) - f(mixup)|
  double log_bn = 0.0;                           // sum of bn_log_terms
  std::vector<double> bn_log_terms;              // per batch norm, in node (= module) order
  std::vector<std::vector<double>> running_var;  // per batch norm and channel, after the two passes
};

// One repeat. running_var: the batch norms' running variances before it (empty: fresh, all 1); PyTorch's update
// with momentum 0.1 after each pass, from the unbiased batch variance.
ZenResult zen_score(Backend& backend, const NetworkJob& job, const ZenInputs& inputs,
                    const std::vector<std::vector<double>>& running_var = {});

}  // namespace zcnas
