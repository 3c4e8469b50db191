// The forward plan, run by the CPU executor, against the network's definition run node by node
// (tests/reference_network.hpp). This checks the planning (fusion of batch norm, pooling, ReLU and sign bits;
// zero propagation; skip aliasing; arena reuse; multiplicity groups); tests/test_backend_ops.cpp checks each
// op on every device.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "io/cifar10.hpp"
#include "nn/cpu_executor.hpp"
#include "nn/forward_plan.hpp"
#include "nn/params.hpp"
#include "reference_network.hpp"
#include "scores/naswot.hpp"
#include "spaces/nb201/nb201.hpp"

namespace zcnas {
namespace {

std::vector<nb201::Arch> test_archs() {
  std::vector<nb201::Arch> archs;
  for (int op = 0; op < nb201::kNumOps; ++op) {  // every edge the same op, `none` included
    nb201::Arch a;
    a.fill(static_cast<nb201::Op>(op));
    archs.push_back(a);
  }
  // Zeros in the middle of a cell: node 1 and node 2 are `none`-only, node 3 sums what is left.
  archs.push_back(nb201::parse_arch("|none~0|+|none~0|none~1|+|nor_conv_3x3~0|skip_connect~1|avg_pool_3x3~2|"));
  archs.push_back(nb201::parse_arch("|nor_conv_1x1~0|+|none~0|skip_connect~1|+|none~0|none~1|skip_connect~2|"));
  archs.push_back(nb201::parse_arch(
      "|avg_pool_3x3~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|skip_connect~0|skip_connect~1|skip_connect~2|"));
  archs.push_back(nb201::index_to_arch(0));
  archs.push_back(nb201::index_to_arch(6111));
  std::mt19937_64 rng(7);
  for (int k = 0; k < 8; ++k) archs.push_back(nb201::index_to_arch(static_cast<int64_t>(rng() % nb201::kNumArchs)));
  return archs;
}

void check_arch(const nb201::Arch& arch, const nb201::NetworkOptions& options, int64_t batch) {
  const Network net = nb201::build_network(arch, options);
  const std::string what = nb201::format_arch(arch);
  const ParamStore params = init_params(net, 42);
  Tensor input = synthetic_batch(batch, 3);

  const ForwardPlan plan = plan_forward(net, batch, true);
  int64_t planned_units = 0;  // every hooked unit is in a group or known to be zero
  for (const BitsGroup& g : plan.groups) planned_units += g.multiplicity * g.units;
  EXPECT_EQ(planned_units + plan.constant_agreement, net.hooked_units()) << what;

  const test::ReferenceForward ref = test::reference_forward(net, params, input);
  CpuExecutor<float> exec(1);
  const NaswotResult cpu = naswot_cpu(exec, net, params, input);
  const Tensor out = exec.forward(net, params, input);

  // The reference sums convolutions in double, the executor in float: logits agree to the bound derived in
  // tests/gpu/test_gpu_executor.cpp (2e-3).
  ASSERT_EQ(ref.output.shape, out.shape) << what;
  for (size_t i = 0; i < out.data.size(); ++i)
    EXPECT_NEAR(ref.output.data[i], out.data[i], 2e-3 * (1.0 + std::fabs(out.data[i]))) << what << " logit " << i;
  // Sign flips of near-zero activations only, as the oracle test bounds them.
  double worst = 0.0;
  for (size_t i = 0; i < ref.K.size(); ++i) worst = std::max(worst, std::fabs(static_cast<double>(ref.K[i]) - cpu.K.data[i]));
  EXPECT_LE(worst, 1e-4 * static_cast<double>(net.hooked_units())) << what << ": largest K difference " << worst;
  EXPECT_EQ(cpu.hooked_tensors, net.hooked_tensors()) << what;
  EXPECT_EQ(cpu.hooked_units, net.hooked_units()) << what;

  // Every node tapped: each value as the definition computes it, every batch norm's variance from its input.
  std::vector<int> every_node(net.nodes().size());
  for (size_t id = 0; id < every_node.size(); ++id) every_node[id] = static_cast<int>(id);
  const ObservedForward seen = exec.forward_observed(net, params, input, every_node);
  ASSERT_EQ(seen.taps.size(), every_node.size()) << what;
  size_t norm = 0;
  for (size_t id = 0; id < every_node.size(); ++id) {
    const auto& expected = ref.values[id];
    ASSERT_EQ(seen.taps[id].data.size(), expected.size()) << what << " node " << id;
    double worst = 0.0;
    for (size_t i = 0; i < expected.size(); ++i)
      worst = std::max(worst, std::fabs(seen.taps[id].data[i] - expected[i]) / (1.0 + std::fabs(expected[i])));
    EXPECT_LE(worst, 2e-3) << what << " node " << id << " (" << op_name(net.node(static_cast<int>(id)).op) << ")";
    const Node& n = net.node(static_cast<int>(id));
    if (n.op != OpKind::BatchNorm) continue;
    const auto& x = ref.values[static_cast<size_t>(n.inputs[0])];
    const int64_t hw = n.height * n.width;
    ASSERT_EQ(seen.batch_norm_variance[norm].size(), static_cast<size_t>(n.channels)) << what;
    for (int64_t c = 0; c < n.channels; ++c) {
      double sum = 0.0, sq = 0.0;
      for (int64_t b = 0; b < batch; ++b)
        for (int64_t s = 0; s < hw; ++s) sum += x[static_cast<size_t>((b * n.channels + c) * hw + s)];
      const double mean = sum / static_cast<double>(batch * hw);
      for (int64_t b = 0; b < batch; ++b)
        for (int64_t s = 0; s < hw; ++s)
          sq += std::pow(x[static_cast<size_t>((b * n.channels + c) * hw + s)] - mean, 2);
      const double var = sq / static_cast<double>(batch * hw);
      EXPECT_NEAR(seen.batch_norm_variance[norm][static_cast<size_t>(c)], var, 1e-4 * var + 1e-9)
          << what << " batch norm " << n.weight << " channel " << c;
    }
    ++norm;
  }

  // Without sign bits the same forward is planned with no bits at all, and computes the same values.
  const ForwardPlan plain = plan_forward(net, batch, false);
  EXPECT_TRUE(plain.groups.empty()) << what;
  EXPECT_EQ(plain.constant_agreement, 0) << what;
  naswot_cpu(exec, net, params, input);
  const Tensor again = exec.forward(net, params, input);
  EXPECT_EQ(again.data, out.data) << what;
}

TEST(ForwardPlan, SmallNetworksMatchTheDefinition) {
  nb201::NetworkOptions small;
  small.channels = 4;
  small.cells_per_stage = 1;
  for (const auto& arch : test_archs()) check_arch(arch, small, 6);
}

TEST(ForwardPlan, FullNetworkMatchesTheDefinition) {
  check_arch(nb201::index_to_arch(6111), {}, 2);
  check_arch(nb201::parse_arch("|none~0|+|none~0|none~1|+|nor_conv_3x3~0|skip_connect~1|avg_pool_3x3~2|"), {}, 2);
}

TEST(ForwardPlan, BatchNormAndPoolingFeedingOnlyAddsAreNeverStored) {
  // The all-conv cell: every edge is ReLU -> conv -> BN into an add. No BN result is stored by its own step.
  nb201::Arch arch;
  arch.fill(nb201::Op::Conv3x3);
  const Network net = nb201::build_network(arch);
  const ForwardPlan plan = plan_forward(net, 128, true);
  int single_bn_steps = 0, convs = 0;
  for (const Step& s : plan.steps) {
    convs += s.kind == StepKind::Conv;
    if (s.kind == StepKind::Pointwise && s.n_terms == 1 && s.terms[0].kind == TermKind::BatchNorm) ++single_bn_steps;
  }
  EXPECT_EQ(convs, 15 * 6 + 2 * 3 + 1);
  // Stored alone: the stem (cell input), node 1 of each cell (a single term), each reduction block's
  // conv_a, and lastact: 1 + 15 + 2 + 1.
  EXPECT_EQ(single_bn_steps, 19);
  // The arena holds a handful of activations, not one per node: under 20 tensors of the largest size.
  EXPECT_LT(plan.arena_floats, 20 * 128 * 16 * 32 * 32);
}

TEST(ForwardPlan, BatchNormStatisticsOfBranchesThatReachNothing) {
  // All-`none` cells: no batch norm of a cell reaches the output, and only the stem's conv is read by one.
  const Network net =
      nb201::build_network(nb201::parse_arch("|none~0|+|none~0|nor_conv_1x1~1|+|none~0|none~1|none~2|"));
  const ForwardPlan usual = plan_forward(net, 4, false);
  const ForwardPlan every = plan_forward(net, 4, PlanOutputs{false, {}, true});
  int usual_stats = 0, every_stats = 0, norms = 0;
  for (const Step& s : usual.steps) usual_stats += s.kind == StepKind::BatchNormStats;
  for (const Step& s : every.steps) every_stats += s.kind == StepKind::BatchNormStats;
  for (const Node& n : net.nodes()) norms += n.op == OpKind::BatchNorm;
  EXPECT_LT(usual_stats, norms);
  EXPECT_EQ(every_stats, norms);
  EXPECT_THROW(plan_forward(net, 4, PlanOutputs{false, {static_cast<int>(net.nodes().size())}, false}), Error);
}

TEST(ForwardPlan, StridedPoolsAreStepsThatAddsReadAsPlainTerms) {
  Network net;
  const int x = net.input(4, 9, 7);
  const int c = net.conv(x, 4, 3, 1, 1, "w");
  const int strided = net.conv(x, 4, 3, 2, 1, "v");
  // A strided pool, a strided convolution and a stride-1 pool of another, summed; a strided pool of zeros.
  const int sum = net.add({net.max_pool3x3(c, 2), strided, net.avg_pool3x3(strided)});
  const int none = net.avg_pool3x3(net.zero_like(c), 2);
  net.hook(sum, 1);
  net.set_output(net.global_avg_pool(net.add({sum, none})));
  const ForwardPlan plan = plan_forward(net, 3, true);

  const Step* pool = nullptr;
  const Step* add = nullptr;
  int avg_pool_steps = 0;
  for (const Step& s : plan.steps) {
    avg_pool_steps += s.kind == StepKind::AvgPool3x3;
    if (s.kind == StepKind::MaxPool3x3) pool = &s;
    if (s.kind == StepKind::Pointwise && s.node == sum) add = &s;
  }
  EXPECT_EQ(avg_pool_steps, 0) << "pooling zeros is no step";
  ASSERT_NE(pool, nullptr);
  ASSERT_NE(add, nullptr);
  ASSERT_EQ(add->n_terms, 3);
  EXPECT_EQ(add->terms[0].kind, TermKind::Plain);
  EXPECT_EQ(add->terms[0].buffer, pool->out) << "the add reads the pool step's output";
  EXPECT_EQ(add->terms[1].kind, TermKind::Plain);
  EXPECT_EQ(add->terms[2].kind, TermKind::AvgPool3x3) << "stride-1 pooling stays a term";
  EXPECT_EQ(add->terms[2].buffer, add->terms[1].buffer);
}

TEST(ForwardPlan, RejectsAnEmptyBatch) {
  EXPECT_THROW(plan_forward(nb201::build_network(nb201::index_to_arch(0)), 0, true), Error);
}

}  // namespace
}  // namespace zcnas
