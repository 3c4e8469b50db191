// Pooling and linear kernels on the GPU; contracts and CPU twins in kernels/pool.hpp. Device pointers.
#pragma once
#include <cuda_runtime_api.h>

#include <cstdint>

#include "kernels/pool.hpp"

namespace zcnas::cuda {

void avg_pool2x2(const float* x, int64_t batch, int64_t channels, int64_t height, int64_t width, float* y,
                 cudaStream_t stream);
void max_pool2x2(const float* x, int64_t batch, int64_t channels, int64_t height, int64_t width, float* y,
                 cudaStream_t stream);
// 3x3 pooling with pad 1 and stride 1 or 2 of [batch, channels, height, width].
void avg_pool3x3(const float* x, int64_t batch, int64_t channels, int64_t height, int64_t width, int stride, float* y,
                 cudaStream_t stream);
void max_pool3x3(const float* x, int64_t batch, int64_t channels, int64_t height, int64_t width, int stride, float* y,
                 cudaStream_t stream);
void global_avg_pool(const float* x, int64_t batch, int64_t channels, int64_t spatial, float* y, cudaStream_t stream);
void linear(const float* x, int64_t batch, int64_t in, int64_t out, const float* weight, const float* bias, float* y,
            cudaStream_t stream);

}  // namespace zcnas::cuda
