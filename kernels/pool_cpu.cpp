// Pools and the linear classifier on the CPU, channel-major.
#include "kernels/pool.hpp"

namespace zcnas {

namespace {

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

#define ZCNAS_POOL_CPU(T)                                                                  \
  template void avg_pool2x2_cpu<T>(const T*, int64_t, int64_t, int64_t, int64_t, T*, int); \
  template void max_pool2x2_cpu<T>(const T*, int64_t, int64_t, int64_t, int64_t, T*, int); \
  template void global_avg_pool_cpu<T>(const T*, int64_t, int64_t, int64_t, T*);           \
  template void linear_cpu<T>(const T*, int64_t, int64_t, int64_t, const T*, const T*, T*);
ZCNAS_POOL_CPU(float)
ZCNAS_POOL_CPU(double)
#undef ZCNAS_POOL_CPU

}  // namespace zcnas
