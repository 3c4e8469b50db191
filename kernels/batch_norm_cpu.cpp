// CPU twin of the batch-norm statistics kernel: two passes in double, as the CPU executor computes them.
#include <cmath>

#include "kernels/batch_norm.hpp"
#include "nn/network.hpp"

namespace zcnas {

void batch_norm_stats_cpu(const float* x, int64_t batch, int64_t channels, int64_t spatial, const float* gamma,
                          const float* beta, ChannelAffine* out) {
  const int64_t count = batch * spatial;
  for (int64_t c = 0; c < channels; ++c) {
    double sum = 0.0;
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t s = 0; s < spatial; ++s) sum += static_cast<double>(x[(b * channels + c) * spatial + s]);
    const double mean = count > 0 ? sum / static_cast<double>(count) : 0.0;
    double sq = 0.0;
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t s = 0; s < spatial; ++s) {
        const double d = static_cast<double>(x[(b * channels + c) * spatial + s]) - mean;
        sq += d * d;
      }
    const double var = count > 0 ? sq / static_cast<double>(count) : 0.0;
    out[c] = {static_cast<float>(mean), static_cast<float>(1.0 / std::sqrt(var + kBatchNormEps)), gamma[c], beta[c]};
  }
}

}  // namespace zcnas
