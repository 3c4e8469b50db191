// The CPU executor: runs a Network's forward plan on the host with the CPU op table (kernels/*_cpu.cpp), in
// float32 or float64, channel-major. It is the reference that every CUDA op is tested against.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/tensor.hpp"
#include "nn/forward_plan.hpp"
#include "nn/hooked_sign_bits.hpp"
#include "nn/network.hpp"
#include "nn/observed_forward.hpp"
#include "nn/params.hpp"

namespace zcnas {

template <typename T>
class CpuExecutor {
 public:
  // threads <= 0: OpenMP's default (every core).
  explicit CpuExecutor(int threads = 0);
  ~CpuExecutor();
  CpuExecutor(const CpuExecutor&) = delete;
  CpuExecutor& operator=(const CpuExecutor&) = delete;

  // input: [B, C, H, W] matching the network's Input node. Returns the output node as [B, C, H, W].
  BasicTensor<T> forward(const Network& net, const ParamStore& params, const Tensor& input);

  // The same forward, keeping the hooked tensors' sign bits (host memory, valid until the next forward).
  HookedSignBits forward_sign_bits(const Network& net, const ParamStore& params, const Tensor& input);

  // The same forward, returning the values of the nodes `taps` and every batch norm's batch variance.
  ObservedForward forward_observed(const Network& net, const ParamStore& params, const Tensor& input,
                                   const std::vector<int>& taps);

  int threads() const;

  // Wall seconds per step kind (indexed by StepKind), summed over every forward.
  const std::array<double, kStepKinds>& step_seconds() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

extern template class CpuExecutor<float>;
extern template class CpuExecutor<double>;

}  // namespace zcnas
