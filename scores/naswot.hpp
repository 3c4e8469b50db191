// NASWOT (Mellor et al., ICML 2021): the Hamming kernel of the ReLU sign patterns of one batch, and its
// log|det|. SPEC.md §2 states which tensors are counted and how often.
#pragma once
#include <cstdint>

#include "core/tensor.hpp"
#include "nn/cpu_executor.hpp"

namespace zcnas {

struct NaswotResult {
  double score = 0.0;       // log|det K|; -inf when K is singular
  TensorF64 K;              // [B, B]
  int64_t hooked_tensors = 0;
  int64_t hooked_units = 0;  // per sample, with multiplicity
};

// Accumulates K from hooked tensors as an executor produces them; each tensor's codes are packed once
// and weighted by its multiplicity.
class NaswotAccumulator {
 public:
  explicit NaswotAccumulator(int64_t batch);
  template <typename T>
  void add(const HookedTensor<T>& t);
  NaswotResult finish() const;

 private:
  int64_t batch_;
  std::vector<int64_t> K_;
  std::vector<uint64_t> bits_;
  int64_t tensors_ = 0, units_ = 0;
};

// One forward pass of `net` on the CPU, scored by NASWOT.
NaswotResult naswot_cpu(CpuExecutor<float>& exec, const Network& net, const ParamStore& params, const Tensor& input);

}  // namespace zcnas
