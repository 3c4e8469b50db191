// Ops that change a tensor's shape besides convolutions: pools and the linear classifier (the CPU ops here,
// channel-major; the CUDA kernels in pool.cuh, sample-major). Both devices do the same float operations in
// the same order, each rounded on its own.
#pragma once
#include <cstdint>

namespace zcnas {

// [C][B][H][W] -> [C][B][H/2][W/2]: (x00 + x01 + x10 + x11) / 4, stride 2, no padding.
template <typename T>
void avg_pool2x2_cpu(const T* x, int64_t batch, int64_t channels, int64_t height, int64_t width, T* y, int threads);

// [C][B][S] -> [C][B]: the plane's sum in order, divided by S.
template <typename T>
void global_avg_pool_cpu(const T* x, int64_t batch, int64_t channels, int64_t spatial, T* y);

// [in][B] -> [out][B]: y[o][b] = (sum over i in order of w[o][i] * x[i][b]) + bias[o].
template <typename T>
void linear_cpu(const T* x, int64_t batch, int64_t in, int64_t out, const T* weight, const T* bias, T* y);

}  // namespace zcnas
