// Distinct sign patterns of a batch (the CPU ops here; the CUDA kernels in unit_patterns.cuh, same contracts).
// SWAP counts the distinct patterns of the units (one bit per sample), linear regions the distinct patterns of
// the samples (one bit per unit); both read the sign bits that NASWOT's Hamming kernel reads.
#pragma once
#include <cstdint>

namespace zcnas {

// Unit patterns are one uint64 each, so a batch has at most 64 samples.
constexpr int64_t kMaxUnitPatternBatch = 64;
// Up to this batch, the distinct patterns are marked in a bitmap of 2^batch bits (2 MiB at most).
constexpr int64_t kMaxPatternBitmapBatch = 24;

// keys[u] = sum over samples b of bit u of row b, shifted to bit b, for u < units: the pattern of unit u.
// Row b of the tensor's codes starts at bits + b * row_words; batch <= kMaxUnitPatternBatch.
void unit_patterns_cpu(const uint64_t* bits, int64_t row_words, int64_t batch, int64_t units, uint64_t* keys);

// bitmap[k / 64] |= 1 << (k % 64) for each of the `count` keys (the bitmap holds every key).
void mark_patterns_cpu(const uint64_t* keys, int64_t count, uint64_t* bitmap);

// counts[i] = #{j : K[i][j] == K[i][i]} over a Hamming kernel K [batch][batch] (kernels/hamming.hpp): the
// samples whose codes equal sample i's, itself included.
void count_equal_to_diagonal_cpu(const int64_t* K, int64_t batch, int64_t* counts);

}  // namespace zcnas
