// The CPU executor: runs a Network on the host. It is the reference that every CUDA op is tested against.
// Activations are kept channel-major, [C][B][H*W], so that a convolution is one GEMM per block of images
// (weights [Cout, Cin*k*k] x im2col [Cin*k*k, images*H*W]) and batch norm reads each channel contiguously.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "core/tensor.hpp"
#include "nn/network.hpp"
#include "nn/params.hpp"

namespace zcnas {

// A hooked tensor as the CPU executor holds it: data[(c * batch + b) * spatial + s].
template <typename T>
struct HookedTensor {
  int node = 0;
  int multiplicity = 0;
  const T* data = nullptr;
  int64_t channels = 0, batch = 0, spatial = 0;
};

template <typename T>
class CpuExecutor {
 public:
  using HookFn = std::function<void(const HookedTensor<T>&)>;

  // threads <= 0: OpenMP's default (every core).
  explicit CpuExecutor(int threads = 0);

  // input: [B, C, H, W] matching the network's Input node. Calls on_hook for every hooked node as soon as
  // it is computed. Returns the output node as [B, C, H, W].
  BasicTensor<T> forward(const Network& net, const ParamStore& params, const Tensor& input,
                         const HookFn& on_hook = {});

  int threads() const { return threads_; }

  // Wall seconds spent per op kind (indexed by OpKind) and in hook callbacks, summed over every forward.
  const std::vector<double>& op_seconds() const { return op_seconds_; }
  double hook_seconds() const { return hook_seconds_; }

 private:
  std::vector<T> acquire(size_t n);
  void release(std::vector<T>&& buf);

  int threads_;
  std::vector<std::vector<T>> pool_;      // released activation buffers, reused across nodes and forwards
  std::vector<std::vector<T>> scratch_;   // per-thread im2col buffers
  std::vector<double> op_seconds_;
  double hook_seconds_ = 0.0;
};

extern template class CpuExecutor<float>;
extern template class CpuExecutor<double>;

}  // namespace zcnas
