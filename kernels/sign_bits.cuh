// Sign-bit extraction on the GPU: the launcher for the contract of kernels/sign_bits.hpp (same SignLayout,
// code = x > 0 strictly, 64 units per word, padding bits 0). Pointers are device pointers.
#pragma once
#include <cuda_runtime_api.h>

#include <cstdint>

#include "kernels/sign_bits.hpp"

namespace zcnas::cuda {

// bits: [batch][words], words >= sign_words(layout.units()); reads every element of x once.
template <typename T>
void pack_sign_bits(const T* x, const SignLayout& layout, uint64_t* bits, int64_t words, cudaStream_t stream);

}  // namespace zcnas::cuda
