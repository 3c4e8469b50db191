// CPU twin of the fused node kernel: the same float32 operations in the same order, so results match bit
// for bit. The fma is explicit on both sides so that neither compiler's contraction choices matter.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/error.hpp"
#include "kernels/pointwise.hpp"
#include "kernels/sign_bits.hpp"

namespace zcnas {

void pointwise_cpu(const PointwiseShape& shape, const PointwiseTerm* terms, int n_terms, const PointwiseOutputs& out) {
  ZCNAS_REQUIRE(n_terms >= 1 && n_terms <= kMaxPointwiseTerms, "pointwise: {} terms (1..{})", n_terms,
                kMaxPointwiseTerms);
  const int64_t units = shape.units(), hw = shape.height * shape.width;
  ZCNAS_REQUIRE(!out.bits || out.bits_words >= sign_words(units), "pointwise: {} words cannot hold {} units",
                out.bits_words, units);
  for (int64_t b = 0; b < shape.batch; ++b) {
    if (out.bits)
      std::memset(out.bits + b * out.bits_stride, 0, static_cast<size_t>(out.bits_words) * sizeof(uint64_t));
    for (int64_t u = 0; u < units; ++u) {
      const int64_t c = u / hw, s = u % hw, oy = s / shape.width, ox = s % shape.width;
      float value = 0.0f;
      for (int t = 0; t < n_terms; ++t) {
        const PointwiseTerm& term = terms[t];
        const float* x = term.x + b * units;
        float v = 0.0f;
        switch (term.kind) {
          case TermKind::Plain:
            v = x[u];
            break;
          case TermKind::BatchNorm: {
            const ChannelAffine a = term.affine[c];
            v = std::fma((x[u] - a.mean) * a.invstd, a.gamma, a.beta);
            break;
          }
          case TermKind::AvgPool3x3: {
            const float* plane = x + c * hw;
            const int64_t y0 = std::max<int64_t>(0, oy - 1), y1 = std::min<int64_t>(shape.height, oy + 2);
            const int64_t x0 = std::max<int64_t>(0, ox - 1), x1 = std::min<int64_t>(shape.width, ox + 2);
            float sum = 0.0f;
            for (int64_t iy = y0; iy < y1; ++iy)
              for (int64_t ix = x0; ix < x1; ++ix) sum += plane[iy * shape.width + ix];
            v = sum / static_cast<float>((y1 - y0) * (x1 - x0));
            break;
          }
        }
        value = t == 0 ? v : value + v;
      }
      const int64_t i = b * units + u;
      if (out.y) out.y[i] = value;
      if (out.relu) out.relu[i] = value > 0.0f ? value : 0.0f;
      if (out.bits && value > 0.0f) out.bits[b * out.bits_stride + (u >> 6)] |= uint64_t{1} << (u & 63);
    }
  }
}

}  // namespace zcnas
