// The arguments of the cuBLAS and cuSOLVER calls in kernels/hamming.cu and kernels/logdet.cu, built by plain
// functions so that tests run exactly these calls through a CPU GEMM and LAPACK on any build. Host C++ without
// CUDA headers: the .cu files map the enums below to the libraries' own.
#pragma once
#include <cstdint>

namespace zcnas {

enum class BlasOp { N, T };            // op(X) = X or X^T
enum class BlasFill { Lower, Upper };  // the triangle a factorisation reads and writes

// C = alpha op(A) op(B) + beta C in column-major storage: op(A) is m x k, op(B) is k x n, C is m x n.
struct GemmCall {
  BlasOp transa = BlasOp::N, transb = BlasOp::N;
  int m = 0, n = 0, k = 0;
  int lda = 0, ldb = 0, ldc = 0;
  int32_t alpha = 1, beta = 0;
};

// HammingInt8Gemm's buffers: codes hold `chunk_words` words of each sample expanded to 0/1 bytes, sample after
// sample; the Gram matrix G is rows x rows, where rows is the batch padded to a multiple of 4 (which the int8
// GEMM kernels want).
struct HammingGemmLayout {
  int64_t rows = 0;
  int64_t chunk_words = 0;  // the most words expanded per GEMM
};
HammingGemmLayout hamming_gemm_layout(int64_t batch, int64_t words);

// The GEMM of the chunk of `chunk` words starting at word w0: G (+)= codes^T codes. In cuBLAS's column-major
// view the chunk's codes are a [64 * chunk] x [rows] matrix with leading dimension 64 * chunk ("TN"); the first
// chunk overwrites G, later ones add to it.
GemmCall hamming_gram_gemm(const HammingGemmLayout& layout, int64_t w0, int64_t chunk);

// cusolverDnDpotrfBatched over `batch` matrices n x n, matrix i at base + i * stride (BatchedLogAbsDet's work
// buffer). K is symmetric, so its row- and column-major forms agree.
struct PotrfBatchedCall {
  BlasFill uplo = BlasFill::Lower;
  int n = 0, lda = 0, batch = 0;
  int64_t stride = 0;  // elements from one matrix to the next
};
PotrfBatchedCall logdet_potrf_batched(int64_t n, int64_t batch);

// cusolverDnDgetrf_bufferSize and cusolverDnDgetrf of the LU fallback, on one matrix in the work buffer's
// first slot; `pivots` entries.
struct GetrfCall {
  int m = 0, n = 0, lda = 0;
  int pivots = 0;
};
GetrfCall logdet_getrf(int64_t n);

}  // namespace zcnas
