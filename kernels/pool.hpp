// Pooling ops that change a tensor's shape (CPU twins here, CUDA launchers in pool.cuh). Sample-major
// tensors; the same float32 operations in the same order as the CPU executor.
#pragma once
#include <cstdint>

namespace zcnas {

// [B, C, H, W] -> [B, C, H/2, W/2]: (x00 + x01 + x10 + x11) / 4, stride 2, no padding.
void avg_pool2x2_cpu(const float* x, int64_t batch, int64_t channels, int64_t height, int64_t width, float* y);

// [B, C, S] -> [B, C]: the plane's sum in order, divided by S.
void global_avg_pool_cpu(const float* x, int64_t batch, int64_t channels, int64_t spatial, float* y);

// [B, in] -> [B, out]: y[b][o] = (sum over i in order of fma(w[o][i], x[b][i], acc)) + bias[o].
void linear_cpu(const float* x, int64_t batch, int64_t in, int64_t out, const float* weight, const float* bias,
                float* y);

}  // namespace zcnas
