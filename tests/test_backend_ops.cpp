// Every op of a forward plan on every device present, on the same inputs (in the manner of ggml's
// test-backend-ops): each case is a small network whose plan exercises one op kind, with shapes that have
// tails (odd batches, channel counts and spatial sizes, unit counts that are not whole words). The CPU op
// table is checked against the network's definition (tests/reference_network.hpp); every other device's
// op table against the CPU: logits, and the hooked tensors' sign-bit kernel.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "nn/cpu_executor.hpp"
#include "nn/forward_plan.hpp"
#include "nn/params.hpp"
#include "reference_network.hpp"
#include "scores/naswot.hpp"
#include "test_support.hpp"

#ifdef ZCNAS_WITH_CUDA
#include "core/cuda_context.hpp"
#include "core/device.hpp"
#include "kernels/hamming.hpp"
#include "nn/cuda_executor.hpp"
#endif

namespace zcnas {
namespace {

struct OpCase {
  std::string name;
  StepKind kind;                   // the step kind the case exists for
  std::function<Network()> build;  // hooks its op's output where it has sign bits
  int64_t batch;
};

Network one_op(int64_t c, int64_t h, int64_t w, const std::function<int(Network&, int)>& op) {
  Network net;
  const int x = net.input(c, h, w);
  const int y = op(net, x);
  net.hook(y, 1);
  // A linear head, so every case's output is logits read through the same step.
  net.set_output(net.linear(net.global_avg_pool(y), 3, "head"));
  return net;
}

std::vector<OpCase> op_cases() {
  std::vector<OpCase> cases;
  for (int k : {1, 3})
    for (int stride : {1, 2})
      for (int64_t hw : {5, 8}) {
        const int pad = k / 2;
        cases.push_back(
            {"conv k" + std::to_string(k) + " s" + std::to_string(stride) + " " + std::to_string(hw), StepKind::Conv,
             [=] { return one_op(3, hw, hw, [&](Network& n, int x) { return n.conv(x, 5, k, stride, pad, "w"); }); },
             7});
      }
  // DARTS' separable and dilated convolutions are depthwise: groups == Cin == Cout. 9x11 inputs: outputs of more
  // than one register block of the CPU op each way, and partial ones.
  struct Depthwise {
    int kernel, stride, pad, dilation;
  };
  for (const Depthwise d : {Depthwise{3, 1, 1, 1}, Depthwise{3, 2, 1, 1}, Depthwise{5, 1, 2, 1}, Depthwise{5, 2, 2, 1},
                            Depthwise{3, 1, 2, 2}, Depthwise{5, 1, 4, 2}, Depthwise{3, 2, 2, 2}, Depthwise{5, 2, 4, 2}})
    cases.push_back({"depthwise k" + std::to_string(d.kernel) + " s" + std::to_string(d.stride) + " dilation " +
                         std::to_string(d.dilation),
                     StepKind::Conv,
                     [=] {
                       return one_op(5, 9, 11, [&](Network& n, int x) {
                         return n.conv(x, 5, d.kernel, d.stride, d.pad, "dw", {d.dilation, 5, 0});
                       });
                     },
                     3});
  cases.push_back(
      {"depthwise k3 s2 shift 1", StepKind::Conv,
       [] { return one_op(3, 10, 8, [](Network& n, int x) {
              return n.conv(x, 3, 3, 2, 0, "dw", {1, 3, 1});
            }); }, 3});
  cases.push_back({"grouped convolutions, 3x3 and 1x1", StepKind::Conv,
                   [] {
                     return one_op(6, 7, 5, [](Network& n, int x) {
                       return n.conv(n.conv(x, 4, 3, 1, 1, "g2", {1, 2, 0}), 6, 1, 1, 0, "g2_1x1", {1, 2, 0});
                     });
                   },
                   3});
  // DARTS' FactorizedReduce: ReLU, then two 1x1 stride-2 convolutions, the second of x[:, :, 1:, 1:] (shift 1),
  // concatenated, then batch norm.
  cases.push_back({"factorized reduce: shifted 1x1 stride-2 conv", StepKind::Conv,
                   [] {
                     return one_op(4, 8, 6, [](Network& n, int x) {
                       const int r = n.relu(x);
                       return n.batch_norm(
                           n.concat({n.conv(r, 3, 1, 2, 0, "conv_1"), n.conv(r, 3, 1, 2, 0, "conv_2", {1, 1, 1})}),
                           "bn");
                     });
                   },
                   5});
  cases.push_back(
      {"batch norm alone", StepKind::BatchNormStats,
       [] { return one_op(5, 6, 7, [](Network& n, int x) { return n.batch_norm(n.conv(x, 4, 3, 1, 1, "w"), "bn"); }); },
       9});
  cases.push_back({"fused add of batch norm, pooling and a plain term", StepKind::Pointwise,
                   [] {
                     return one_op(3, 9, 11, [](Network& n, int x) {
                       const int c = n.conv(x, 4, 3, 1, 1, "w");
                       const int d = n.conv(x, 4, 1, 1, 0, "v");
                       // Each term kind first in one add and later in another.
                       return n.add({n.add({n.batch_norm(c, "bn"), n.avg_pool3x3(d), c}),
                                     n.add({d, n.batch_norm(d, "bn2"), n.avg_pool3x3(c)})});
                     });
                   },
                   5});
  cases.push_back({"five terms: a chain of fused steps", StepKind::Pointwise,
                   [] {
                     return one_op(2, 4, 4, [](Network& n, int x) {
                       std::vector<int> terms;
                       for (int t = 0; t < 5; ++t) terms.push_back(n.conv(x, 3, 1, 1, 0, "w" + std::to_string(t)));
                       return n.relu(n.add(terms));
                     });
                   },
                   3});
  cases.push_back({"zero term and relu of relu", StepKind::Pointwise,
                   [] {
                     return one_op(3, 5, 5, [](Network& n, int x) {
                       const int c = n.conv(x, 3, 3, 1, 1, "w");
                       return n.relu(n.add({c, n.zero_like(c)}));
                     });
                   },
                   4});
  cases.push_back({"max pooling as a term, first and later", StepKind::Pointwise,
                   [] {
                     return one_op(3, 7, 9, [](Network& n, int x) {
                       const int c = n.conv(x, 4, 3, 1, 1, "w");
                       const int d = n.batch_norm(n.conv(x, 4, 1, 1, 0, "v"), "bn");
                       return n.add({n.add({n.max_pool3x3(c), d}), n.max_pool3x3(n.relu(d))});
                     });
                   },
                   5});
  // A NAS-Bench-101 cell in small: truncated parts summed, a max-pooled part, their concatenation plus a
  // projection; one truncation read by a convolution, which needs it stored.
  cases.push_back({"truncations and a concatenation", StepKind::Pointwise,
                   [] {
                     return one_op(3, 6, 5, [](Network& n, int x) {
                       const int a = n.relu(n.batch_norm(n.conv(x, 4, 3, 1, 1, "a"), "bn_a"));
                       const int b = n.max_pool3x3(n.conv(x, 5, 1, 1, 0, "b"));
                       const int c = n.relu(n.batch_norm(n.conv(n.truncate(a, 3), 3, 3, 1, 1, "c"), "bn_c"));
                       const int d = n.add({n.truncate(a, 3), n.truncate(b, 3), c});
                       const int proj = n.batch_norm(n.conv(x, 12, 1, 1, 0, "p"), "bn_p");
                       return n.add({n.concat({a, d, b}), proj});
                     });
                   },
                   7});
  cases.push_back({"six-part concatenation with a zero part: a chain", StepKind::Pointwise,
                   [] {
                     return one_op(2, 5, 3, [](Network& n, int x) {
                       std::vector<int> parts;
                       for (int t = 0; t < 5; ++t) parts.push_back(n.conv(x, 1 + t, 1, 1, 0, "w" + std::to_string(t)));
                       parts.insert(parts.begin() + 2, n.zero_like(parts[1]));
                       return n.relu(n.concat(parts));
                     });
                   },
                   3});
  cases.push_back(
      {"max pool 2x2", StepKind::MaxPool2x2,
       [] { return one_op(3, 7, 6, [](Network& n, int x) { return n.max_pool2x2(n.conv(x, 3, 1, 1, 0, "w")); }); }, 5});
  cases.push_back(
      {"avg pool 2x2", StepKind::AvgPool2x2,
       [] { return one_op(3, 8, 6, [](Network& n, int x) { return n.avg_pool2x2(n.conv(x, 3, 1, 1, 0, "w")); }); }, 6});
  // DARTS' reduction cells pool with stride 2 (pad 1) and add the result to other edges' outputs.
  for (const bool max : {true, false})
    for (const auto& [h, w] : {std::pair<int64_t, int64_t>{8, 6}, {7, 9}}) {
      cases.push_back({std::string(max ? "max" : "avg") + " pool 3x3 stride 2 " + std::to_string(h) + "x" +
                           std::to_string(w) + " into an add",
                       max ? StepKind::MaxPool3x3 : StepKind::AvgPool3x3,
                       [=] {
                         return one_op(3, h, w, [&](Network& n, int x) {
                           const int c = n.conv(x, 4, 3, 1, 1, "w");
                           const int pooled = max ? n.max_pool3x3(c, 2) : n.avg_pool3x3(c, 2);
                           return n.add({pooled, n.conv(x, 4, 3, 2, 1, "v")});
                         });
                       },
                       5});
    }
  // A reduction edge of DARTS in small: a separable convolution (ReLU, depthwise, pointwise, batch norm, twice; the
  // first depthwise one strided) plus a pooled branch and a FactorizedReduce skip, all summed.
  cases.push_back(
      {"DARTS-like chain: separable convolution, stride-2 pool, factorized reduce", StepKind::Pointwise,
       [] {
         return one_op(4, 8, 10, [](Network& n, int x) {
           int y = n.conv(n.relu(x), 4, 3, 2, 1, "sep.dw1", {1, 4, 0});
           y = n.batch_norm(n.conv(y, 4, 1, 1, 0, "sep.pw1"), "sep.bn1");
           y = n.conv(n.relu(y), 4, 3, 1, 1, "sep.dw2", {1, 4, 0});
           y = n.batch_norm(n.conv(y, 4, 1, 1, 0, "sep.pw2"), "sep.bn2");
           const int r = n.relu(x);
           const int skip = n.batch_norm(
               n.concat({n.conv(r, 2, 1, 2, 0, "fr.conv_1"), n.conv(r, 2, 1, 2, 0, "fr.conv_2", {1, 1, 1})}), "fr.bn");
           return n.relu(n.add({y, n.max_pool3x3(x, 2), skip}));
         });
       },
       5});
  cases.push_back({"global avg pool and linear", StepKind::Linear,
                   [] { return one_op(4, 3, 5, [](Network& n, int x) { return n.conv(x, 6, 3, 1, 1, "w"); }); }, 33});
  return cases;
}

// Every parameter drawn at random, batch-norm affines included (by default they are 1 and 0, which would hide
// an op that drops them).
ParamStore random_params(const Network& net, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-0.8f, 1.2f);
  ParamStore params;
  for (const ParamSpec& spec : net.params()) {
    Tensor t(spec.shape);
    for (auto& v : t.data) v = d(rng);
    params.set(spec.name, std::move(t));
  }
  return params;
}

// Logits agree to the bound of convolutions summed in different orders (2e-3, tests/gpu/test_gpu_executor.cpp);
// K entries move only where near-zero activations flip: 1e-4 of the hooked units.
void expect_same(const Tensor& expected, const std::vector<double>& K_expected, const Tensor& got,
                 const std::vector<double>& K_got, int64_t hooked_units, const std::string& what) {
  ASSERT_EQ(expected.shape, got.shape) << what;
  for (size_t i = 0; i < got.data.size(); ++i)
    EXPECT_NEAR(got.data[i], expected.data[i], 2e-3 * (1.0 + std::fabs(expected.data[i]))) << what << " logit " << i;
  ASSERT_EQ(K_expected.size(), K_got.size()) << what;
  double worst = 0.0;
  for (size_t i = 0; i < K_got.size(); ++i) worst = std::max(worst, std::fabs(K_got[i] - K_expected[i]));
  EXPECT_LE(worst, 1e-4 * static_cast<double>(hooked_units) + 1e-9) << what << ": largest K difference " << worst;
}

TEST(BackendOps, EveryStepKindHasACase) {
  std::vector<bool> covered(kStepKinds, false);
  for (const auto& c : op_cases()) {
    const Network net = c.build();
    for (const Step& s : plan_forward(net, c.batch, true).steps) covered[static_cast<size_t>(s.kind)] = true;
  }
  for (int k = 0; k < kStepKinds; ++k)
    EXPECT_TRUE(covered[static_cast<size_t>(k)]) << step_name(static_cast<StepKind>(k));
}

TEST(BackendOps, CpuOpsMatchTheDefinition) {
  CpuExecutor<float> exec(2);
  CpuExecutor<double> exec64(2);
  for (const auto& c : op_cases()) {
    const Network net = c.build();
    const ParamStore params = random_params(net, 11);
    const Tensor input = test::random_input(c.batch, net.node(0).channels, net.node(0).height, net.node(0).width, 4);
    const test::ReferenceForward ref = test::reference_forward(net, params, input);
    const Tensor out = exec.forward(net, params, input);
    const NaswotResult cpu = naswot_cpu(exec, net, params, input);
    expect_same(ref.output, std::vector<double>(ref.K.begin(), ref.K.end()), out, cpu.K.data, net.hooked_units(),
                c.name);
    // The float64 table's logits; the definition rounds each node's value to float, hence the float bound.
    const TensorF64 out64 = exec64.forward(net, params, input);
    ASSERT_EQ(out64.shape, ref.output.shape) << c.name;
    for (size_t i = 0; i < out64.data.size(); ++i)
      EXPECT_NEAR(out64.data[i], ref.output.data[i], 2e-3 * (1.0 + std::fabs(ref.output.data[i])))
          << c.name << " float64 logit " << i;
  }
}

TEST(BackendOps, EveryOtherDeviceMatchesTheCpu) {
#ifdef ZCNAS_WITH_CUDA
  if (cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device: the CPU is the only op table here";
  cuda::CudaContext context(0);
  CudaExecutor gpu(context);
  CpuExecutor<float> exec(2);
  for (const auto& c : op_cases()) {
    const Network net = c.build();
    const ParamStore params = random_params(net, 11);
    const Tensor input = test::random_input(c.batch, net.node(0).channels, net.node(0).height, net.node(0).width, 4);
    const Tensor out = exec.forward(net, params, input);
    const NaswotResult cpu = naswot_cpu(exec, net, params, input);

    gpu.upload_params(net, params);
    cuda::DeviceBuffer<float> d_input;
    d_input.reserve_discard(input.data.size());
    ZCNAS_CUDA_CHECK(
        cudaMemcpy(d_input.data(), input.data.data(), input.data.size() * sizeof(float), cudaMemcpyHostToDevice));
    const Tensor gpu_out = gpu.download(gpu.forward(net, d_input.data(), c.batch, true));
    // The GPU's sign bits, counted on the host.
    const HookedSignBits& bits = gpu.hooked_sign_bits();
    std::vector<int64_t> K(static_cast<size_t>(c.batch * c.batch), bits.constant_agreement);
    for (const SignBitsGroup& g : bits.groups) {
      std::vector<uint64_t> host(static_cast<size_t>(c.batch * g.words));
      ZCNAS_CUDA_CHECK(cudaMemcpy(host.data(), g.bits, host.size() * sizeof(uint64_t), cudaMemcpyDeviceToHost));
      accumulate_hamming_cpu(host.data(), c.batch, g.words, g.units, g.multiplicity, K.data());
    }
    expect_same(out, cpu.K.data, gpu_out, std::vector<double>(K.begin(), K.end()), net.hooked_units(), c.name);
  }
#else
  GTEST_SKIP() << "built without CUDA: the CPU is the only op table";
#endif
}

}  // namespace
}  // namespace zcnas
