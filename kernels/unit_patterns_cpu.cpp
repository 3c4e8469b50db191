// Sign patterns on the CPU: unit patterns gathered word by word, set bits visited by count-trailing-zeros.
#include <algorithm>

#include "core/error.hpp"
#include "kernels/unit_patterns.hpp"

namespace zcnas {

void unit_patterns_cpu(const uint64_t* bits, int64_t row_words, int64_t batch, int64_t units, uint64_t* keys) {
  ZCNAS_REQUIRE(batch >= 0 && batch <= kMaxUnitPatternBatch && units >= 0 && row_words * 64 >= units,
                "unit patterns: batch {} (at most {}), units {}, {} words per row", batch, kMaxUnitPatternBatch, units,
                row_words);
  std::fill(keys, keys + units, uint64_t{0});
  const int64_t words = (units + 63) / 64;
  for (int64_t b = 0; b < batch; ++b) {
    const uint64_t* row = bits + b * row_words;
    const uint64_t bit = uint64_t{1} << b;
    for (int64_t w = 0; w < words; ++w) {
      uint64_t word = row[w];
      if (w == words - 1 && units % 64 != 0) word &= (uint64_t{1} << (units % 64)) - 1;  // padding is not a unit
      while (word != 0) {
        keys[w * 64 + __builtin_ctzll(word)] |= bit;
        word &= word - 1;
      }
    }
  }
}

void mark_patterns_cpu(const uint64_t* keys, int64_t count, uint64_t* bitmap) {
  for (int64_t u = 0; u < count; ++u) bitmap[keys[u] >> 6] |= uint64_t{1} << (keys[u] & 63);
}

void count_equal_to_diagonal_cpu(const int64_t* K, int64_t batch, int64_t* counts) {
  for (int64_t i = 0; i < batch; ++i) {
    const int64_t* row = K + i * batch;
    counts[i] = std::count(row, row + batch, row[i]);
  }
}

}  // namespace zcnas
