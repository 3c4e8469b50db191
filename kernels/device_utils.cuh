// Device-side helpers shared by the kernels: launch shapes, warp-level sign-bit packing and block reductions.
// Included by the kernel headers (kernels/*_kernels.cuh), which nvcc and the SIMT emulator of the tests both
// compile; like them, it holds no launch syntax and no library call.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

namespace zcnas::cuda {

constexpr int kWarp = 32;
constexpr unsigned kFullMask = 0xffffffffu;

__host__ __device__ inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// The grid, block and dynamic shared memory of one launch. Each kernel header computes its kernels' shapes, so
// the .cu launcher and the emulated tests launch exactly the same grid.
struct LaunchShape {
  dim3 grid{1, 1, 1};
  dim3 block{1, 1, 1};
  size_t shared_bytes = 0;
};

// One thread per item, `threads` per block.
inline LaunchShape one_thread_per_item(int64_t items, int threads) {
  return LaunchShape{dim3(static_cast<unsigned>(ceil_div(items, threads))), dim3(static_cast<unsigned>(threads)), 0};
}

// Dynamic shared memory as `T name[]`, sized by the launch. The emulator cannot give `extern __shared__` a
// per-launch size, so it hands out the launch's buffer instead.
#ifdef ZCNAS_SIMT_EMULATOR
#define ZCNAS_DYNAMIC_SHARED(T, name) T* name = ::simt::dynamic_shared<T>()
#else
#define ZCNAS_DYNAMIC_SHARED(T, name) extern __shared__ T name[]
#endif

// One warp packs `span_words` (1..32) consecutive 64-bit words of one sample. Step k covers units
// [64*first_word + 32k, +32): lane i tests unit +i, a ballot gathers the warp's 32 bits, and the half-word
// lands in the lane that owns word k/2. On return lane l < span_words holds word first_word + l, so the warp
// stores its words in one coalesced write. Units at or past `units` read as 0 (padding bits).
// positive(u) is called once for every unit u < units of the span; it may also write outputs.
// The whole warp must be active.
template <typename Positive>
__device__ __forceinline__ uint64_t warp_pack_span(int64_t first_word, int span_words, int64_t units,
                                                   Positive positive) {
  const int lane = static_cast<int>(threadIdx.x) & (kWarp - 1);
  const int64_t base = first_word * 64;
  uint64_t word = 0;
#pragma unroll 4
  for (int k = 0; k < 2 * span_words; ++k) {
    const int64_t u0 = base + k * kWarp;
    if (u0 >= units) break;  // uniform across the warp: the rest of the span is padding
    const int64_t u = u0 + lane;
    const bool bit = u < units && positive(u);
    const uint32_t ballot = __ballot_sync(kFullMask, bit);
    if (lane == (k >> 1)) word |= static_cast<uint64_t>(ballot) << ((k & 1) * 32);
  }
  return word;
}

// Words per warp for a launch over `total_words` words: whole warps of 32 words while that still gives
// enough warps to hide memory latency (about 4096, 32 per SM of a large GPU), fewer words per warp below.
inline int span_words_for(int64_t total_words) {
  int span = kWarp;
  while (span > 1 && total_words / span < 4096) span /= 2;
  return span;
}

template <typename T>
__device__ __forceinline__ T warp_sum(T v) {
#pragma unroll
  for (int offset = kWarp / 2; offset > 0; offset /= 2) v += __shfl_down_sync(kFullMask, v, offset);
  return v;
}

// Sum over the block (blockDim.x a multiple of 32, at most 1024); the result is valid in thread 0.
// The order of additions depends only on blockDim, so results are reproducible run to run.
template <typename T>
__device__ __forceinline__ T block_sum(T v) {
  __shared__ T partial[kWarp];
  const int lane = static_cast<int>(threadIdx.x) & (kWarp - 1);
  const int warp = static_cast<int>(threadIdx.x) / kWarp;
  v = warp_sum(v);
  __syncthreads();  // a previous call may still be reading `partial`
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  const int warps = static_cast<int>(blockDim.x) / kWarp;
  v = static_cast<int>(threadIdx.x) < warps ? partial[threadIdx.x] : T(0);
  if (warp == 0) v = warp_sum(v);
  return v;
}

}  // namespace zcnas::cuda
