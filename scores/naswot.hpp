// NASWOT (Mellor et al., ICML 2021): the Hamming kernel K of the ReLU sign patterns of one batch, and its
// log|det|. SPEC.md §2 states which tensors are counted and how often. One pipeline for every device: the
// executor's fused node op writes the sign bits, the device's kernels accumulate K and factorise it.
#pragma once
#include <cstdint>

#include "core/tensor.hpp"
#include "nn/cpu_executor.hpp"

namespace zcnas {

struct NaswotResult {
  double score = 0.0;  // log|det K|; -inf when K is singular
  TensorF64 K;         // [B, B]
  int64_t hooked_tensors = 0;
  int64_t hooked_units = 0;  // per sample, with multiplicity
};

// One network on the CPU, with its kernel: for tests, benchmarks and single-network tools.
NaswotResult naswot_cpu(CpuExecutor<float>& exec, const Network& net, const ParamStore& params, const Tensor& input);

}  // namespace zcnas
