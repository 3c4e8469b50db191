// Batch-norm statistics on the CPU: each channel read contiguously, two channels per thread at a time.
#include <cmath>
#include <type_traits>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "kernels/batch_norm.hpp"
#include "nn/network.hpp"

namespace zcnas {
namespace {

// A channel's sum is a chain of dependent adds in a fixed order, so one channel at a time leaves the adder waiting;
// two channels' chains side by side do not, and the result does not depend on how channels are paired.
constexpr int kChannelsAtOnce = 2;

// Per channel k < N, the sum over i of x[k][i] (center null) or of (x[k][i] - center[k])^2, in double, in eight
// partial sums (partial j takes i = j mod 8 in order; the last n mod 8 terms go to partial 0) combined pairwise.
template <int N, typename T>
void channel_sums(const T* const* x, int64_t n, const double* center, double* sums) {
  double part[N][8] = {};
  int64_t i = 0;
#ifdef __AVX2__
  if constexpr (std::is_same_v<T, float>) {  // lanes 0-3 and 4-7 hold the partial sums; the same adds, in order
    __m256d lo[N], hi[N], c[N];
    for (int k = 0; k < N; ++k) {
      lo[k] = hi[k] = _mm256_setzero_pd();
      c[k] = _mm256_set1_pd(center ? center[k] : 0.0);
    }
    for (; i + 8 <= n; i += 8)
      for (int k = 0; k < N; ++k) {
        const __m256 v = _mm256_loadu_ps(x[k] + i);
        __m256d a = _mm256_cvtps_pd(_mm256_castps256_ps128(v)), b = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
        if (center) {
          a = _mm256_sub_pd(a, c[k]);
          b = _mm256_sub_pd(b, c[k]);
          a = _mm256_mul_pd(a, a);
          b = _mm256_mul_pd(b, b);
        }
        lo[k] = _mm256_add_pd(lo[k], a);
        hi[k] = _mm256_add_pd(hi[k], b);
      }
    for (int k = 0; k < N; ++k) {
      _mm256_storeu_pd(part[k], lo[k]);
      _mm256_storeu_pd(part[k] + 4, hi[k]);
    }
  }
#endif
  auto term = [center](double v, int k) { return center ? (v - center[k]) * (v - center[k]) : v; };
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < N; ++k)
      for (int j = 0; j < 8; ++j) part[k][j] += term(static_cast<double>(x[k][i + j]), k);
  for (; i < n; ++i)
    for (int k = 0; k < N; ++k) part[k][0] += term(static_cast<double>(x[k][i]), k);
  for (int k = 0; k < N; ++k) {
    const double* p = part[k];
    sums[k] = ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
  }
}

// Channels [c0, c0 + N) of x: the mean, then the squared deviations from it.
template <int N, typename T>
void channel_stats(const T* x, int64_t c0, int64_t count, const T* gamma, const T* beta, BasicChannelAffine<T>* out) {
  const T* xs[N];
  for (int k = 0; k < N; ++k) xs[k] = x + (c0 + k) * count;
  double mean[N], sq[N];
  channel_sums<N>(xs, count, nullptr, mean);
  for (int k = 0; k < N; ++k) mean[k] /= static_cast<double>(count);
  channel_sums<N>(xs, count, mean, sq);
  for (int k = 0; k < N; ++k) {
    const double invstd = 1.0 / std::sqrt(sq[k] / static_cast<double>(count) + kBatchNormEps);
    out[c0 + k] = {static_cast<T>(mean[k]), static_cast<T>(invstd), gamma[c0 + k], beta[c0 + k]};
  }
}

}  // namespace

template <typename T>
void batch_norm_stats_cpu(const T* x, int64_t batch, int64_t channels, int64_t spatial, const T* gamma, const T* beta,
                          BasicChannelAffine<T>* out, int threads) {
  const int64_t count = batch * spatial, groups = (channels + kChannelsAtOnce - 1) / kChannelsAtOnce;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t g = 0; g < groups; ++g) {
    const int64_t c0 = g * kChannelsAtOnce;
    if (c0 + kChannelsAtOnce <= channels) {
      channel_stats<kChannelsAtOnce>(x, c0, count, gamma, beta, out);
    } else {
      for (int64_t c = c0; c < channels; ++c) channel_stats<1>(x, c, count, gamma, beta, out);
    }
  }
}

template void batch_norm_stats_cpu<float>(const float*, int64_t, int64_t, int64_t, const float*, const float*,
                                          BasicChannelAffine<float>*, int);
template void batch_norm_stats_cpu<double>(const double*, int64_t, int64_t, int64_t, const double*, const double*,
                                           BasicChannelAffine<double>*, int);

}  // namespace zcnas
