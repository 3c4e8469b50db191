// The fused node op's contract, shared by the CPU op (pointwise_cpu.cpp) and the CUDA kernel (pointwise.cuh).
// It forms a node's value from up to kMaxPointwiseTerms inputs in one pass and writes only what the node's
// consumers need: the value, its ReLU, and its packed sign bits. Batch norm and 3x3 average pooling are
// applied while reading a term, so their outputs never touch memory when an add is their only consumer.
// Every float operation is rounded on its own (no fused multiply-add) in the order written below, so both
// devices compute the same values from the same inputs.
#pragma once
#include <cstdint>

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
};

template <typename T>
struct BasicPointwiseTerm {
  TermKind kind = TermKind::Plain;
  const T* x = nullptr;                           // the node's shape, in the device's layout
  const BasicChannelAffine<T>* affine = nullptr;  // BatchNorm: [C]
};
using PointwiseTerm = BasicPointwiseTerm<float>;

struct PointwiseShape {
  int64_t batch = 0, channels = 0, height = 0, width = 0;
  int64_t units() const { return channels * height * width; }
};

// value = term[0] + term[1] + ... left to right.
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
