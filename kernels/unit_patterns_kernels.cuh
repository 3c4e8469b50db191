// The sign-pattern kernels' device code and launch shapes; the launchers are in kernels/unit_patterns.cu, the
// contracts in kernels/unit_patterns.hpp. Internal linkage: the emulated tests compile these same functions for
// the host.
#pragma once
#include <cstdint>

#include "kernels/device_utils.cuh"

namespace zcnas::cuda {
namespace {

constexpr int kPatternThreads = 256;

// One thread per unit: the 32 units of a warp read the same word of each row, so each row's read is a
// broadcast.
__global__ void unit_patterns_kernel(const uint64_t* __restrict__ bits, int64_t row_words, int64_t batch, int64_t units,
                                     uint64_t* __restrict__ keys) {
  const int64_t u = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (u >= units) return;
  const int64_t w = u / 64;
  const int shift = static_cast<int>(u % 64);
  uint64_t key = 0;
  for (int64_t b = 0; b < batch; ++b) key |= ((bits[b * row_words + w] >> shift) & 1u) << b;
  keys[u] = key;
}

inline LaunchShape unit_patterns_launch(int64_t units) { return one_thread_per_item(units, kPatternThreads); }

// One thread per key; atomicOr makes the bitmap independent of the order of the threads.
__global__ void mark_patterns_kernel(const uint64_t* __restrict__ keys, int64_t count, uint64_t* __restrict__ bitmap) {
  const int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (t >= count) return;
  const uint64_t k = keys[t];
  atomicOr(reinterpret_cast<unsigned long long*>(bitmap + (k >> 6)), 1ull << (k & 63));
}

inline LaunchShape mark_patterns_launch(int64_t count) { return one_thread_per_item(count, kPatternThreads); }

// One thread per row of K.
__global__ void count_equal_to_diagonal_kernel(const int64_t* __restrict__ K, int64_t batch,
                                               int64_t* __restrict__ counts) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= batch) return;
  const int64_t* row = K + i * batch;
  int64_t c = 0;
  for (int64_t j = 0; j < batch; ++j) c += row[j] == row[i] ? 1 : 0;
  counts[i] = c;
}

inline LaunchShape count_equal_launch(int64_t batch) { return one_thread_per_item(batch, kPatternThreads); }

}  // namespace
}  // namespace zcnas::cuda
