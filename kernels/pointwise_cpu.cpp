// The fused node op on the CPU, channel-major. Each thread owns whole samples, so it owns their rows of
// sign bits too; within a sample it forms one [H*W] plane at a time, term by term, in vectorisable loops.
#include <algorithm>
#include <cstring>
#include <vector>

#include "core/error.hpp"
#include "kernels/pointwise.hpp"
#include "kernels/pool.hpp"

namespace zcnas {
namespace {

// A 3x3 window's reduction as the reference does it: the first in-bounds value, the others folded in row by row,
// left to right, then a result from the fold and the window's size.
template <typename T>
struct AvgWindow {  // count_include_pad = False: the in-bounds sum over the in-bounds count
  static T fold(T acc, T x) { return acc + x; }
  static T result(T acc, int64_t count) { return acc / static_cast<T>(count); }
};
template <typename T>
struct MaxWindow {  // PyTorch pads with -inf: the in-bounds maximum
  static T fold(T acc, T x) { return pool_max(acc, x); }
  static T result(T acc, int64_t /*count*/) { return acc; }
};

// 3x3 pooling, stride 1, pad 1, of one [h, w] plane; interior pixels take a fixed nine-term path that
// vectorises across the row.
template <typename Window, typename T>
void pool3x3_plane(const T* src, T* dst, int64_t h, int64_t w) {
  auto border = [&](int64_t oy, int64_t ox) {
    const int64_t y0 = std::max<int64_t>(0, oy - 1), y1 = std::min<int64_t>(h, oy + 2);
    const int64_t x0 = std::max<int64_t>(0, ox - 1), x1 = std::min<int64_t>(w, ox + 2);
    T acc = src[y0 * w + x0];
    for (int64_t iy = y0; iy < y1; ++iy)
      for (int64_t ix = iy == y0 ? x0 + 1 : x0; ix < x1; ++ix) acc = Window::fold(acc, src[iy * w + ix]);
    dst[oy * w + ox] = Window::result(acc, (y1 - y0) * (x1 - x0));
  };
  for (int64_t oy = 0; oy < h; ++oy) {
    if (oy == 0 || oy == h - 1 || w < 3) {
      for (int64_t ox = 0; ox < w; ++ox) border(oy, ox);
      continue;
    }
    border(oy, 0);
    const T* a = src + (oy - 1) * w;
    const T* b = src + oy * w;
    const T* c = src + (oy + 1) * w;
    T* d = dst + oy * w;
    for (int64_t ox = 1; ox < w - 1; ++ox) {
      T acc = a[ox - 1];
      acc = Window::fold(acc, a[ox]);
      acc = Window::fold(acc, a[ox + 1]);
      acc = Window::fold(acc, b[ox - 1]);
      acc = Window::fold(acc, b[ox]);
      acc = Window::fold(acc, b[ox + 1]);
      acc = Window::fold(acc, c[ox - 1]);
      acc = Window::fold(acc, c[ox]);
      acc = Window::fold(acc, c[ox + 1]);
      d[ox] = Window::result(acc, 9);
    }
    border(oy, w - 1);
  }
}

// A pooling term of one plane into v (first term) or added to it (later terms, through the scratch plane).
template <typename Window, typename T>
void apply_pool3x3(const T* x, int64_t h, int64_t w, bool first, T* v, T* pool_scratch) {
  if (first) {
    pool3x3_plane<Window>(x, v, h, w);
    return;
  }
  pool3x3_plane<Window>(x, pool_scratch, h, w);
  for (int64_t s = 0; s < h * w; ++s) v[s] += pool_scratch[s];
}

// Term t of one plane (x: the plane of the term's own channel c) into v (first term) or added to it (later terms).
template <typename T>
void apply_term(const BasicPointwiseTerm<T>& term, const T* x, int64_t c, int64_t h, int64_t w, bool first, T* v,
                T* pool_scratch) {
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
      apply_pool3x3<AvgWindow<T>>(x, h, w, first, v, pool_scratch);
      return;
    case TermKind::MaxPool3x3:
      apply_pool3x3<MaxWindow<T>>(x, h, w, first, v, pool_scratch);
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
    for (int i = 0; i < 64; ++i) word |= static_cast<uint64_t>(v[s + i] > T(0)) << i;
    row[u >> 6] = word;
  }
  for (; s < n; ++s, ++u) row[u >> 6] |= static_cast<uint64_t>(v[s] > T(0)) << (u & 63);
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
    std::vector<T> value(out.y ? 0 : static_cast<size_t>(hw)), pool(static_cast<size_t>(hw));
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
          apply_term(term, term.x + (own * batch + b) * hw, own, h, w, first, v, pool.data());
          first = false;
        }
        if (first) std::fill(v, v + hw, T(0));
        if (out.relu) {
          T* r = out.relu + plane;
          for (int64_t s = 0; s < hw; ++s) r[s] = v[s] > T(0) ? v[s] : T(0);
        }
        if (row) pack_bits(v, hw, c * hw, row);
      }
    }
  }
}

template void pointwise_cpu<float>(const PointwiseShape&, const BasicPointwiseTerm<float>*, int,
                                   const BasicPointwiseOutputs<float>&, int);
template void pointwise_cpu<double>(const PointwiseShape&, const BasicPointwiseTerm<double>*, int,
                                    const BasicPointwiseOutputs<double>&, int);

}  // namespace zcnas
