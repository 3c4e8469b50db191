// Ops that change a tensor's shape besides convolutions: pools (and max pooling's comparison) and the linear classifier
// (the CPU ops here, channel-major; the CUDA kernels in pool.cuh, sample-major). Both devices do the same float
// operations in the same order, each rounded on its own.
#pragma once
#include <cstdint>

#include "core/host_device.hpp"

namespace zcnas {

// Max pooling's comparison, as PyTorch's: the larger value, and NaN wins.
template <typename T>
ZCNAS_HOST_DEVICE inline T pool_max(T m, T x) {
  return x > m || x != x ? x : m;
}

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
