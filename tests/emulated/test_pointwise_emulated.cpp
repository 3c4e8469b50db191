// The fused node kernel of kernels/pointwise_kernels.cuh, run by the SIMT emulator against the CPU op. The CUDA
// side is sample-major and the CPU side channel-major, so inputs and values are transposed between them; the
// sign codes have one layout on both devices.
#include "emulated/simt.hpp"
// The emulator comes first: kernel code compiles against it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "emulated/emulated_support.hpp"
#include "kernels/pointwise.hpp"
#include "kernels/pointwise_kernels.cuh"

namespace zcnas {
namespace {

using simt::kSchedules;
using test::kUnwritten;
using test::random_values;
using test::same_bits;
using test::swap_outer;

enum Outputs : unsigned { kY = 1, kRelu = 2, kBits = 4 };

// Where a term lands (PointwiseTerm's first_channel, channels, x_channels); all zero: every channel.
struct TermRange {
  int64_t first_channel = 0, channels = 0, x_channels = 0;
};

struct PointwiseCase {
  PointwiseShape shape;
  std::vector<TermKind> kinds;
  unsigned outputs;
  int64_t extra_words;              // written words past sign_words(units): the kernel zeroes them
  int64_t pad_words;                // stride past the written words: nobody touches them
  std::vector<TermRange> ranges{};  // per term, or none: every term covers every channel
};

constexpr TermKind P = TermKind::Plain, B = TermKind::BatchNorm, A = TermKind::AvgPool3x3, M = TermKind::MaxPool3x3;

// Every kind alone, first and later; 1 to kMaxPointwiseTerms terms; units below, at and past a word; odd
// batches; 5x5, 9x11, 8x8, 16x8 and one-pixel-wide planes (border-only pooling windows); every subset of outputs that
// holds the bits, and none.
const PointwiseCase kCases[] = {
    {{3, 2, 5, 5}, {P}, kY | kRelu | kBits, 0, 0},
    {{1, 3, 9, 11}, {B}, kBits, 1, 2},
    {{5, 4, 5, 5}, {A}, kRelu | kBits, 0, 1},
    {{3, 7, 9, 11}, {P, B}, kY | kBits, 2, 3},
    {{2, 5, 5, 5}, {B, A}, kY | kRelu, 0, 0},
    {{3, 27, 9, 11}, {A, P, B}, kY | kRelu | kBits, 1, 1},
    {{1, 64, 5, 5}, {P, A, B, P}, kBits, 0, 0},
    {{7, 1, 9, 11}, {B, P, A, A}, kY | kRelu | kBits, 0, 5},
    {{3, 70, 1, 1}, {A, P}, kY | kBits, 0, 2},
    {{2, 4, 9, 1}, {A, B}, kRelu | kBits, 3, 0},
    {{3, 5, 5, 5}, {M}, kY | kRelu | kBits, 0, 0},
    {{2, 3, 9, 11}, {P, M}, kY | kBits, 1, 1},
    {{1, 3, 1, 1}, {M, A}, kY | kRelu | kBits, 0, 0},
    {{4, 2, 9, 1}, {B, M, P, M}, kRelu | kBits, 0, 2},
    // Planes of whole words: the CPU writes the ReLU and the bits in one vectorised pass.
    {{3, 5, 8, 8}, {B, A}, kY | kRelu | kBits, 0, 1},
    {{2, 3, 16, 8}, {P}, kRelu | kBits, 0, 0},
    // Averages over rows of several 8-float vectors (first, middle and last), pooled first and added later.
    {{2, 3, 6, 24}, {A, B, A}, kY | kRelu | kBits, 0, 1},
    {{3, 2, 1, 16}, {A, A}, kY | kBits, 0, 0},
    // A concatenation's parts (disjoint ranges, one of them truncated) plus a truncated term over every channel.
    {{2, 6, 9, 11}, {P, M, B}, kY | kRelu | kBits, 0, 1, {{0, 2, 2}, {2, 4, 5}, {0, 6, 7}}},
    // Channels 0, 3 and 6 covered by no term are zero.
    {{3, 7, 5, 5}, {M, P}, kY | kBits, 1, 0, {{1, 2, 3}, {4, 2, 2}}},
    // Truncations alone.
    {{2, 4, 5, 5}, {B, A}, kY | kRelu, 0, 0, {{0, 4, 6}, {0, 0, 5}}},
};

// Term t of case c with its range made explicit.
TermRange range_of(const PointwiseCase& c, size_t t) {
  TermRange r = t < c.ranges.size() ? c.ranges[t] : TermRange{};
  if (r.channels == 0) r.channels = c.shape.channels - r.first_channel;
  if (r.x_channels == 0) r.x_channels = r.channels;
  return r;
}

// Values in [-1, 1] with exact zeros of both signs, so that "> 0" meets its boundary.
std::vector<float> term_input(size_t n, uint64_t seed) {
  auto x = random_values<float>(n, -1.0f, 1.0f, seed);
  for (size_t i = 0; i < n; i += 7) x[i] = i % 2 ? -0.0f : 0.0f;
  return x;
}

std::vector<ChannelAffine> random_affine(int64_t channels, uint64_t seed) {
  const auto r = random_values<float>(static_cast<size_t>(4 * channels), 0.0f, 1.0f, seed);
  std::vector<ChannelAffine> a(static_cast<size_t>(channels));
  for (size_t c = 0; c < a.size(); ++c)
    a[c] = {r[4 * c] - 0.5f, 0.5f + 1.5f * r[4 * c + 1], 3.0f * r[4 * c + 2] - 1.5f, r[4 * c + 3] - 0.5f};
  return a;
}

struct Result {
  std::vector<float> y, relu;  // sample-major
  std::vector<uint64_t> bits;  // [batch][stride]
};

constexpr uint64_t kUnwrittenWord = 0xa5a5a5a5a5a5a5a5ull;

class PointwiseRun {
 public:
  explicit PointwiseRun(const PointwiseCase& c) : c_(c) {
    const PointwiseShape& s = c.shape;
    units_ = s.units();
    words_ = sign_words(units_) + c.extra_words;
    for (size_t t = 0; t < c.kinds.size(); ++t) {
      const int64_t xc = range_of(c, t).x_channels;
      x_.push_back(
          term_input(static_cast<size_t>(s.batch * xc * s.height * s.width), 100 + t + static_cast<uint64_t>(units_)));
      affine_.push_back(random_affine(xc, 200 + t));
    }
  }

  Result cpu() const {
    const PointwiseShape& s = c_.shape;
    const int64_t hw = s.height * s.width;
    std::vector<std::vector<float>> x(x_.size());
    std::vector<PointwiseTerm> terms;
    for (size_t t = 0; t < x_.size(); ++t) {
      x[t] = swap_outer(x_[t], s.batch, range_of(c_, t).x_channels, hw);
      terms.push_back(term(t, x[t].data()));
    }
    Result r = blank();
    pointwise_cpu(s, terms.data(), static_cast<int>(terms.size()), outputs(r), 1);
    if (!r.y.empty()) r.y = swap_outer(r.y, s.channels, s.batch, hw);
    if (!r.relu.empty()) r.relu = swap_outer(r.relu, s.channels, s.batch, hw);
    return r;
  }

  Result emulated(int span_words, const simt::Schedule& schedule) const {
    std::vector<PointwiseTerm> terms;
    for (size_t t = 0; t < x_.size(); ++t) terms.push_back(term(t, x_[t].data()));
    Result r = blank();
    const PointwiseOutputs out = outputs(r);
    const cuda::PointwiseLaunch l =
        cuda::pointwise_launch(c_.shape, terms.data(), static_cast<int>(terms.size()), out, span_words);
    simt::launch(l.shape, schedule, cuda::pointwise_kernel, l.args, c_.shape.batch);
    return r;
  }

  // Words per sample the kernel covers: the bits' row, or the units' sign words when nothing holds bits.
  int64_t words() const { return c_.outputs & kBits ? words_ : sign_words(units_); }

 private:
  Result blank() const {
    Result r;
    const auto n = static_cast<size_t>(c_.shape.batch * units_);
    if (c_.outputs & kY) r.y.assign(n, kUnwritten);
    if (c_.outputs & kRelu) r.relu.assign(n, kUnwritten);
    if (c_.outputs & kBits) r.bits.assign(static_cast<size_t>(c_.shape.batch * stride()), kUnwrittenWord);
    return r;
  }
  int64_t stride() const { return words_ + c_.pad_words; }
  // As the case gives it: a range left at zero stays zero, for the op to resolve.
  PointwiseTerm term(size_t t, const float* x) const {
    const TermRange r = t < c_.ranges.size() ? c_.ranges[t] : TermRange{};
    return {c_.kinds[t], x, affine_[t].data(), r.first_channel, r.channels, r.x_channels};
  }
  PointwiseOutputs outputs(Result& r) const {
    return {r.y.empty() ? nullptr : r.y.data(), r.relu.empty() ? nullptr : r.relu.data(),
            r.bits.empty() ? nullptr : r.bits.data(), stride(), words_};
  }

  PointwiseCase c_;
  int64_t units_ = 0, words_ = 0;
  std::vector<std::vector<float>> x_;
  std::vector<std::vector<ChannelAffine>> affine_;
};

std::string describe(const PointwiseCase& c, int span, const simt::Schedule& schedule) {
  std::string kinds;
  for (TermKind k : c.kinds) kinds += k == P ? 'P' : k == B ? 'B' : k == A ? 'A' : 'M';
  if (!c.ranges.empty()) kinds += " (ranged)";
  return "[" + std::to_string(c.shape.batch) + ", " + std::to_string(c.shape.channels) + ", " +
         std::to_string(c.shape.height) + ", " + std::to_string(c.shape.width) + "] terms " + kinds + " outputs " +
         std::to_string(c.outputs) + " span " + std::to_string(span) + " " + simt::to_string(schedule);
}

// Values, ReLUs and codes bit for bit, under one warp per word, per 4 and per 32 words (more than a sample has
// in most cases), a span that does not divide the words, and the launcher's own choice.
TEST(PointwiseEmulated, KernelMatchesCpuBitForBit) {
  for (const PointwiseCase& c : kCases) {
    const PointwiseRun run(c);
    const Result expected = run.cpu();
    std::vector<int> spans = {1, 4, 7, 32, cuda::span_words_for(c.shape.batch * run.words())};
    std::sort(spans.begin(), spans.end());
    spans.erase(std::unique(spans.begin(), spans.end()), spans.end());
    for (int span : spans)
      for (const auto& schedule : kSchedules) {
        SCOPED_TRACE(describe(c, span, schedule));
        const Result got = run.emulated(span, schedule);
        EXPECT_TRUE(same_bits(expected.y, got.y)) << "values";
        EXPECT_TRUE(same_bits(expected.relu, got.relu)) << "ReLU";
        EXPECT_TRUE(same_bits(expected.bits, got.bits)) << "sign bits";
      }
  }
}

// The fixtures above mean something only if the codes are neither all set nor all clear, and the CPU op
// leaves the stride's padding alone.
TEST(PointwiseEmulated, CasesHaveMixedSignsAndUntouchedPadding) {
  for (const PointwiseCase& c : kCases) {
    if (!(c.outputs & kBits)) continue;
    const Result r = PointwiseRun(c).cpu();
    const int64_t words = sign_words(c.shape.units()) + c.extra_words, stride = words + c.pad_words;
    int64_t ones = 0;
    for (int64_t b = 0; b < c.shape.batch; ++b)
      for (int64_t w = 0; w < stride; ++w) {
        const uint64_t word = r.bits[static_cast<size_t>(b * stride + w)];
        if (w >= words) {
          EXPECT_EQ(word, kUnwrittenWord);
        } else {
          if (w >= sign_words(c.shape.units())) {
            EXPECT_EQ(word, 0u);
          }
          ones += __builtin_popcountll(word);
        }
      }
    EXPECT_GT(ones, 0);
    EXPECT_LT(ones, c.shape.batch * c.shape.units());
  }
}

}  // namespace
}  // namespace zcnas
