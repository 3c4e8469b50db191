// The Hamming kernel of sign codes (the CPU ops here; the CUDA kernels in hamming.cuh, same contracts).
// K[i][j] += multiplicity * (units - Hamming(code_i, code_j)): the number of units on which samples i and j
// agree, for every pair, K symmetric, int64 [batch][batch] row-major.
#pragma once
#include <cstdint>

namespace zcnas {

// bits: [batch][words] with zero padding past `units`.
void accumulate_hamming_cpu(const uint64_t* bits, int64_t batch, int64_t words, int64_t units, int64_t multiplicity,
                            int64_t* K);

// out[i] = double(K[i] + offset) for i < count: the float64 kernel, with the agreements of tensors known to
// be all zero (offset) added to every entry.
void kernel_to_double_cpu(const int64_t* K, int64_t count, int64_t offset, double* out);

// True when two distinct samples have identical codes. Every diagonal entry is the total number of units,
// and a pair agrees on all of them only when its codes are equal: K[i][j] == K[i][i] for some i != j.
bool identical_samples_cpu(const int64_t* K, int64_t batch);

}  // namespace zcnas
