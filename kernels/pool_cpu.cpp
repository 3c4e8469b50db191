// Pools and the linear classifier on the CPU, channel-major.
#include <algorithm>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "core/error.hpp"
#include "kernels/pool.hpp"

namespace zcnas {

namespace {

// How a 3x3 window's fold (fold_window3x3) becomes its output.
template <typename T>
struct AvgWindow {  // count_include_pad = False: the in-bounds sum over the in-bounds count
  static constexpr T kPad = -T(0);  // x + -0 == x for every x, signed zeros included: the in-bounds sum exactly
  static T fold(T acc, T x) { return acc + x; }
  static T result(T acc, T count) { return acc / count; }
};
template <typename T>
struct MaxWindow {  // PyTorch pads with -inf: the in-bounds maximum
  static constexpr T kPad = -std::numeric_limits<T>::infinity();  // never wins pool_max
  static T fold(T acc, T x) { return pool_max(acc, x); }
  static T result(T acc, T /*count*/) { return acc; }
};

// 3x3 pooling of one plane. Outputs whose window lies inside the plane take a fixed nine-term path that
// vectorises across the row (Stride is a constant for that); the others fold their cut window.
template <int Stride, typename Window, typename T>
void pool3x3_plane(const T* src, int64_t h, int64_t w, T* dst) {
  const int64_t ho = pool3x3_size(h, Stride), wo = pool3x3_size(w, Stride);
  // Inside: 1 <= o and o * Stride + 1 < size.
  const int64_t rows_end = h < 2 ? 1 : (h - 2) / Stride + 1, cols_end = w < 2 ? 1 : (w - 2) / Stride + 1;
  auto border = [&](int64_t oy, int64_t ox) {
    const Window3x3<int64_t> win = window3x3<int64_t>(oy * Stride, ox * Stride, h, w);
    const T acc = fold_window3x3(
        win, [&](int64_t iy, int64_t ix) { return src[iy * w + ix]; }, Window::fold);
    dst[oy * wo + ox] = Window::result(acc, static_cast<T>(win.count()));
  };
  for (int64_t oy = 0; oy < ho; ++oy) {
    if (oy == 0 || oy >= rows_end || cols_end <= 1) {
      for (int64_t ox = 0; ox < wo; ++ox) border(oy, ox);
      continue;
    }
    border(oy, 0);
    const T* a = src + (oy * Stride - 1) * w;
    const T* b = a + w;
    const T* c = b + w;
    T* d = dst + oy * wo;
    for (int64_t ox = 1; ox < cols_end; ++ox) {
      const int64_t x = ox * Stride;
      T acc = a[x - 1];
      acc = Window::fold(acc, a[x]);
      acc = Window::fold(acc, a[x + 1]);
      acc = Window::fold(acc, b[x - 1]);
      acc = Window::fold(acc, b[x]);
      acc = Window::fold(acc, b[x + 1]);
      acc = Window::fold(acc, c[x - 1]);
      acc = Window::fold(acc, c[x]);
      acc = Window::fold(acc, c[x + 1]);
      d[ox] = Window::result(acc, T(9));
    }
    for (int64_t ox = cols_end; ox < wo; ++ox) border(oy, ox);
  }
}

// Stride 1 (the fused node op's pooling terms) on a copy of the plane framed by Window::kPad: every output takes the
// nine-term path, which equals the cut window's fold bit for bit (-0 added to a sum and -inf folded into a maximum
// change nothing), and the average divides by the in-bounds count.
template <typename Window, typename T>
void pool3x3_stride1_plane(const T* src, int64_t h, int64_t w, bool add, T* dst) {
  // The frame and the column counts depend on the plane's shape only: made again when it changes.
  static thread_local std::vector<T> framed, col_count;
  static thread_local int64_t framed_h = -1, framed_w = -1;
  const int64_t row = w + 2;
  if (framed_h != h || framed_w != w) {
    framed.assign(static_cast<size_t>((h + 2) * row), Window::kPad);
    col_count.resize(static_cast<size_t>(w));
    for (int64_t x = 0; x < w; ++x) col_count[static_cast<size_t>(x)] = T(3 - (x == 0) - (x == w - 1));
    framed_h = h;
    framed_w = w;
  }
  for (int64_t y = 0; y < h; ++y)
    std::memcpy(framed.data() + (y + 1) * row + 1, src + y * w, static_cast<size_t>(w) * sizeof(T));
  const T* cols = col_count.data();
  for (int64_t oy = 0; oy < h; ++oy) {
    const T* a = framed.data() + oy * row;
    const T* b = a + row;
    const T* c = b + row;
    T* d = dst + oy * w;
    const T rows = T(3 - (oy == 0) - (oy == h - 1));
    for (int64_t x = 0; x < w; ++x) {
      T acc = a[x];
      acc = Window::fold(acc, a[x + 1]);
      acc = Window::fold(acc, a[x + 2]);
      acc = Window::fold(acc, b[x]);
      acc = Window::fold(acc, b[x + 1]);
      acc = Window::fold(acc, b[x + 2]);
      acc = Window::fold(acc, c[x]);
      acc = Window::fold(acc, c[x + 1]);
      acc = Window::fold(acc, c[x + 2]);
      const T r = Window::result(acc, rows * cols[x]);
      d[x] = add ? d[x] + r : r;
    }
  }
}

#ifdef __AVX2__
// The average of pool3x3_stride1_plane for float planes whose width is a multiple of 8, 8 outputs at a time straight
// from the plane: the same nine adds in the same order (-0 for taps outside it, as in the frame), the same division.
void avg_pool3x3_stride1_rows(const float* src, int64_t h, int64_t w, bool add, float* dst) {
  const __m256 pad = _mm256_set1_ps(-0.0f);
  const __m256i right_shift = _mm256_setr_epi32(0, 0, 1, 2, 3, 4, 5, 6),
                left_shift = _mm256_setr_epi32(1, 2, 3, 4, 5, 6, 7, 7);
  for (int64_t oy = 0; oy < h; ++oy) {
    const float rows = static_cast<float>(3 - (oy == 0) - (oy == h - 1));
    for (int64_t x0 = 0; x0 < w; x0 += 8) {
      __m256 acc = _mm256_setzero_ps();
      for (int64_t r = oy - 1; r <= oy + 1; ++r) {
        __m256 left = pad, centre = pad, right = pad;
        if (r >= 0 && r < h) {
          const float* row = src + r * w + x0;
          centre = _mm256_loadu_ps(row);
          left = x0 > 0 ? _mm256_loadu_ps(row - 1)
                        : _mm256_blend_ps(_mm256_permutevar8x32_ps(centre, right_shift), pad, 0x01);
          right = x0 + 8 < w ? _mm256_loadu_ps(row + 1)
                             : _mm256_blend_ps(_mm256_permutevar8x32_ps(centre, left_shift), pad, 0x80);
        }
        acc = r == oy - 1 ? left : _mm256_add_ps(acc, left);
        acc = _mm256_add_ps(acc, centre);
        acc = _mm256_add_ps(acc, right);
      }
      __m256 cols = _mm256_set1_ps(3.0f);
      if (x0 == 0) cols = _mm256_blend_ps(cols, _mm256_set1_ps(2.0f), 0x01);
      if (x0 + 8 == w) cols = _mm256_blend_ps(cols, _mm256_set1_ps(2.0f), 0x80);
      __m256 result = _mm256_div_ps(acc, _mm256_mul_ps(_mm256_set1_ps(rows), cols));
      float* d = dst + oy * w + x0;
      if (add) result = _mm256_add_ps(_mm256_loadu_ps(d), result);
      _mm256_storeu_ps(d, result);
    }
  }
}
#endif

// Stride 1 into dst or added to it.
template <typename Window, typename T>
void pool3x3_stride1(const T* x, int64_t h, int64_t w, bool add, T* y) {
#ifdef __AVX2__
  if constexpr (std::is_same_v<T, float> && std::is_same_v<Window, AvgWindow<float>>) {
    if (w % 8 == 0) return avg_pool3x3_stride1_rows(x, h, w, add, y);
  }
#endif
  pool3x3_stride1_plane<Window>(x, h, w, add, y);
}

template <typename Window, typename T>
void pool3x3_plane(const T* x, int64_t height, int64_t width, int stride, T* y) {
  ZCNAS_REQUIRE(stride == 1 || stride == 2, "3x3 pooling with stride {}: only 1 and 2 are supported", stride);
  if (stride == 1) {
    pool3x3_stride1<Window>(x, height, width, false, y);
  } else {
    pool3x3_plane<2, Window>(x, height, width, y);
  }
}

template <typename Window, typename T>
void pool3x3_planes(const T* x, int64_t planes, int64_t height, int64_t width, int stride, T* y, int threads) {
  const int64_t out_area = pool3x3_size(height, stride) * pool3x3_size(width, stride);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t p = 0; p < planes; ++p)
    pool3x3_plane<Window>(x + p * height * width, height, width, stride, y + p * out_area);
}

// Every 2x2 window of every [H][W] plane, stride 2, reduced by reduce(x00, x01, x10, x11).
template <typename T, typename Reduce>
void pool2x2_planes(const T* x, int64_t planes, int64_t height, int64_t width, T* y, int threads, Reduce reduce) {
  const int64_t ho = height / 2, wo = width / 2;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t p = 0; p < planes; ++p) {
    const T* s = x + p * height * width;
    T* d = y + p * ho * wo;
    for (int64_t oy = 0; oy < ho; ++oy)
      for (int64_t ox = 0; ox < wo; ++ox) {
        const T* q = s + 2 * oy * width + 2 * ox;
        d[oy * wo + ox] = reduce(q[0], q[1], q[width], q[width + 1]);
      }
  }
}

}  // namespace

template <typename T>
void avg_pool3x3_stride1_plane(const T* x, int64_t height, int64_t width, bool add, T* y) {
  pool3x3_stride1<AvgWindow<T>>(x, height, width, add, y);
}

template <typename T>
void max_pool3x3_stride1_plane(const T* x, int64_t height, int64_t width, bool add, T* y) {
  pool3x3_stride1<MaxWindow<T>>(x, height, width, add, y);
}

template <typename T>
void avg_pool3x3_cpu(const T* x, int64_t batch, int64_t channels, int64_t height, int64_t width, int stride, T* y,
                     int threads) {
  pool3x3_planes<AvgWindow<T>>(x, channels * batch, height, width, stride, y, threads);
}

template <typename T>
void max_pool3x3_cpu(const T* x, int64_t batch, int64_t channels, int64_t height, int64_t width, int stride, T* y,
                     int threads) {
  pool3x3_planes<MaxWindow<T>>(x, channels * batch, height, width, stride, y, threads);
}

template <typename T>
void avg_pool2x2_cpu(const T* x, int64_t batch, int64_t channels, int64_t height, int64_t width, T* y, int threads) {
  pool2x2_planes(x, channels * batch, height, width, y, threads,
                 [](T a, T b, T c, T d) { return (a + b + c + d) / T(4); });
}

template <typename T>
void max_pool2x2_cpu(const T* x, int64_t batch, int64_t channels, int64_t height, int64_t width, T* y, int threads) {
  pool2x2_planes(x, channels * batch, height, width, y, threads,
                 [](T a, T b, T c, T d) { return pool_max(pool_max(pool_max(a, b), c), d); });
}

template <typename T>
void global_avg_pool_cpu(const T* x, int64_t batch, int64_t channels, int64_t spatial, T* y) {
  for (int64_t p = 0; p < channels * batch; ++p) {
    T sum = 0;
    for (int64_t s = 0; s < spatial; ++s) sum += x[p * spatial + s];
    y[p] = sum / static_cast<T>(spatial);
  }
}

template <typename T>
void linear_cpu(const T* x, int64_t batch, int64_t in, int64_t out, const T* weight, const T* bias, T* y) {
  for (int64_t o = 0; o < out; ++o)
    for (int64_t b = 0; b < batch; ++b) {
      T acc = 0;
      for (int64_t i = 0; i < in; ++i) acc += weight[o * in + i] * x[i * batch + b];
      y[o * batch + b] = acc + bias[o];
    }
}

#define ZCNAS_POOL_CPU(T)                                                                       \
  template void avg_pool3x3_stride1_plane<T>(const T*, int64_t, int64_t, bool, T*);             \
  template void max_pool3x3_stride1_plane<T>(const T*, int64_t, int64_t, bool, T*);             \
  template void avg_pool3x3_cpu<T>(const T*, int64_t, int64_t, int64_t, int64_t, int, T*, int); \
  template void max_pool3x3_cpu<T>(const T*, int64_t, int64_t, int64_t, int64_t, int, T*, int); \
  template void avg_pool2x2_cpu<T>(const T*, int64_t, int64_t, int64_t, int64_t, T*, int);      \
  template void max_pool2x2_cpu<T>(const T*, int64_t, int64_t, int64_t, int64_t, T*, int);      \
  template void global_avg_pool_cpu<T>(const T*, int64_t, int64_t, int64_t, T*);                \
  template void linear_cpu<T>(const T*, int64_t, int64_t, int64_t, const T*, const T*, T*);
ZCNAS_POOL_CPU(float)
ZCNAS_POOL_CPU(double)
#undef ZCNAS_POOL_CPU

}  // namespace zcnas
