// Pooling and linear kernels: one thread per output, sums in the CPU twin's order with explicit rounding.
#include "core/cuda_check.hpp"
#include "kernels/device_utils.cuh"
#include "kernels/pool.cuh"

namespace zcnas::cuda {
namespace {

constexpr int kThreads = 256;

__global__ void avg_pool2x2_kernel(const float* __restrict__ x, int64_t planes, int64_t height, int64_t width,
                                   float* __restrict__ y) {
  const int64_t ho = height / 2, wo = width / 2;
  const int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (t >= planes * ho * wo) return;
  const int64_t p = t / (ho * wo), r = t - p * ho * wo, oy = r / wo, ox = r - oy * wo;
  const float* q = x + p * height * width + 2 * oy * width + 2 * ox;
  y[t] = __fdiv_rn(__fadd_rn(__fadd_rn(__fadd_rn(q[0], q[1]), q[width]), q[width + 1]), 4.0f);
}

__global__ void global_avg_pool_kernel(const float* __restrict__ x, int64_t planes, int64_t spatial,
                                       float* __restrict__ y) {
  const int64_t p = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (p >= planes) return;
  const float* plane = x + p * spatial;
  float sum = 0.0f;
  for (int64_t s = 0; s < spatial; ++s) sum = __fadd_rn(sum, plane[s]);
  y[p] = __fdiv_rn(sum, static_cast<float>(spatial));
}

__global__ void linear_kernel(const float* __restrict__ x, int64_t batch, int64_t in, int64_t out,
                              const float* __restrict__ weight, const float* __restrict__ bias, float* __restrict__ y) {
  const int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (t >= batch * out) return;
  const int64_t b = t / out, o = t - b * out;
  float acc = 0.0f;
  for (int64_t i = 0; i < in; ++i) acc = __fadd_rn(acc, __fmul_rn(weight[o * in + i], x[b * in + i]));
  y[t] = __fadd_rn(acc, bias[o]);
}

unsigned blocks_for(int64_t items) { return static_cast<unsigned>(ceil_div(items, kThreads)); }

}  // namespace

void avg_pool2x2(const float* x, int64_t batch, int64_t channels, int64_t height, int64_t width, float* y,
                 cudaStream_t stream) {
  const int64_t outputs = batch * channels * (height / 2) * (width / 2);
  if (outputs == 0) return;
  ZCNAS_REQUIRE(outputs > 0 && x && y, "avg_pool2x2: bad arguments [{}, {}, {}, {}]", batch, channels, height, width);
  avg_pool2x2_kernel<<<blocks_for(outputs), kThreads, 0, stream>>>(x, batch * channels, height, width, y);
  ZCNAS_CUDA_CHECK_LAUNCH(avg_pool2x2_kernel);
}

void global_avg_pool(const float* x, int64_t batch, int64_t channels, int64_t spatial, float* y, cudaStream_t stream) {
  const int64_t planes = batch * channels;
  if (planes == 0) return;
  ZCNAS_REQUIRE(planes > 0 && spatial > 0 && x && y, "global_avg_pool: bad arguments [{}, {}, {}]", batch, channels,
                spatial);
  global_avg_pool_kernel<<<blocks_for(planes), kThreads, 0, stream>>>(x, planes, spatial, y);
  ZCNAS_CUDA_CHECK_LAUNCH(global_avg_pool_kernel);
}

void linear(const float* x, int64_t batch, int64_t in, int64_t out, const float* weight, const float* bias, float* y,
            cudaStream_t stream) {
  if (batch * out == 0) return;
  ZCNAS_REQUIRE(batch > 0 && out > 0 && in >= 0 && x && weight && bias && y, "linear: bad arguments [{}, {}] -> {}",
                batch, in, out);
  linear_kernel<<<blocks_for(batch * out), kThreads, 0, stream>>>(x, batch, in, out, weight, bias, y);
  ZCNAS_CUDA_CHECK_LAUNCH(linear_kernel);
}

}  // namespace zcnas::cuda
