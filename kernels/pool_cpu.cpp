// CPU twins of the pooling and linear kernels.
#include <cmath>

#include "kernels/pool.hpp"

namespace zcnas {

void avg_pool2x2_cpu(const float* x, int64_t batch, int64_t channels, int64_t height, int64_t width, float* y) {
  const int64_t ho = height / 2, wo = width / 2;
  for (int64_t p = 0; p < batch * channels; ++p)
    for (int64_t oy = 0; oy < ho; ++oy)
      for (int64_t ox = 0; ox < wo; ++ox) {
        const float* q = x + p * height * width + 2 * oy * width + 2 * ox;
        y[(p * ho + oy) * wo + ox] = (q[0] + q[1] + q[width] + q[width + 1]) / 4.0f;
      }
}

void global_avg_pool_cpu(const float* x, int64_t batch, int64_t channels, int64_t spatial, float* y) {
  for (int64_t p = 0; p < batch * channels; ++p) {
    float sum = 0.0f;
    for (int64_t s = 0; s < spatial; ++s) sum += x[p * spatial + s];
    y[p] = sum / static_cast<float>(spatial);
  }
}

void linear_cpu(const float* x, int64_t batch, int64_t in, int64_t out, const float* weight, const float* bias,
                float* y) {
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t o = 0; o < out; ++o) {
      float acc = 0.0f;
      for (int64_t i = 0; i < in; ++i) acc = std::fma(weight[o * in + i], x[b * in + i], acc);
      y[b * out + o] = acc + bias[o];
    }
}

}  // namespace zcnas
