// The fused node kernel's contract (CPU twin here, CUDA launcher in pointwise.cuh). It forms a node's value
// from up to kMaxPointwiseTerms inputs in one pass and writes only what the node's consumers need: the value,
// its ReLU, and its packed sign bits. Batch norm and 3x3 average pooling are applied while reading a term,
// so their outputs never touch memory when an add is their only consumer.
// Tensors are sample-major [B, C, H, W]; the sign bits use SignLayout::sample_major's unit order.
#pragma once
#include <cstdint>

namespace zcnas {

constexpr int kMaxPointwiseTerms = 4;

// Train-mode batch norm of one channel as applied: fma((x - mean) * invstd, gamma, beta), in float32.
struct alignas(16) ChannelAffine {
  float mean = 0.0f, invstd = 1.0f, gamma = 1.0f, beta = 0.0f;
};

enum class TermKind : int32_t {
  Plain,       // x
  BatchNorm,   // fma((x - mean[c]) * invstd[c], gamma[c], beta[c])
  AvgPool3x3,  // 3x3 mean, stride 1, pad 1, count_include_pad = False: in-bounds sum (row by row) / count
};

struct PointwiseTerm {
  TermKind kind = TermKind::Plain;
  const float* x = nullptr;               // [B, C, H, W]
  const ChannelAffine* affine = nullptr;  // BatchNorm: [C]
};

struct PointwiseShape {
  int64_t batch = 0, channels = 0, height = 0, width = 0;
  int64_t units() const { return channels * height * width; }
};

// value = term[0] + term[1] + ... left to right, in float32.
struct PointwiseOutputs {
  float* y = nullptr;        // [B, C, H, W] the value, or null
  float* relu = nullptr;     // [B, C, H, W] max(value, 0), or null
  uint64_t* bits = nullptr;  // value > 0, 64 units a word; sample b's words at bits + b * bits_stride; or null
  int64_t bits_stride = 0;   // words from one sample's row to the next
  int64_t bits_words = 0;    // words written per sample (>= sign_words(units)); bits past the units are 0
};

void pointwise_cpu(const PointwiseShape& shape, const PointwiseTerm* terms, int n_terms, const PointwiseOutputs& out);

}  // namespace zcnas
