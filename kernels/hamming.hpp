// Hamming kernel accumulation (CPU twin): K[i][j] += multiplicity * (units - Hamming(code_i, code_j)),
// i.e. the number of units on which samples i and j agree, for every pair, K symmetric.
#pragma once
#include <cstdint>

namespace zcnas {

// bits: [batch][words] with zero padding past `units`; K: [batch][batch], row-major.
void accumulate_hamming_cpu(const uint64_t* bits, int64_t batch, int64_t words, int64_t units, int64_t multiplicity,
                            int64_t* K);

}  // namespace zcnas
