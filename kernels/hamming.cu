// Hamming kernel accumulation: a popcount kernel and an int8 tensor-core formulation (see hamming.cuh).
#include <algorithm>

#include "core/cuda_check.hpp"
#include "kernels/hamming.cuh"
#include "kernels/hamming_kernels.cuh"
#include "kernels/launch.cuh"
#include "kernels/library_calls.hpp"
#include "kernels/tensor_layout.hpp"

namespace zcnas::cuda {

namespace {

cublasOperation_t cublas_op(BlasOp op) { return op == BlasOp::T ? CUBLAS_OP_T : CUBLAS_OP_N; }

void check_hamming_args(const uint64_t* bits, int64_t batch, int64_t words, int64_t units, int64_t multiplicity,
                        const int64_t* K) {
  ZCNAS_REQUIRE(batch >= 0 && words >= 0 && units >= 0, "Hamming kernel: batch={} words={} units={}", batch, words,
                units);
  ZCNAS_REQUIRE(words >= sign_words(units), "Hamming kernel: {} words per sample cannot hold {} units", words, units);
  ZCNAS_REQUIRE(multiplicity >= 0, "Hamming kernel: negative multiplicity {}", multiplicity);
  ZCNAS_REQUIRE(K != nullptr && (words == 0 || bits != nullptr), "Hamming kernel: null pointer");
}

}  // namespace

void accumulate_hamming(const uint64_t* bits, int64_t batch, int64_t words, int64_t units, int64_t multiplicity,
                        int64_t* K, cudaStream_t stream) {
  if (batch == 0 || multiplicity == 0) return;
  check_hamming_args(bits, batch, words, units, multiplicity, K);
  const PopcountLaunch l = popcount_launch(batch, words);
  ZCNAS_LAUNCH(hamming_popcount_kernel, l.shape, stream, bits, batch, words, units, multiplicity, l.tiles,
               l.words_per_split, K);
}

HammingInt8Gemm::HammingInt8Gemm(cudaStream_t stream) : stream_(stream), cublas_(stream) {}

void HammingInt8Gemm::accumulate(const uint64_t* bits, int64_t batch, int64_t words, int64_t units,
                                 int64_t multiplicity, int64_t* K) {
  if (batch == 0 || multiplicity == 0) return;
  check_hamming_args(bits, batch, words, units, multiplicity, K);
  ZCNAS_REQUIRE(units < (int64_t{1} << 31), "int8 Hamming GEMM: {} units overflow its int32 accumulator", units);
  // Chunk size and padded rows as kernels/library_calls.hpp lays them out for the GEMM.
  const HammingGemmLayout layout = hamming_gemm_layout(batch, words);
  const int64_t chunk_words = layout.chunk_words;
  const int64_t rows = layout.rows;
  const size_t needed_codes = static_cast<size_t>(rows * chunk_words * 64);
  const size_t needed_gram = static_cast<size_t>(rows * rows);
  if (codes_.size() < needed_codes || gram_.size() < needed_gram || popcounts_.size() < static_cast<size_t>(batch)) {
    ZCNAS_CUDA_CHECK(cudaStreamSynchronize(stream_));  // earlier launches may still read the old buffers
    codes_.reserve_discard(needed_codes);
    gram_.reserve_discard(needed_gram);
    popcounts_.reserve_discard(static_cast<size_t>(batch));
    ZCNAS_CUDA_CHECK(cudaMemsetAsync(codes_.data(), 0, codes_.bytes(), stream_));
  }

  if (words == 0) {
    ZCNAS_CUDA_CHECK(cudaMemsetAsync(gram_.data(), 0, needed_gram * sizeof(int32_t), stream_));
    ZCNAS_CUDA_CHECK(cudaMemsetAsync(popcounts_.data(), 0, static_cast<size_t>(batch) * sizeof(int64_t), stream_));
  } else {
    ZCNAS_LAUNCH(row_popcount_kernel, row_popcount_launch(batch), stream_, bits, words, popcounts_.data());
    for (int64_t w0 = 0; w0 < words; w0 += chunk_words) {
      const int64_t chunk = std::min(chunk_words, words - w0);
      ZCNAS_LAUNCH(expand_bits_kernel, expand_bits_launch(batch, chunk), stream_, bits, batch, words, w0, chunk,
                   codes_.data());
      // G (+)= codes^T codes; A and B are both the chunk's codes.
      const GemmCall g = hamming_gram_gemm(layout, w0, chunk);
      ZCNAS_CUDA_CHECK(cublasGemmEx(cublas_.get(), cublas_op(g.transa), cublas_op(g.transb), g.m, g.n, g.k, &g.alpha,
                                    codes_.data(), CUDA_R_8I, g.lda, codes_.data(), CUDA_R_8I, g.ldb, &g.beta,
                                    gram_.data(), CUDA_R_32I, g.ldc, CUBLAS_COMPUTE_32I, CUBLAS_GEMM_DEFAULT));
    }
  }
  ZCNAS_LAUNCH(combine_gram_kernel, pairwise_launch(batch), stream_, gram_.data(), rows, popcounts_.data(), batch,
               units, multiplicity, K);
}

void flag_identical_samples(const int64_t* K, int64_t batch, int* flag, cudaStream_t stream) {
  ZCNAS_REQUIRE(batch >= 0 && flag != nullptr && (batch == 0 || K != nullptr), "flag_identical_samples: bad arguments");
  ZCNAS_CUDA_CHECK(cudaMemsetAsync(flag, 0, sizeof(int), stream));
  if (batch < 2) return;
  ZCNAS_LAUNCH(flag_identical_samples_kernel, pairwise_launch(batch), stream, K, batch, flag);
}

void kernel_to_double(const int64_t* K, int64_t count, int64_t offset, double* out, cudaStream_t stream) {
  if (count == 0) return;
  ZCNAS_REQUIRE(count > 0 && K != nullptr && out != nullptr, "kernel_to_double: count={} K={} out={}", count,
                static_cast<const void*>(K), static_cast<const void*>(out));
  ZCNAS_LAUNCH(kernel_to_double_kernel, one_thread_per_item(count, kElementThreads), stream, K, count, offset, out);
}

}  // namespace zcnas::cuda
