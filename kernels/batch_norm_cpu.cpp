// Batch-norm statistics on the CPU: one channel per thread at a time, each read contiguously.
#include <cmath>

#include "kernels/batch_norm.hpp"
#include "nn/network.hpp"

namespace zcnas {
namespace {

// Sum of f(x[i]) in double with eight independent partial sums, so the loop is not one long dependency chain.
template <typename T, typename F>
double sum_double(const T* x, int64_t n, F f) {
  double part[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) part[k] += f(static_cast<double>(x[i + k]));
  for (; i < n; ++i) part[0] += f(static_cast<double>(x[i]));
  return ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
}

}  // namespace

template <typename T>
void batch_norm_stats_cpu(const T* x, int64_t batch, int64_t channels, int64_t spatial, const T* gamma, const T* beta,
                          BasicChannelAffine<T>* out, int threads) {
  const int64_t count = batch * spatial;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t c = 0; c < channels; ++c) {
    const T* xc = x + c * count;
    const double mean = sum_double(xc, count, [](double v) { return v; }) / static_cast<double>(count);
    const double sq = sum_double(xc, count, [mean](double v) { return (v - mean) * (v - mean); });
    const double invstd = 1.0 / std::sqrt(sq / static_cast<double>(count) + kBatchNormEps);
    out[c] = {static_cast<T>(mean), static_cast<T>(invstd), gamma[c], beta[c]};
  }
}

template void batch_norm_stats_cpu<float>(const float*, int64_t, int64_t, int64_t, const float*, const float*,
                                          BasicChannelAffine<float>*, int);
template void batch_norm_stats_cpu<double>(const double*, int64_t, int64_t, int64_t, const double*, const double*,
                                           BasicChannelAffine<double>*, int);

}  // namespace zcnas
