// The fused node op on the CPU, channel-major. Each thread owns whole samples, so it owns their rows of
// sign bits too; within a sample it forms one [H*W] plane at a time, term by term, in vectorisable loops.
#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#ifdef __AVX2__
#include <immintrin.h>
#endif

#include "core/error.hpp"
#include "kernels/pointwise.hpp"
#include "kernels/pool.hpp"
#include "kernels/prefetch_cpu.hpp"

namespace zcnas {
namespace {

// Term t of one plane (x: the plane of the term's own channel c) into v (first term) or added to it (later terms).
template <typename T>
void apply_term(const BasicPointwiseTerm<T>& term, const T* x, int64_t c, int64_t h, int64_t w, bool first, T* v) {
  const int64_t n = h * w;
  switch (term.kind) {
    case TermKind::Plain:
      if (first) {
        std::memcpy(v, x, static_cast<size_t>(n) * sizeof(T));
      } else {
        for (int64_t s = 0; s < n; ++s) v[s] += x[s];
      }
      return;
    case TermKind::BatchNorm: {
      const BasicChannelAffine<T> a = term.affine[c];
      if (first) {
        for (int64_t s = 0; s < n; ++s) v[s] = (x[s] - a.mean) * a.invstd * a.gamma + a.beta;
      } else {
        for (int64_t s = 0; s < n; ++s) v[s] += (x[s] - a.mean) * a.invstd * a.gamma + a.beta;
      }
      return;
    }
    case TermKind::AvgPool3x3:
      avg_pool3x3_stride1_plane(x, h, w, !first, v);
      return;
    case TermKind::MaxPool3x3:
      max_pool3x3_stride1_plane(x, h, w, !first, v);
      return;
  }
}

// Sets bit `unit0 + s` of row for every v[s] > 0; the row's words are zero beforehand.
template <typename T>
void pack_bits(const T* v, int64_t n, int64_t unit0, uint64_t* row) {
  int64_t s = 0, u = unit0;
  for (; s < n && (u & 63) != 0; ++s, ++u) row[u >> 6] |= static_cast<uint64_t>(v[s] > T(0)) << (u & 63);
  for (; s + 64 <= n; s += 64, u += 64) {
    uint64_t word = 0;
#ifdef __AVX2__
    if constexpr (std::is_same_v<T, float>) {  // 8 signs per compare: the scalar loop does not vectorise
      const __m256 zero = _mm256_setzero_ps();
      for (int i = 0; i < 64; i += 8) {
        const __m256 positive = _mm256_cmp_ps(_mm256_loadu_ps(v + s + i), zero, _CMP_GT_OQ);
        word |= static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_ps(positive))) << i;
      }
      row[u >> 6] = word;
      continue;
    }
#endif
    for (int i = 0; i < 64; ++i) word |= static_cast<uint64_t>(v[s + i] > T(0)) << i;
    row[u >> 6] = word;
  }
  for (; s < n; ++s, ++u) row[u >> 6] |= static_cast<uint64_t>(v[s] > T(0)) << (u & 63);
}

// Both outputs of a float plane in one pass, 64 units at a time, where its units start a word: the ReLU, and the
// sign bits into row (zero beforehand). False, having written nothing, where that does not apply.
template <typename T>
bool relu_and_bits([[maybe_unused]] const T* v, [[maybe_unused]] int64_t n, [[maybe_unused]] T* relu,
                   [[maybe_unused]] int64_t unit0, [[maybe_unused]] uint64_t* row) {
#ifdef __AVX2__
  if constexpr (std::is_same_v<T, float>) {
    if (!relu || !row || unit0 % 64 != 0 || n % 64 != 0) return false;
    const __m256 zero = _mm256_setzero_ps();
    for (int64_t s = 0; s < n; s += 64) {
      uint64_t word = 0;
      for (int i = 0; i < 64; i += 8) {
        const __m256 x = _mm256_loadu_ps(v + s + i);
        const __m256 positive = _mm256_cmp_ps(x, zero, _CMP_GT_OQ);
        _mm256_storeu_ps(relu + s + i, _mm256_and_ps(x, positive));  // x > 0 ? x : +0, as the scalar loop
        word |= static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_ps(positive))) << i;
      }
      row[(unit0 + s) >> 6] = word;
    }
    return true;
  }
#endif
  return false;
}

}  // namespace

template <typename T>
void pointwise_cpu(const PointwiseShape& shape, const BasicPointwiseTerm<T>* terms, int n_terms,
                   const BasicPointwiseOutputs<T>& out, int threads) {
  ZCNAS_REQUIRE(n_terms >= 1 && n_terms <= kMaxPointwiseTerms, "pointwise: {} terms (1..{})", n_terms,
                kMaxPointwiseTerms);
  const int64_t batch = shape.batch, channels = shape.channels, h = shape.height, w = shape.width, hw = h * w;
  ZCNAS_REQUIRE(!out.bits || out.bits_words >= sign_words(shape.units()), "pointwise: {} words cannot hold {} units",
                out.bits_words, shape.units());
  std::vector<BasicPointwiseTerm<T>> resolved;
  for (int t = 0; t < n_terms; ++t) resolved.push_back(resolve_term(terms[t], channels, t));
#pragma omp parallel num_threads(threads)
  {
    std::vector<T> value(out.y ? 0 : static_cast<size_t>(hw));
#pragma omp for schedule(static)
    for (int64_t b = 0; b < batch; ++b) {
      uint64_t* row = out.bits ? out.bits + b * out.bits_stride : nullptr;
      if (row) std::memset(row, 0, static_cast<size_t>(out.bits_words) * sizeof(uint64_t));
      for (int64_t c = 0; c < channels; ++c) {
        const int64_t plane = (c * batch + b) * hw;
        T* v = out.y ? out.y + plane : value.data();
        bool first = true;
        for (const BasicPointwiseTerm<T>& term : resolved) {
          const int64_t own = c - term.first_channel;  // channel-major: x's channel `own` whatever x_channels is
          if (own < 0 || own >= term.channels) continue;
          prefetch(plane_ahead(term.x, own, b, term.channels, batch, hw), hw);
          apply_term(term, term.x + (own * batch + b) * hw, own, h, w, first, v);
          first = false;
        }
        if (first) std::fill(v, v + hw, T(0));
        T* r = out.relu ? out.relu + plane : nullptr;
        if (!relu_and_bits(v, hw, r, c * hw, row)) {
          if (r)
            for (int64_t s = 0; s < hw; ++s) r[s] = v[s] > T(0) ? v[s] : T(0);
          if (row) pack_bits(v, hw, c * hw, row);
        }
      }
    }
  }
}

template void pointwise_cpu<float>(const PointwiseShape&, const BasicPointwiseTerm<float>*, int,
                                   const BasicPointwiseOutputs<float>&, int);
template void pointwise_cpu<double>(const PointwiseShape&, const BasicPointwiseTerm<double>*, int,
                                    const BasicPointwiseOutputs<double>&, int);

}  // namespace zcnas
