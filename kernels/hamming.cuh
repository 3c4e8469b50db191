// Hamming kernel accumulation on the GPU, with the contract of kernels/hamming.hpp:
// K[i][j] += multiplicity * (units - Hamming(code_i, code_j)) for every pair, K int64 [batch][batch] row-major.
// Two formulations that give identical integers:
//  - accumulate_hamming: popcount of XOR, 32x32 pairs per block, words split across blocks, exact integer
//    atomics (so the result does not depend on the order in which blocks finish);
//  - HammingInt8Gemm: tensor cores. With 0/1 codes, agreements = units - p_i - p_j + 2 * (c_i . c_j), where
//    p is a row's popcount; c . c^T is an int8 GEMM with int32 accumulation (cuBLAS), fed with the bits
//    expanded to one byte per unit in chunks.
// Pointers are device pointers; all work goes on `stream`.
#pragma once
#include <cuda_runtime_api.h>

#include <cstdint>

#include "core/cuda_context.hpp"
#include "kernels/hamming.hpp"

namespace zcnas::cuda {

// bits: [batch][words], zero past `units`; K: [batch][batch].
void accumulate_hamming(const uint64_t* bits, int64_t batch, int64_t words, int64_t units, int64_t multiplicity,
                        int64_t* K, cudaStream_t stream);

class HammingInt8Gemm {
 public:
  explicit HammingInt8Gemm(cudaStream_t stream);
  void accumulate(const uint64_t* bits, int64_t batch, int64_t words, int64_t units, int64_t multiplicity, int64_t* K);

 private:
  cudaStream_t stream_;
  CublasHandle cublas_;
  DeviceBuffer<int8_t> codes_;       // [batch][chunk words * 64]
  DeviceBuffer<int32_t> gram_;       // [batch][batch], c . c^T
  DeviceBuffer<int64_t> popcounts_;  // [batch]
};

// out[i] = double(K[i] + offset) for i < count: the float64 kernel handed to the log-determinant, with the
// agreements of hooked tensors that are known to be all zero (offset) added to every entry.
void kernel_to_double(const int64_t* K, int64_t count, int64_t offset, double* out, cudaStream_t stream);

// *flag = 1 when two distinct samples have identical codes, else 0. Every diagonal entry of a Hamming
// kernel is the total number of units, and a pair agrees on all of them only when its codes are equal, so
// this is K[i][j] == K[i][i] for some i != j: K is then exactly singular and NASWOT is -inf, whatever
// rounding a factorisation of it would show.
void flag_identical_samples(const int64_t* K, int64_t batch, int* flag, cudaStream_t stream);

}  // namespace zcnas::cuda
