// Sign-pattern kernels: argument checks and launches (device code in unit_patterns_kernels.cuh).
#include "core/error.hpp"
#include "kernels/launch.cuh"
#include "kernels/unit_patterns.cuh"
#include "kernels/unit_patterns_kernels.cuh"

namespace zcnas::cuda {

void unit_patterns(const uint64_t* bits, int64_t row_words, int64_t batch, int64_t units, uint64_t* keys,
                   cudaStream_t stream) {
  ZCNAS_REQUIRE(batch >= 0 && batch <= kMaxUnitPatternBatch && units >= 0 && row_words * 64 >= units,
                "unit patterns: batch {} (at most {}), units {}, {} words per row", batch, kMaxUnitPatternBatch, units,
                row_words);
  if (units == 0) return;
  ZCNAS_REQUIRE(keys != nullptr && (batch == 0 || bits != nullptr), "unit patterns: null pointer");
  ZCNAS_LAUNCH(unit_patterns_kernel, unit_patterns_launch(units), stream, bits, row_words, batch, units, keys);
}

void mark_patterns(const uint64_t* keys, int64_t count, uint64_t* bitmap, cudaStream_t stream) {
  ZCNAS_REQUIRE(count >= 0, "mark patterns: count {}", count);
  if (count == 0) return;
  ZCNAS_REQUIRE(keys != nullptr && bitmap != nullptr, "mark patterns: null pointer");
  ZCNAS_LAUNCH(mark_patterns_kernel, mark_patterns_launch(count), stream, keys, count, bitmap);
}

void count_equal_to_diagonal(const int64_t* K, int64_t batch, int64_t* counts, cudaStream_t stream) {
  ZCNAS_REQUIRE(batch >= 0, "count_equal_to_diagonal: batch {}", batch);
  if (batch == 0) return;
  ZCNAS_REQUIRE(K != nullptr && counts != nullptr, "count_equal_to_diagonal: null pointer");
  ZCNAS_LAUNCH(count_equal_to_diagonal_kernel, count_equal_launch(batch), stream, K, batch, counts);
}

}  // namespace zcnas::cuda
