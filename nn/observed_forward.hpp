// What a forward shows besides its output and sign bits: the values of chosen nodes (MeCo's module outputs,
// Zen-score's features) and the batch variance of every batch norm (Zen-score's running-variance term).
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/tensor.hpp"
#include "kernels/pointwise.hpp"
#include "nn/forward_plan.hpp"
#include "nn/network.hpp"

namespace zcnas {

struct ObservedForward {
  std::vector<TensorF64> taps;  // per node asked, in that order: [B, C, H, W]
  // Per batch-norm node of the network, in node order: each channel's biased batch variance over (B, H, W).
  std::vector<std::vector<double>> batch_norm_variance;
};

// The biased variance that a batch norm's statistics were made from: 1 / invstd^2 - eps (at least 0). Relative
// error near 2 ulp of invstd's type for variances above eps; absolute error near eps times that below.
template <typename T>
double batch_variance(const BasicChannelAffine<T>& a) {
  const double invstd = static_cast<double>(a.invstd);
  return std::max(0.0, 1.0 / (invstd * invstd) - kBatchNormEps);
}

// ObservedForward::batch_norm_variance from a host copy of a forward's statistics slots; a batch norm that the
// plan did not compute (nothing read it) gets an empty list.
template <typename T>
std::vector<std::vector<double>> batch_norm_variances(const Network& net, const ForwardPlan& plan,
                                                      const BasicChannelAffine<T>* stats) {
  std::vector<std::vector<double>> result;
  for (size_t id = 0; id < net.nodes().size(); ++id) {
    const Node& n = net.node(static_cast<int>(id));
    if (n.op != OpKind::BatchNorm) continue;
    std::vector<double> var;
    if (const int slot = plan.node_stats[id]; slot >= 0)
      for (int64_t c = 0; c < n.channels; ++c)
        var.push_back(batch_variance(stats[plan.stats_offset[static_cast<size_t>(slot)] + c]));
    result.push_back(std::move(var));
  }
  return result;
}

}  // namespace zcnas
