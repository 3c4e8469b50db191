// Arguments of the cuBLAS and cuSOLVER calls (see library_calls.hpp).
#include "kernels/library_calls.hpp"

#include <algorithm>
#include <limits>

#include "core/error.hpp"

namespace zcnas {
namespace {

// The libraries take int sizes.
int to_int(int64_t v, const char* what) {
  ZCNAS_REQUIRE(v >= 0 && v <= std::numeric_limits<int>::max(), "{} = {} is outside the libraries' int range", what, v);
  return static_cast<int>(v);
}

}  // namespace

HammingGemmLayout hamming_gemm_layout(int64_t batch, int64_t words) {
  ZCNAS_REQUIRE(batch > 0, "int8 Hamming GEMM: batch = {} is not positive", batch);
  ZCNAS_REQUIRE(words >= 0, "int8 Hamming GEMM: words = {} is negative", words);
  // At most 1024 words (65,536 bytes per sample) keep the expanded codes at a few MB. The padding rows only
  // feed G entries that are never read.
  return {(batch + 3) / 4 * 4, std::min<int64_t>(std::max<int64_t>(words, 1), 1024)};
}

GemmCall hamming_gram_gemm(const HammingGemmLayout& layout, int64_t w0, int64_t chunk) {
  ZCNAS_REQUIRE(w0 >= 0, "int8 Hamming GEMM: w0 = {} is negative", w0);
  ZCNAS_REQUIRE(chunk > 0 && chunk <= layout.chunk_words, "int8 Hamming GEMM: chunk = {} words, the layout holds {}",
                chunk, layout.chunk_words);
  const int rows = to_int(layout.rows, "int8 Hamming GEMM: rows");
  const int k = to_int(64 * chunk, "int8 Hamming GEMM: 64 * chunk");
  GemmCall g;
  g.transa = BlasOp::T;
  g.transb = BlasOp::N;
  g.m = rows;
  g.n = rows;
  g.k = k;
  g.lda = k;
  g.ldb = k;
  g.ldc = rows;
  g.alpha = 1;
  g.beta = w0 == 0 ? 0 : 1;
  return g;
}

PotrfBatchedCall logdet_potrf_batched(int64_t n, int64_t batch) {
  ZCNAS_REQUIRE(n > 0, "batched Cholesky: n = {} is not positive", n);
  ZCNAS_REQUIRE(batch > 0, "batched Cholesky: batch = {} is not positive", batch);
  PotrfBatchedCall c;
  c.uplo = BlasFill::Lower;
  c.n = to_int(n, "batched Cholesky: n");
  c.lda = c.n;
  c.batch = to_int(batch, "batched Cholesky: batch");
  c.stride = n * n;
  return c;
}

GetrfCall logdet_getrf(int64_t n) {
  ZCNAS_REQUIRE(n > 0, "LU: n = {} is not positive", n);
  GetrfCall c;
  c.m = c.n = c.lda = c.pivots = to_int(n, "LU: n");
  return c;
}

}  // namespace zcnas
