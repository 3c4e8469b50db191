// Sign patterns on the GPU, with the contracts of kernels/unit_patterns.hpp. Pointers are device pointers; all
// work goes on `stream`.
#pragma once
#include <cuda_runtime_api.h>

#include <cstdint>

#include "kernels/unit_patterns.hpp"

namespace zcnas::cuda {

void unit_patterns(const uint64_t* bits, int64_t row_words, int64_t batch, int64_t units, uint64_t* keys,
                   cudaStream_t stream);
void mark_patterns(const uint64_t* keys, int64_t count, uint64_t* bitmap, cudaStream_t stream);
void count_equal_to_diagonal(const int64_t* K, int64_t batch, int64_t* counts, cudaStream_t stream);

}  // namespace zcnas::cuda
