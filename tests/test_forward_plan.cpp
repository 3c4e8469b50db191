// The CUDA executor's forward plan, run with the CPU twins of its kernels, against the CPU executor. This
// checks the planning (fusion of batch norm, pooling, ReLU and sign bits; zero propagation; skip aliasing;
// arena reuse; multiplicity groups) on any machine; the GPU tests check each kernel against its twin.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "io/cifar10.hpp"
#include "kernels/batch_norm.hpp"
#include "kernels/hamming.hpp"
#include "kernels/pointwise.hpp"
#include "kernels/pool.hpp"
#include "kernels/sign_bits.hpp"
#include "nn/cpu_executor.hpp"
#include "nn/forward_plan.hpp"
#include "nn/params.hpp"
#include "scores/naswot.hpp"
#include "spaces/nb201/nb201.hpp"

namespace zcnas {
namespace {

// Cross-correlation of sample-major [B, Cin, H, W] with [Cout, Cin, k, k], accumulated in double.
void conv_reference(const float* x, const Node& in, const Node& n, const float* w, int64_t batch, float* y) {
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t co = 0; co < n.channels; ++co)
      for (int64_t oy = 0; oy < n.height; ++oy)
        for (int64_t ox = 0; ox < n.width; ++ox) {
          double acc = 0.0;
          for (int64_t ci = 0; ci < in.channels; ++ci)
            for (int ky = 0; ky < n.kernel; ++ky)
              for (int kx = 0; kx < n.kernel; ++kx) {
                const int64_t iy = oy * n.stride - n.pad + ky, ix = ox * n.stride - n.pad + kx;
                if (iy < 0 || iy >= in.height || ix < 0 || ix >= in.width) continue;
                acc += static_cast<double>(x[((b * in.channels + ci) * in.height + iy) * in.width + ix]) *
                       w[((co * in.channels + ci) * n.kernel + ky) * n.kernel + kx];
              }
          y[((b * n.channels + co) * n.height + oy) * n.width + ox] = static_cast<float>(acc);
        }
}

struct TwinResult {
  Tensor output;
  std::vector<int64_t> K;  // [B][B], with the constant agreement added
};

// Executes every step of the plan as the CUDA executor does, with the CPU twins.
TwinResult run_plan(const Network& net, const ParamStore& params, const Tensor& input, const ForwardPlan& plan) {
  const int64_t batch = input.shape[0];
  const float kPoison = std::numeric_limits<float>::quiet_NaN();  // reading anything not written shows up
  std::vector<float> arena(static_cast<size_t>(plan.arena_floats), kPoison);
  std::vector<float> zeros(static_cast<size_t>(plan.zero_floats), 0.0f);
  std::vector<ChannelAffine> stats(static_cast<size_t>(plan.stats_entries));
  std::vector<uint64_t> bits(static_cast<size_t>(plan.bits_words), 0xdeadbeefdeadbeefULL);
  auto ptr = [&](int b) -> float* {
    if (b == kInputBuffer) return const_cast<float*>(input.data.data());
    if (b == kZeroBuffer) return zeros.data();
    if (b == kNoBuffer) return nullptr;
    return arena.data() + plan.buffer_offset[static_cast<size_t>(b)];
  };
  for (const Step& s : plan.steps) {
    const Node& n = net.node(s.node);
    switch (s.kind) {
      case StepKind::Conv:
        conv_reference(ptr(s.in), net.node(n.inputs[0]), n, params.at(n.weight).data.data(), batch, ptr(s.out));
        break;
      case StepKind::BatchNormStats:
        batch_norm_stats_cpu(ptr(s.in), batch, n.channels, n.height * n.width, params.at(n.weight).data.data(),
                             params.at(n.bias).data.data(),
                             stats.data() + plan.stats_offset[static_cast<size_t>(s.stats)]);
        break;
      case StepKind::Pointwise: {
        PointwiseTerm terms[kMaxPointwiseTerms];
        for (int t = 0; t < s.n_terms; ++t) {
          const TermPlan& tp = s.terms[static_cast<size_t>(t)];
          terms[t] = {tp.kind, ptr(tp.buffer),
                      tp.stats >= 0 ? stats.data() + plan.stats_offset[static_cast<size_t>(tp.stats)] : nullptr};
        }
        PointwiseOutputs o;
        o.y = ptr(s.out);
        o.relu = ptr(s.relu);
        if (s.bits_group >= 0) {
          const BitsGroup& g = plan.groups[static_cast<size_t>(s.bits_group)];
          o.bits = bits.data() + g.base + s.bits_offset;
          o.bits_stride = g.words;
          o.bits_words = sign_words(n.channels * n.height * n.width);
        }
        pointwise_cpu({batch, n.channels, n.height, n.width}, terms, s.n_terms, o);
        break;
      }
      case StepKind::AvgPool2x2: {
        const Node& src = net.node(n.inputs[0]);
        avg_pool2x2_cpu(ptr(s.in), batch, src.channels, src.height, src.width, ptr(s.out));
        break;
      }
      case StepKind::GlobalAvgPool: {
        const Node& src = net.node(n.inputs[0]);
        global_avg_pool_cpu(ptr(s.in), batch, src.channels, src.height * src.width, ptr(s.out));
        break;
      }
      case StepKind::Linear: {
        const int64_t cin = net.node(n.inputs[0]).channels;
        linear_cpu(ptr(s.in), batch, cin, n.channels, params.at(n.weight).data.data(), params.at(n.bias).data.data(),
                   ptr(s.out));
        break;
      }
    }
  }
  TwinResult r;
  const Node& o = net.node(net.output());
  r.output = Tensor({batch, o.channels, o.height, o.width});
  const float* out = ptr(plan.output_buffer);
  std::copy(out, out + r.output.numel(), r.output.data.begin());
  r.K.assign(static_cast<size_t>(batch * batch), plan.constant_agreement);
  for (const BitsGroup& g : plan.groups)
    accumulate_hamming_cpu(bits.data() + g.base, batch, g.words, g.units, g.multiplicity, r.K.data());
  return r;
}

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

  const TwinResult twin = run_plan(net, params, input, plan);
  CpuExecutor<float> exec(1);
  NaswotAccumulator acc(batch);
  const Tensor cpu = exec.forward(net, params, input, [&](const HookedTensor<float>& t) { acc.add(t); });
  const NaswotResult ref = acc.finish();

  // The twins sum convolutions in double, the CPU executor in float: logits agree to the bound derived in
  // tests/gpu/test_gpu_executor.cpp (2e-3).
  ASSERT_EQ(twin.output.shape, cpu.shape) << what;
  for (size_t i = 0; i < cpu.data.size(); ++i)
    EXPECT_NEAR(twin.output.data[i], cpu.data[i], 2e-3 * (1.0 + std::fabs(cpu.data[i]))) << what << " logit " << i;
  // Sign flips of near-zero activations only, as the oracle test bounds them.
  double worst = 0.0;
  for (size_t i = 0; i < ref.K.data.size(); ++i)
    worst = std::max(worst, std::fabs(static_cast<double>(twin.K[i]) - ref.K.data[i]));
  EXPECT_LE(worst, 1e-4 * static_cast<double>(net.hooked_units())) << what << ": largest K difference " << worst;

  // Without sign bits the same forward is planned with no bits at all.
  const ForwardPlan plain = plan_forward(net, batch, false);
  EXPECT_TRUE(plain.groups.empty()) << what;
  EXPECT_EQ(plain.constant_agreement, 0) << what;
  const TwinResult plain_run = run_plan(net, params, input, plain);
  for (size_t i = 0; i < cpu.data.size(); ++i) EXPECT_EQ(plain_run.output.data[i], twin.output.data[i]) << what;
}

TEST(ForwardPlan, SmallNetworksMatchTheCpuExecutor) {
  nb201::NetworkOptions small;
  small.channels = 4;
  small.cells_per_stage = 1;
  for (const auto& arch : test_archs()) check_arch(arch, small, 6);
}

TEST(ForwardPlan, FullNetworkMatchesTheCpuExecutor) {
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

TEST(ForwardPlan, RejectsAnEmptyBatch) {
  EXPECT_THROW(plan_forward(nb201::build_network(nb201::index_to_arch(0)), 0, true), Error);
}

}  // namespace
}  // namespace zcnas
