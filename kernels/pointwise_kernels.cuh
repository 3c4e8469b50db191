// The fused node kernel's device code and launch shape; the launcher is in kernels/pointwise.cu, the contract in
// kernels/pointwise.hpp. Internal linkage: the emulated tests compile these same functions for the host.
// Each warp forms up to 2048 consecutive values of one sample from the terms that cover their channels, writes
// the value and/or its ReLU, and packs their sign bits with ballots (one coalesced store of its words). Rounding is explicit (_rn
// intrinsics, no contraction) so that the CPU op reproduces every bit.
#pragma once
#include <cstdint>

#include "kernels/device_utils.cuh"
#include "kernels/pointwise.hpp"
#include "kernels/pool.hpp"
#include "kernels/tensor_layout.hpp"

namespace zcnas::cuda {
namespace {

constexpr int kPointwiseThreads = 256;

// Index arithmetic within a sample is 32-bit: the launcher checks that a sample's units fit.
struct PointwiseArgs {
  PointwiseTerm terms[kMaxPointwiseTerms];
  int n_terms;
  uint32_t height, width, hw;
  int64_t units;
  PointwiseOutputs out;
  int64_t spans;   // spans per sample
  int span_words;  // words per span (one warp)
};

// A term's value at position s of its own channel `own` of sample b (x is [batch][x_channels][hw]).
__device__ __forceinline__ float term_value(const PointwiseTerm& term, const PointwiseArgs& a, int64_t b, uint32_t s,
                                            uint32_t own) {
  const float* __restrict__ plane = term.x + (b * term.x_channels + own) * a.hw;
  switch (term.kind) {
    case TermKind::Plain:
      return __ldg(plane + s);
    case TermKind::BatchNorm: {
      const float4 p = __ldg(reinterpret_cast<const float4*>(term.affine) + own);  // mean, invstd, gamma, beta
      return __fadd_rn(__fmul_rn(__fmul_rn(__fsub_rn(__ldg(plane + s), p.x), p.y), p.z), p.w);
    }
    case TermKind::AvgPool3x3:
    case TermKind::MaxPool3x3: {
      const uint32_t oy = s / a.width, ox = s - oy * a.width;
      const Window3x3<uint32_t> w = window3x3(oy, ox, a.height, a.width);
      const auto load = [&](uint32_t iy, uint32_t ix) { return __ldg(plane + iy * a.width + ix); };
      if (term.kind == TermKind::MaxPool3x3)
        return fold_window3x3(w, load, [](float m, float x) { return pool_max(m, x); });
      return __fdiv_rn(fold_window3x3(w, load, [](float sum, float x) { return __fadd_rn(sum, x); }),
                       static_cast<float>(w.count()));
    }
  }
  return 0.0f;
}

__global__ void pointwise_kernel(PointwiseArgs a, int64_t batch) {
  const int64_t warp = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / kWarp;
  if (warp >= batch * a.spans) return;  // whole warps leave together
  const int64_t b = warp / a.spans;
  const int64_t first_word = (warp % a.spans) * a.span_words;
  float* __restrict__ y = a.out.y;
  float* __restrict__ relu = a.out.relu;
  const uint64_t word = warp_pack_span(first_word, a.span_words, a.units, [&](int64_t unit) {
    const auto u = static_cast<uint32_t>(unit);
    const uint32_t c = u / a.hw, s = u - c * a.hw;
    float value = 0.0f;
    bool covered = false;
    for (int t = 0; t < a.n_terms; ++t) {
      const PointwiseTerm& term = a.terms[t];
      const int64_t own = static_cast<int64_t>(c) - term.first_channel;
      if (own < 0 || own >= term.channels) continue;
      const float x = term_value(term, a, b, s, static_cast<uint32_t>(own));
      value = covered ? __fadd_rn(value, x) : x;
      covered = true;
    }
    const int64_t i = b * a.units + u;
    if (y) y[i] = value;
    if (relu) relu[i] = value > 0.0f ? value : 0.0f;
    return value > 0.0f;
  });
  const int lane = static_cast<int>(threadIdx.x) & (kWarp - 1);
  if (a.out.bits && lane < a.span_words) {
    const int64_t w = first_word + lane;
    if (w < a.out.bits_words) a.out.bits[b * a.out.bits_stride + w] = word;
  }
}

// Words per sample that the kernel covers: the bits' row when there is one, else the units' sign words.
inline int64_t pointwise_words(const PointwiseShape& shape, const PointwiseOutputs& out) {
  return out.bits ? out.bits_words : sign_words(shape.units());
}

struct PointwiseLaunch {
  LaunchShape shape;
  PointwiseArgs args{};
};

// One warp per span of `span_words` words (1..32) of one sample; the launcher takes span_words_for, the tests
// force other spans. The arguments are those the launcher has checked.
inline PointwiseLaunch pointwise_launch(const PointwiseShape& shape, const PointwiseTerm* terms, int n_terms,
                                        const PointwiseOutputs& out, int span_words) {
  PointwiseLaunch l;
  PointwiseArgs& a = l.args;
  for (int t = 0; t < n_terms; ++t) a.terms[t] = resolve_term(terms[t], shape.channels, t);
  a.n_terms = n_terms;
  a.height = static_cast<uint32_t>(shape.height);
  a.width = static_cast<uint32_t>(shape.width);
  a.hw = static_cast<uint32_t>(shape.height * shape.width);
  a.units = shape.units();
  a.out = out;
  a.span_words = span_words;
  a.spans = ceil_div(pointwise_words(shape, out), span_words);
  l.shape = one_thread_per_item(shape.batch * a.spans * kWarp, kPointwiseThreads);
  return l;
}

}  // namespace
}  // namespace zcnas::cuda
