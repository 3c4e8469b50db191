// The fused node op's contract, shared by the CPU op (pointwise_cpu.cpp) and the CUDA kernel (pointwise.cuh).
// It forms a node's value from up to kMaxPointwiseTerms inputs in one pass and writes only what the node's
// consumers need: the value, its ReLU, and its packed sign bits. Batch norm and 3x3 pooling are applied while
// reading a term, so their outputs never touch memory when an add is their only consumer. A term may also
// cover only some of the node's channels (a part of a concatenation) and read only the first channels of its
// input (a truncation), so concatenations and truncations cost no pass of their own either.
// Every float operation is rounded on its own (no fused multiply-add) in the order written below, so both
// devices compute the same values from the same inputs.
#pragma once
#include <cstdint>

#include "core/error.hpp"
#include "kernels/tensor_layout.hpp"

namespace zcnas {

constexpr int kMaxPointwiseTerms = 4;

// Train-mode batch norm of one channel as applied: (x - mean) * invstd * gamma + beta.
template <typename T>
struct alignas(4 * sizeof(T)) BasicChannelAffine {
  T mean = 0, invstd = 1, gamma = 1, beta = 0;
};
using ChannelAffine = BasicChannelAffine<float>;

enum class TermKind : int32_t {
  Plain,       // x
  BatchNorm,   // (x - mean[c]) * invstd[c] * gamma[c] + beta[c]
  AvgPool3x3,  // 3x3 mean, stride 1, pad 1, count_include_pad = False: in-bounds sum (row by row) / count
  MaxPool3x3,  // 3x3 max, stride 1, pad 1: the in-bounds maximum (padding never wins)
};

template <typename T>
struct BasicPointwiseTerm {
  TermKind kind = TermKind::Plain;
  const T* x = nullptr;                           // the node's shape, in the device's layout
  const BasicChannelAffine<T>* affine = nullptr;  // BatchNorm: one per channel of x
  // Node channels [first_channel, first_channel + channels) take x's channels [0, channels); channels == 0
  // means the rest of the node's. x holds x_channels channels per sample (0: exactly `channels`); those past
  // `channels` are not read.
  int64_t first_channel = 0, channels = 0, x_channels = 0;
};
using PointwiseTerm = BasicPointwiseTerm<float>;

struct PointwiseShape {
  int64_t batch = 0, channels = 0, height = 0, width = 0;
  int64_t units() const { return channels * height * width; }
};

// A term with its channel range made explicit for a node of `node_channels` channels; throws naming term t when
// the range leaves the node or reads past x's channels.
template <typename T>
BasicPointwiseTerm<T> resolve_term(BasicPointwiseTerm<T> term, int64_t node_channels, int t) {
  if (term.channels == 0) term.channels = node_channels - term.first_channel;
  if (term.x_channels == 0) term.x_channels = term.channels;
  ZCNAS_REQUIRE(term.first_channel >= 0 && term.channels >= 0 && term.first_channel + term.channels <= node_channels &&
                    term.x_channels >= term.channels,
                "pointwise: term {} covers channels [{}, {}) of {} and reads {} of its input's {}", t,
                term.first_channel, term.first_channel + term.channels, node_channels, term.channels, term.x_channels);
  return term;
}

// value = term[0] + term[1] + ... left to right, over the terms that cover the channel; 0 where none does.
template <typename T>
struct BasicPointwiseOutputs {
  T* y = nullptr;            // the value, or null
  T* relu = nullptr;         // max(value, 0), or null
  uint64_t* bits = nullptr;  // value > 0, 64 units a word; sample b's words at bits + b * bits_stride; or null
  int64_t bits_stride = 0;   // words from one sample's row to the next
  int64_t bits_words = 0;    // words written per sample (>= sign_words(units)); bits past the units are 0
};
using PointwiseOutputs = BasicPointwiseOutputs<float>;

// The CPU op on `threads` threads, channel-major tensors. Unit u = c * H * W + s of a sample is bit u of its
// row, as on the GPU.
template <typename T>
void pointwise_cpu(const PointwiseShape& shape, const BasicPointwiseTerm<T>* terms, int n_terms,
                   const BasicPointwiseOutputs<T>& out, int threads);

}  // namespace zcnas
