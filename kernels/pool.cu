// Pooling and linear launchers: argument checks, then the launches of kernels/pool_kernels.cuh.
#include "core/cuda_check.hpp"
#include "kernels/launch.cuh"
#include "kernels/pool.cuh"
#include "kernels/pool_kernels.cuh"

namespace zcnas::cuda {

namespace {

// Checks a 2x2 pool's arguments; false when there is nothing to pool.
bool pool2x2_arguments(const char* op, const float* x, int64_t batch, int64_t channels, int64_t height, int64_t width,
                       const float* y) {
  const int64_t outputs = batch * channels * (height / 2) * (width / 2);
  if (outputs == 0) return false;
  ZCNAS_REQUIRE(outputs > 0 && x && y, "{}: bad arguments [{}, {}, {}, {}]", op, batch, channels, height, width);
  return true;
}

// Checks a 3x3 pool's arguments; false when there is nothing to pool.
bool pool3x3_arguments(const char* op, const float* x, int64_t batch, int64_t channels, int64_t height, int64_t width,
                       int stride, const float* y) {
  if (batch * channels == 0) return false;
  ZCNAS_REQUIRE(batch > 0 && channels > 0 && height > 0 && width > 0 && (stride == 1 || stride == 2) && x && y,
                "{}: bad arguments [{}, {}, {}, {}], stride {}", op, batch, channels, height, width, stride);
  return true;
}

}  // namespace

void avg_pool3x3(const float* x, int64_t batch, int64_t channels, int64_t height, int64_t width, int stride, float* y,
                 cudaStream_t stream) {
  if (!pool3x3_arguments("avg_pool3x3", x, batch, channels, height, width, stride, y)) return;
  ZCNAS_LAUNCH(avg_pool3x3_kernel, pool3x3_launch(batch * channels, height, width, stride), stream, x, batch * channels,
               height, width, stride, y);
}

void max_pool3x3(const float* x, int64_t batch, int64_t channels, int64_t height, int64_t width, int stride, float* y,
                 cudaStream_t stream) {
  if (!pool3x3_arguments("max_pool3x3", x, batch, channels, height, width, stride, y)) return;
  ZCNAS_LAUNCH(max_pool3x3_kernel, pool3x3_launch(batch * channels, height, width, stride), stream, x, batch * channels,
               height, width, stride, y);
}

void avg_pool2x2(const float* x, int64_t batch, int64_t channels, int64_t height, int64_t width, float* y,
                 cudaStream_t stream) {
  if (!pool2x2_arguments("avg_pool2x2", x, batch, channels, height, width, y)) return;
  ZCNAS_LAUNCH(avg_pool2x2_kernel, pool2x2_launch(batch * channels, height, width), stream, x, batch * channels,
               height, width, y);
}

void max_pool2x2(const float* x, int64_t batch, int64_t channels, int64_t height, int64_t width, float* y,
                 cudaStream_t stream) {
  if (!pool2x2_arguments("max_pool2x2", x, batch, channels, height, width, y)) return;
  ZCNAS_LAUNCH(max_pool2x2_kernel, pool2x2_launch(batch * channels, height, width), stream, x, batch * channels,
               height, width, y);
}

void global_avg_pool(const float* x, int64_t batch, int64_t channels, int64_t spatial, float* y, cudaStream_t stream) {
  const int64_t planes = batch * channels;
  if (planes == 0) return;
  ZCNAS_REQUIRE(planes > 0 && spatial > 0 && x && y, "global_avg_pool: bad arguments [{}, {}, {}]", batch, channels,
                spatial);
  ZCNAS_LAUNCH(global_avg_pool_kernel, global_avg_pool_launch(planes), stream, x, planes, spatial, y);
}

void linear(const float* x, int64_t batch, int64_t in, int64_t out, const float* weight, const float* bias, float* y,
            cudaStream_t stream) {
  if (batch * out == 0) return;
  ZCNAS_REQUIRE(batch > 0 && out > 0 && in >= 0 && x && weight && bias && y, "linear: bad arguments [{}, {}] -> {}",
                batch, in, out);
  ZCNAS_LAUNCH(linear_kernel, linear_launch(batch, out), stream, x, batch, in, out, weight, bias, y);
}

}  // namespace zcnas::cuda
