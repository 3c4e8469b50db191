// The pooling and linear kernels' device code and launch shapes; the launchers are in kernels/pool.cu, the
// contracts in kernels/pool.hpp. Internal linkage: the emulated tests compile these same functions for the host.
// One thread per output, sums in the CPU twin's order with explicit rounding.
#pragma once
#include <cstdint>

#include "kernels/device_utils.cuh"
#include "kernels/pool.hpp"

namespace zcnas::cuda {
namespace {

constexpr int kPoolThreads = 256;

// Thread t's 2x2 window of x: [planes][height][width] (output t of [planes][height / 2][width / 2]), or null
// past the last output.
__device__ __forceinline__ const float* pool2x2_window(const float* x, int64_t planes, int64_t height, int64_t width,
                                                      int64_t t) {
  const int64_t ho = height / 2, wo = width / 2;
  if (t >= planes * ho * wo) return nullptr;
  const int64_t p = t / (ho * wo), r = t - p * ho * wo, oy = r / wo, ox = r - oy * wo;
  return x + p * height * width + 2 * oy * width + 2 * ox;
}

__global__ void avg_pool2x2_kernel(const float* __restrict__ x, int64_t planes, int64_t height, int64_t width,
                                   float* __restrict__ y) {
  const int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const float* q = pool2x2_window(x, planes, height, width, t);
  if (q) y[t] = __fdiv_rn(__fadd_rn(__fadd_rn(__fadd_rn(q[0], q[1]), q[width]), q[width + 1]), 4.0f);
}

__global__ void max_pool2x2_kernel(const float* __restrict__ x, int64_t planes, int64_t height, int64_t width,
                                   float* __restrict__ y) {
  const int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const float* q = pool2x2_window(x, planes, height, width, t);
  if (q) y[t] = pool_max(pool_max(pool_max(q[0], q[1]), q[width]), q[width + 1]);
}

// Both 2x2 pools: one thread per output.
inline LaunchShape pool2x2_launch(int64_t planes, int64_t height, int64_t width) {
  return one_thread_per_item(planes * (height / 2) * (width / 2), kPoolThreads);
}

// Output t of 3x3 pooling of x: [planes][height][width] (pad 1, stride 1 or 2; kernels/pool.hpp): the plane it
// reads and the in-bounds window there; plane is null past the last output.
struct Pool3x3Output {
  const float* plane = nullptr;
  Window3x3<int64_t> window{};
};

__device__ __forceinline__ Pool3x3Output pool3x3_output(const float* x, int64_t planes, int64_t height, int64_t width,
                                                        int stride, int64_t t) {
  const int64_t out_width = pool3x3_size(width, stride);
  const int64_t out_area = pool3x3_size(height, stride) * out_width;
  if (t >= planes * out_area) return {};
  const int64_t p = t / out_area, oy = (t - p * out_area) / out_width, ox = t - p * out_area - oy * out_width;
  return {x + p * height * width, window3x3(oy * stride, ox * stride, height, width)};
}

__global__ void avg_pool3x3_kernel(const float* __restrict__ x, int64_t planes, int64_t height, int64_t width,
                                   int stride, float* __restrict__ y) {
  const int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const Pool3x3Output o = pool3x3_output(x, planes, height, width, stride, t);
  if (!o.plane) return;
  const float sum = fold_window3x3(
      o.window, [&](int64_t iy, int64_t ix) { return __ldg(o.plane + iy * width + ix); },
      [](float acc, float v) { return __fadd_rn(acc, v); });
  y[t] = __fdiv_rn(sum, static_cast<float>(o.window.count()));
}

__global__ void max_pool3x3_kernel(const float* __restrict__ x, int64_t planes, int64_t height, int64_t width,
                                   int stride, float* __restrict__ y) {
  const int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const Pool3x3Output o = pool3x3_output(x, planes, height, width, stride, t);
  if (!o.plane) return;
  y[t] = fold_window3x3(
      o.window, [&](int64_t iy, int64_t ix) { return __ldg(o.plane + iy * width + ix); },
      [](float m, float v) { return pool_max(m, v); });
}

// Both 3x3 pools: one thread per output.
inline LaunchShape pool3x3_launch(int64_t planes, int64_t height, int64_t width, int stride) {
  return one_thread_per_item(planes * pool3x3_size(height, stride) * pool3x3_size(width, stride), kPoolThreads);
}

// x: [planes][spatial] -> y: [planes].
__global__ void global_avg_pool_kernel(const float* __restrict__ x, int64_t planes, int64_t spatial,
                                       float* __restrict__ y) {
  const int64_t p = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (p >= planes) return;
  const float* plane = x + p * spatial;
  float sum = 0.0f;
  for (int64_t s = 0; s < spatial; ++s) sum = __fadd_rn(sum, plane[s]);
  y[p] = __fdiv_rn(sum, static_cast<float>(spatial));
}

inline LaunchShape global_avg_pool_launch(int64_t planes) { return one_thread_per_item(planes, kPoolThreads); }

// x: [batch][in], weight: [out][in], bias: [out] -> y: [batch][out].
__global__ void linear_kernel(const float* __restrict__ x, int64_t batch, int64_t in, int64_t out,
                              const float* __restrict__ weight, const float* __restrict__ bias, float* __restrict__ y) {
  const int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (t >= batch * out) return;
  const int64_t b = t / out, o = t - b * out;
  float acc = 0.0f;
  for (int64_t i = 0; i < in; ++i) acc = __fadd_rn(acc, __fmul_rn(weight[o * in + i], x[b * in + i]));
  y[t] = __fadd_rn(acc, bias[o]);
}

inline LaunchShape linear_launch(int64_t batch, int64_t out) { return one_thread_per_item(batch * out, kPoolThreads); }

}  // namespace
}  // namespace zcnas::cuda
