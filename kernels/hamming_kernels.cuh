// The Hamming kernels' device code and launch shapes; the launchers are in kernels/hamming.cu, the contracts in
// kernels/hamming.cuh. Internal linkage: the emulated tests compile these same functions for the host.
#pragma once
#include <algorithm>
#include <cstdint>

#include "kernels/device_utils.cuh"

namespace zcnas::cuda {
namespace {

constexpr int kTile = 32;        // pairs per block: kTile x kTile
constexpr int kChunkWords = 64;  // words staged in shared memory per step
constexpr int kHammingThreads = 256;
constexpr int kRowsPerThread = kTile / (kHammingThreads / kWarp);  // 4
constexpr int kElementThreads = 256;                               // one thread per element kernels

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

struct PopcountLaunch {
  LaunchShape shape;
  int64_t tiles = 0;            // kTile-row tiles of the batch
  int64_t words_per_split = 0;  // words per blockIdx.y, whole chunks
};

// One block per tile pair of the upper triangle; the words are split so that a launch has a few hundred blocks.
inline PopcountLaunch popcount_launch(int64_t batch, int64_t words) {
  PopcountLaunch l;
  l.tiles = ceil_div(batch, kTile);
  const int64_t pairs = l.tiles * (l.tiles + 1) / 2;
  const int64_t chunks = std::max<int64_t>(1, ceil_div(words, kChunkWords));
  const int64_t splits = std::clamp<int64_t>(ceil_div(256, pairs), 1, std::min<int64_t>(chunks, 65535));
  l.words_per_split = ceil_div(chunks, splits) * kChunkWords;
  l.shape.grid = dim3(static_cast<unsigned>(pairs),
                      static_cast<unsigned>(ceil_div(std::max<int64_t>(words, 1), l.words_per_split)));
  l.shape.block = dim3(kHammingThreads);
  return l;
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

inline LaunchShape expand_bits_launch(int64_t batch, int64_t chunk) {
  return one_thread_per_item(batch * chunk, kElementThreads);
}

// popcounts[b] = number of set bits of row b. One block per row.
__global__ void row_popcount_kernel(const uint64_t* __restrict__ bits, int64_t words, int64_t* __restrict__ popcounts) {
  const uint64_t* row = bits + static_cast<int64_t>(blockIdx.x) * words;
  long long count = 0;
  for (int64_t w = threadIdx.x; w < words; w += blockDim.x) count += __popcll(row[w]);
  count = block_sum(count);
  if (threadIdx.x == 0) popcounts[blockIdx.x] = count;
}

inline LaunchShape row_popcount_launch(int64_t batch) {
  return LaunchShape{dim3(static_cast<unsigned>(batch)), dim3(kElementThreads), 0};
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

// combine_gram_kernel and flag_identical_samples_kernel: one thread per entry of K.
inline LaunchShape pairwise_launch(int64_t batch) { return one_thread_per_item(batch * batch, kElementThreads); }

}  // namespace
}  // namespace zcnas::cuda
