// The one execution path of a forward: walk a ForwardPlan's steps and call the device's op table. Every
// device (nn/cpu_executor.cpp, nn/cuda_executor.cu) provides an `Ops` with the members below, in its own
// layout (kernels/tensor_layout.hpp) and memory; the plan, the buffer resolution and the order of the ops
// are written once, here.
//
//   using Scalar;                                  float, or double on the CPU
//   Scalar* arena(); const Scalar* input(); const Scalar* zeros();
//   BasicChannelAffine<Scalar>* stats(); uint64_t* bits();      statistics slots and sign-bit words
//   const Scalar* param(const std::string& name, int64_t numel);
//   void conv(const ConvShape&, const Scalar* x, const Scalar* weight, Scalar* y);
//   void batch_norm_stats(const Scalar* x, int64_t batch, int64_t channels, int64_t spatial,
//                         const Scalar* gamma, const Scalar* beta, BasicChannelAffine<Scalar>* out);
//   void pointwise(const PointwiseShape&, const BasicPointwiseTerm<Scalar>*, int n,
//                  const BasicPointwiseOutputs<Scalar>&);
//   void avg_pool2x2(const Scalar* x, int64_t batch, int64_t channels, int64_t height, int64_t width,
//                    Scalar* y);
//   void max_pool2x2(const Scalar* x, int64_t batch, int64_t channels, int64_t height, int64_t width,
//                    Scalar* y);
//   void avg_pool3x3(const Scalar* x, int64_t batch, int64_t channels, int64_t height, int64_t width, int stride,
//                    Scalar* y);
//   void max_pool3x3(const Scalar* x, int64_t batch, int64_t channels, int64_t height, int64_t width, int stride,
//                    Scalar* y);
//   void global_avg_pool(const Scalar* x, int64_t batch, int64_t channels, int64_t spatial, Scalar* y);
//   void linear(const Scalar* x, int64_t batch, int64_t in, int64_t out, const Scalar* w, const Scalar* b,
//               Scalar* y);
#pragma once
#include <array>
#include <chrono>
#include <vector>

#include "kernels/conv.hpp"
#include "kernels/pointwise.hpp"
#include "nn/forward_plan.hpp"
#include "nn/hooked_sign_bits.hpp"

namespace zcnas {

// The shape of conv node n of `net` at this batch.
inline ConvShape conv_shape(const Network& net, const Node& n, int64_t batch) {
  const Node& src = net.node(n.inputs[0]);
  return {batch,    src.channels, src.height, src.width,  n.channels, n.height, n.width,
          n.kernel, n.stride,     n.pad,      n.dilation, n.groups,   n.shift};
}

template <typename Ops>
class PlanRun {
 public:
  using Scalar = typename Ops::Scalar;

  PlanRun(Ops& ops, const Network& net, const ForwardPlan& plan, int64_t batch)
      : ops_(ops), net_(net), plan_(plan), batch_(batch) {}

  // Runs every step in order. With seconds, adds each step's host wall time to seconds[kind] (meaningful where
  // ops are synchronous: the CPU).
  void run(std::array<double, kStepKinds>* seconds = nullptr) {
    for (const Step& s : plan_.steps) {
      const auto start = std::chrono::steady_clock::now();
      step(s);
      if (seconds)
        (*seconds)[static_cast<size_t>(s.kind)] +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
  }

  Scalar* buffer(int b) {
    if (b == kInputBuffer) return const_cast<Scalar*>(ops_.input());  // read only
    if (b == kZeroBuffer) return const_cast<Scalar*>(ops_.zeros());   // read only
    return ops_.arena() + plan_.buffer_offset[static_cast<size_t>(b)];
  }

  // Tap k of the plan (device memory, the device's layout), valid until the next forward.
  const Scalar* tap(size_t k) { return buffer(plan_.tap_buffers.at(k)); }

  // The hooked tensors' sign bits that the run wrote.
  HookedSignBits sign_bits() {
    HookedSignBits h;
    h.batch = batch_;
    h.constant_agreement = plan_.constant_agreement;
    h.tensors = net_.hooked_tensors();
    h.units = net_.hooked_units();
    h.relu_constant_units = plan_.relu_constant_units;
    h.relu_tensors = net_.relu_tensors();
    h.relu_units = net_.relu_units();
    h.parameters = net_.parameter_count();
    for (const BitsGroup& g : plan_.groups)
      h.groups.push_back({g.multiplicity, g.units, g.words, ops_.bits() + g.base, g.relu_multiplicity, g.tensor_units});
    return h;
  }

 private:
  void step(const Step& s) {
    const Node& n = net_.node(s.node);
    const Scalar* in = s.in != kNoBuffer ? buffer(s.in) : nullptr;
    Scalar* out = s.out != kNoBuffer ? buffer(s.out) : nullptr;
    switch (s.kind) {
      case StepKind::Conv: {
        const ConvShape shape = conv_shape(net_, n, batch_);
        ops_.conv(shape, in, ops_.param(n.weight, shape.weight_numel()), out);
        return;
      }
      case StepKind::BatchNormStats:
        ops_.batch_norm_stats(in, batch_, n.channels, n.height * n.width, ops_.param(n.weight, n.channels),
                              ops_.param(n.bias, n.channels),
                              ops_.stats() + plan_.stats_offset[static_cast<size_t>(s.stats)]);
        return;
      case StepKind::Pointwise: {
        std::array<BasicPointwiseTerm<Scalar>, kMaxPointwiseTerms> terms{};
        for (int t = 0; t < s.n_terms; ++t) {
          const TermPlan& tp = s.terms[static_cast<size_t>(t)];
          terms[static_cast<size_t>(t)] = {
              tp.kind,
              buffer(tp.buffer),
              tp.stats >= 0 ? ops_.stats() + plan_.stats_offset[static_cast<size_t>(tp.stats)] : nullptr,
              tp.first_channel,
              tp.channels,
              tp.x_channels};
        }
        BasicPointwiseOutputs<Scalar> o;
        o.y = out;
        o.relu = s.relu != kNoBuffer ? buffer(s.relu) : nullptr;
        if (s.bits_group >= 0) {
          const BitsGroup& g = plan_.groups[static_cast<size_t>(s.bits_group)];
          o.bits = ops_.bits() + g.base + s.bits_offset;
          o.bits_stride = g.words;
          o.bits_words = sign_words(n.channels * n.height * n.width);
        }
        ops_.pointwise({batch_, n.channels, n.height, n.width}, terms.data(), s.n_terms, o);
        return;
      }
      case StepKind::AvgPool2x2: {
        const Node& src = net_.node(n.inputs[0]);
        ops_.avg_pool2x2(in, batch_, src.channels, src.height, src.width, out);
        return;
      }
      case StepKind::MaxPool2x2: {
        const Node& src = net_.node(n.inputs[0]);
        ops_.max_pool2x2(in, batch_, src.channels, src.height, src.width, out);
        return;
      }
      case StepKind::AvgPool3x3: {
        const Node& src = net_.node(n.inputs[0]);
        ops_.avg_pool3x3(in, batch_, src.channels, src.height, src.width, n.stride, out);
        return;
      }
      case StepKind::MaxPool3x3: {
        const Node& src = net_.node(n.inputs[0]);
        ops_.max_pool3x3(in, batch_, src.channels, src.height, src.width, n.stride, out);
        return;
      }
      case StepKind::GlobalAvgPool: {
        const Node& src = net_.node(n.inputs[0]);
        ops_.global_avg_pool(in, batch_, src.channels, src.height * src.width, out);
        return;
      }
      case StepKind::Linear: {
        const int64_t cin = net_.node(n.inputs[0]).channels;
        ops_.linear(in, batch_, cin, n.channels, ops_.param(n.weight, n.channels * cin), ops_.param(n.bias, n.channels),
                    out);
        return;
      }
    }
  }

  Ops& ops_;
  const Network& net_;
  const ForwardPlan& plan_;
  int64_t batch_;
};

}  // namespace zcnas
