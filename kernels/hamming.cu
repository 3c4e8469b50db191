// Hamming kernel accumulation: a popcount kernel and an int8 tensor-core formulation (see hamming.cuh).
#include <algorithm>

#include "core/cuda_check.hpp"
#include "kernels/device_utils.cuh"
#include "kernels/hamming.cuh"
#include "kernels/tensor_layout.hpp"

namespace zcnas::cuda {

namespace {

constexpr int kTile = 32;        // pairs per block: kTile x kTile
constexpr int kChunkWords = 64;  // words staged in shared memory per step
constexpr int kHammingThreads = 256;
constexpr int kRowsPerThread = kTile / (kHammingThreads / kWarp);  // 4

// Adds `delta` to an int64 entry; integer atomics are exact, so the sum does not depend on block order.
__device__ __forceinline__ void atomic_add_i64(int64_t* p, int64_t delta) {
  atomicAdd(reinterpret_cast<unsigned long long*>(p), static_cast<unsigned long long>(delta));
}

// Block (pair, split): tile pair `pair` of the upper triangle (ti <= tj) over the words of split `split`.
// Warp w owns rows 4w..4w+3 of tile ti, lane l owns column l of tile tj. The a-words are broadcast across the
// warp; the b rows are padded by one word so that the lanes' 64-bit reads hit distinct banks.
__global__ void __launch_bounds__(kHammingThreads)
    hamming_popcount_kernel(const uint64_t* __restrict__ bits, int64_t batch, int64_t words, int64_t units,
                            int64_t multiplicity, int64_t tiles, int64_t words_per_split, int64_t* __restrict__ K) {
  __shared__ uint64_t a[kTile][kChunkWords + 1];
  __shared__ uint64_t b[kTile][kChunkWords + 1];

  int64_t ti = 0, rest = blockIdx.x;  // upper-triangle pair index -> (ti, tj)
  while (rest >= tiles - ti) rest -= tiles - ti++;
  const int64_t tj = ti + rest;
  const int64_t i0 = ti * kTile, j0 = tj * kTile;
  const int64_t w_begin = static_cast<int64_t>(blockIdx.y) * words_per_split;
  const int64_t w_end = min(words, w_begin + words_per_split);
  const int warp = static_cast<int>(threadIdx.x) / kWarp, lane = static_cast<int>(threadIdx.x) & (kWarp - 1);

  int dist[kRowsPerThread] = {};
  for (int64_t w0 = w_begin; w0 < w_end; w0 += kChunkWords) {
    __syncthreads();  // the previous chunk has been consumed
    for (int idx = threadIdx.x; idx < kTile * kChunkWords; idx += kHammingThreads) {
      const int row = idx / kChunkWords, col = idx % kChunkWords;
      const int64_t w = w0 + col;
      const bool in_words = w < w_end;
      a[row][col] = in_words && i0 + row < batch ? bits[(i0 + row) * words + w] : 0;
      b[row][col] = in_words && j0 + row < batch ? bits[(j0 + row) * words + w] : 0;
    }
    __syncthreads();
#pragma unroll 8
    for (int w = 0; w < kChunkWords; ++w) {
      const uint64_t bw = b[lane][w];
#pragma unroll
      for (int r = 0; r < kRowsPerThread; ++r) dist[r] += __popcll(a[warp * kRowsPerThread + r][w] ^ bw);
    }
  }

  const int64_t j = j0 + lane;
  if (j >= batch) return;
  for (int r = 0; r < kRowsPerThread; ++r) {
    const int64_t i = i0 + warp * kRowsPerThread + r;
    if (i >= batch) break;
    // K += m * (units - d); the constant part is added once, by the first split.
    const int64_t delta = multiplicity * ((blockIdx.y == 0 ? units : 0) - dist[r]);
    atomic_add_i64(&K[i * batch + j], delta);
    if (ti != tj) atomic_add_i64(&K[j * batch + i], delta);
  }
}

// codes[b][64 * (w - w0) + k] = bit k of bits[b][w] for the words [w0, w0 + chunk): 0/1 bytes, 16 per store.
__global__ void expand_bits_kernel(const uint64_t* __restrict__ bits, int64_t batch, int64_t words, int64_t w0,
                                   int64_t chunk, int8_t* __restrict__ codes) {
  const int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;  // one (sample, word) each
  if (t >= batch * chunk) return;
  const int64_t b = t / chunk, w = t % chunk;
  const uint64_t word = bits[b * words + w0 + w];
  uint4* out = reinterpret_cast<uint4*>(codes + (b * chunk + w) * 64);
#pragma unroll
  for (int q = 0; q < 4; ++q) {
    uint32_t lanes[4];
#pragma unroll
    for (int v = 0; v < 4; ++v) {
      const uint32_t nibble = static_cast<uint32_t>(word >> (16 * q + 4 * v)) & 0xfu;
      // spread 4 bits into the low bit of 4 bytes
      lanes[v] = (nibble & 1u) | ((nibble & 2u) << 7) | ((nibble & 4u) << 14) | ((nibble & 8u) << 21);
    }
    out[q] = make_uint4(lanes[0], lanes[1], lanes[2], lanes[3]);
  }
}

// popcounts[b] = number of set bits of row b. One block per row.
__global__ void row_popcount_kernel(const uint64_t* __restrict__ bits, int64_t words, int64_t* __restrict__ popcounts) {
  const uint64_t* row = bits + static_cast<int64_t>(blockIdx.x) * words;
  long long count = 0;
  for (int64_t w = threadIdx.x; w < words; w += blockDim.x) count += __popcll(row[w]);
  count = block_sum(count);
  if (threadIdx.x == 0) popcounts[blockIdx.x] = count;
}

// K[i][j] += m * (units - p_i - p_j + 2 G[i][j]); G is symmetric, column-major from cuBLAS with leading dimension ld.
__global__ void combine_gram_kernel(const int32_t* __restrict__ gram, int64_t ld, const int64_t* __restrict__ popcounts,
                                    int64_t batch, int64_t units, int64_t multiplicity, int64_t* __restrict__ K) {
  const int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (t >= batch * batch) return;
  const int64_t i = t / batch, j = t % batch;
  K[t] += multiplicity * (units - popcounts[i] - popcounts[j] + 2 * static_cast<int64_t>(gram[i + j * ld]));
}

__global__ void kernel_to_double_kernel(const int64_t* __restrict__ K, int64_t count, int64_t offset,
                                        double* __restrict__ out) {
  const int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (t < count) out[t] = static_cast<double>(K[t] + offset);
}

__global__ void flag_identical_samples_kernel(const int64_t* __restrict__ K, int64_t batch, int* __restrict__ flag) {
  const int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (t >= batch * batch) return;
  const int64_t i = t / batch, j = t % batch;
  if (i != j && K[t] == K[i * batch + i]) *flag = 1;  // benign race: every writer writes 1
}

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
  const int64_t tiles = ceil_div(batch, kTile);
  const int64_t pairs = tiles * (tiles + 1) / 2;
  // Split the words so that a launch has a few hundred blocks; each split is whole chunks.
  const int64_t chunks = std::max<int64_t>(1, ceil_div(words, kChunkWords));
  const int64_t splits = std::clamp<int64_t>(ceil_div(256, pairs), 1, std::min<int64_t>(chunks, 65535));
  const int64_t words_per_split = ceil_div(chunks, splits) * kChunkWords;
  const dim3 grid(static_cast<unsigned>(pairs),
                  static_cast<unsigned>(ceil_div(std::max<int64_t>(words, 1), words_per_split)));
  hamming_popcount_kernel<<<grid, kHammingThreads, 0, stream>>>(bits, batch, words, units, multiplicity, tiles,
                                                                words_per_split, K);
  ZCNAS_CUDA_CHECK_LAUNCH(hamming_popcount_kernel);
}

HammingInt8Gemm::HammingInt8Gemm(cudaStream_t stream) : stream_(stream), cublas_(stream) {}

void HammingInt8Gemm::accumulate(const uint64_t* bits, int64_t batch, int64_t words, int64_t units,
                                 int64_t multiplicity, int64_t* K) {
  if (batch == 0 || multiplicity == 0) return;
  check_hamming_args(bits, batch, words, units, multiplicity, K);
  ZCNAS_REQUIRE(units < (int64_t{1} << 31), "int8 Hamming GEMM: {} units overflow its int32 accumulator", units);
  // Chunks of at most 1024 words (65,536 bytes per sample) keep the expanded codes at a few MB. Rows are
  // padded to a multiple of 4, which the int8 GEMM kernels want; the padding rows only feed G entries that
  // are never read.
  const int64_t chunk_words = std::min<int64_t>(std::max<int64_t>(words, 1), 1024);
  const int64_t rows = ceil_div(batch, 4) * 4;
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
    row_popcount_kernel<<<static_cast<unsigned>(batch), 256, 0, stream_>>>(bits, words, popcounts_.data());
    ZCNAS_CUDA_CHECK_LAUNCH(row_popcount_kernel);
    for (int64_t w0 = 0; w0 < words; w0 += chunk_words) {
      const int64_t chunk = std::min(chunk_words, words - w0);
      const int64_t items = batch * chunk;
      expand_bits_kernel<<<static_cast<unsigned>(ceil_div(items, 256)), 256, 0, stream_>>>(bits, batch, words, w0,
                                                                                           chunk, codes_.data());
      ZCNAS_CUDA_CHECK_LAUNCH(expand_bits_kernel);
      // G = codes^T codes in cuBLAS's column-major view: codes is [k = 64 * chunk] x [rows], lda = k ("TN").
      const int32_t alpha = 1, beta = w0 == 0 ? 0 : 1;
      const int k = static_cast<int>(64 * chunk), n = static_cast<int>(rows);
      ZCNAS_CUDA_CHECK(cublasGemmEx(cublas_.get(), CUBLAS_OP_T, CUBLAS_OP_N, n, n, k, &alpha, codes_.data(), CUDA_R_8I,
                                    k, codes_.data(), CUDA_R_8I, k, &beta, gram_.data(), CUDA_R_32I, n,
                                    CUBLAS_COMPUTE_32I, CUBLAS_GEMM_DEFAULT));
    }
  }
  combine_gram_kernel<<<static_cast<unsigned>(ceil_div(batch * batch, 256)), 256, 0, stream_>>>(
      gram_.data(), rows, popcounts_.data(), batch, units, multiplicity, K);
  ZCNAS_CUDA_CHECK_LAUNCH(combine_gram_kernel);
}

void flag_identical_samples(const int64_t* K, int64_t batch, int* flag, cudaStream_t stream) {
  ZCNAS_REQUIRE(batch >= 0 && flag != nullptr && (batch == 0 || K != nullptr), "flag_identical_samples: bad arguments");
  ZCNAS_CUDA_CHECK(cudaMemsetAsync(flag, 0, sizeof(int), stream));
  if (batch < 2) return;
  flag_identical_samples_kernel<<<static_cast<unsigned>(ceil_div(batch * batch, 256)), 256, 0, stream>>>(K, batch,
                                                                                                         flag);
  ZCNAS_CUDA_CHECK_LAUNCH(flag_identical_samples_kernel);
}

void kernel_to_double(const int64_t* K, int64_t count, int64_t offset, double* out, cudaStream_t stream) {
  if (count == 0) return;
  ZCNAS_REQUIRE(count > 0 && K != nullptr && out != nullptr, "kernel_to_double: count={} K={} out={}", count,
                static_cast<const void*>(K), static_cast<const void*>(out));
  kernel_to_double_kernel<<<static_cast<unsigned>(ceil_div(count, 256)), 256, 0, stream>>>(K, count, offset, out);
  ZCNAS_CUDA_CHECK_LAUNCH(kernel_to_double_kernel);
}

}  // namespace zcnas::cuda
