// The fused node kernel's launcher: argument checks, then the launch of kernels/pointwise_kernels.cuh.
#include "core/cuda_check.hpp"
#include "kernels/launch.cuh"
#include "kernels/pointwise.cuh"
#include "kernels/pointwise_kernels.cuh"
#include "kernels/tensor_layout.hpp"

namespace zcnas::cuda {

void pointwise(const PointwiseShape& shape, const PointwiseTerm* terms, int n_terms, const PointwiseOutputs& out,
               cudaStream_t stream) {
  if (shape.batch == 0) return;
  ZCNAS_REQUIRE(shape.batch > 0 && shape.channels >= 0 && shape.height >= 0 && shape.width >= 0,
                "pointwise: bad shape [{}, {}, {}, {}]", shape.batch, shape.channels, shape.height, shape.width);
  ZCNAS_REQUIRE(n_terms >= 1 && n_terms <= kMaxPointwiseTerms, "pointwise: {} terms (1..{})", n_terms,
                kMaxPointwiseTerms);
  const int64_t units = shape.units();
  for (int t = 0; t < n_terms; ++t) {
    ZCNAS_REQUIRE(units == 0 || terms[t].x != nullptr, "pointwise: term {} has no input", t);
    ZCNAS_REQUIRE(terms[t].kind != TermKind::BatchNorm || terms[t].affine != nullptr,
                  "pointwise: batch-norm term {} has no statistics", t);
  }
  if (out.bits) {
    ZCNAS_REQUIRE(out.bits_words >= sign_words(units) && out.bits_stride >= out.bits_words,
                  "pointwise: {} words (stride {}) cannot hold {} units", out.bits_words, out.bits_stride, units);
  }
  const int64_t words = pointwise_words(shape, out);
  if (words == 0) return;
  ZCNAS_REQUIRE(64 * words < (int64_t{1} << 32), "pointwise: {} words per sample exceed 32-bit unit indices", words);
  const PointwiseLaunch l = pointwise_launch(shape, terms, n_terms, out, span_words_for(shape.batch * words));
  ZCNAS_LAUNCH(pointwise_kernel, l.shape, stream, l.args, shape.batch);
}

}  // namespace zcnas::cuda
