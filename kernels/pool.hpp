// Ops that change a tensor's shape besides convolutions: pools (with max pooling's comparison and the 3x3 window
// that the fused node op shares) and the linear classifier (the CPU ops here, channel-major; the CUDA kernels in
// pool.cuh, sample-major). Both devices do the same float operations in the same order, each rounded on its own.
#pragma once
#include <cstdint>

#include "core/host_device.hpp"

namespace zcnas {

// Max pooling's comparison, as PyTorch's: the larger value, and NaN wins.
template <typename T>
ZCNAS_HOST_DEVICE inline T pool_max(T m, T x) {
  return x > m || x != x ? x : m;
}

// 3x3 pooling with pad 1 (PyTorch's AvgPool2d(3, stride, 1, count_include_pad=False) and MaxPool2d(3, stride, 1)):
// output size (size - 1) / stride + 1; output (oy, ox) reduces the window centred on input (oy * stride,
// ox * stride), cut to the plane.
ZCNAS_HOST_DEVICE constexpr int64_t pool3x3_size(int64_t size, int stride) { return (size - 1) / stride + 1; }

// The in-bounds part, rows [y0, y1) x columns [x0, x1), of the 3x3 window centred on (cy, cx) of a plane.
template <typename Index>
struct Window3x3 {
  Index y0, y1, x0, x1;
  ZCNAS_HOST_DEVICE Index count() const { return (y1 - y0) * (x1 - x0); }
};

template <typename Index>
ZCNAS_HOST_DEVICE inline Window3x3<Index> window3x3(Index cy, Index cx, Index height, Index width) {
  return {cy > 0 ? cy - 1 : 0, cy + 2 < height ? cy + 2 : height, cx > 0 ? cx - 1 : 0, cx + 2 < width ? cx + 2 : width};
}

// A window reduced as every device reduces it: its first value load(y0, x0), then acc = fold(acc, load(iy, ix)) over
// the others row by row, left to right. Average pooling divides the sum by count() after; max pooling folds with
// pool_max, so padding never wins.
template <typename Index, typename Load, typename Fold>
ZCNAS_HOST_DEVICE inline auto fold_window3x3(const Window3x3<Index>& w, Load load, Fold fold) {
  auto acc = load(w.y0, w.x0);
  for (Index iy = w.y0; iy < w.y1; ++iy)
    for (Index ix = iy == w.y0 ? w.x0 + 1 : w.x0; ix < w.x1; ++ix) acc = fold(acc, load(iy, ix));
  return acc;
}

// One [height][width] plane x, stride 1 -> y [height][width], or with add added to y (y[s] + pooled[s], rounded as a
// separate add): the fused node op's pooling terms.
template <typename T>
void avg_pool3x3_stride1_plane(const T* x, int64_t height, int64_t width, bool add, T* y);
template <typename T>
void max_pool3x3_stride1_plane(const T* x, int64_t height, int64_t width, bool add, T* y);

// [C][B][H][W] -> [C][B][pool3x3_size(H, stride)][pool3x3_size(W, stride)]: every plane pooled, stride 1 or 2.
template <typename T>
void avg_pool3x3_cpu(const T* x, int64_t batch, int64_t channels, int64_t height, int64_t width, int stride, T* y,
                     int threads);
template <typename T>
void max_pool3x3_cpu(const T* x, int64_t batch, int64_t channels, int64_t height, int64_t width, int stride, T* y,
                     int threads);

// [C][B][H][W] -> [C][B][H/2][W/2]: (x00 + x01 + x10 + x11) / 4, stride 2, no padding.
template <typename T>
void avg_pool2x2_cpu(const T* x, int64_t batch, int64_t channels, int64_t height, int64_t width, T* y, int threads);

// [C][B][H][W] -> [C][B][H/2][W/2]: the maximum of the 2x2 window (pool_max over x00, x01, x10, x11), stride 2.
template <typename T>
void max_pool2x2_cpu(const T* x, int64_t batch, int64_t channels, int64_t height, int64_t width, T* y, int threads);

// [C][B][S] -> [C][B]: the plane's sum in order, divided by S.
template <typename T>
void global_avg_pool_cpu(const T* x, int64_t batch, int64_t channels, int64_t spatial, T* y);

// [in][B] -> [out][B]: y[o][b] = (sum over i in order of w[o][i] * x[i][b]) + bias[o].
template <typename T>
void linear_cpu(const T* x, int64_t batch, int64_t in, int64_t out, const T* weight, const T* bias, T* y);

}  // namespace zcnas
