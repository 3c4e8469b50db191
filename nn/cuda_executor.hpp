// The CUDA executor: runs a Network's forward plan (nn/forward_plan.hpp, walked by nn/plan_executor.hpp) on
// one GPU stream in float32, sample-major [B, C, H, W], with the CUDA op table: cuDNN convolutions (the
// algorithm measured once per shape, shared by all executors of a context) and the project's kernels. The
// arena grows only when a larger network arrives. Nothing in a forward synchronises the host.
#pragma once
#include <cuda_runtime_api.h>

#include <cstddef>
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
namespace cuda {
class CudaContext;
}

enum class ConvMath {
  Fp32,  // FMA only: the CPU's arithmetic, up to summation order
  Tf32,  // tensor cores with 10-bit mantissas: faster, and scores move
};

struct CudaExecutorOptions {
  ConvMath math = ConvMath::Fp32;
  // Let cuDNN use Winograd and FFT convolutions. They round differently from a direct sum (relative errors
  // near 1e-5 rather than 1e-7), which flips more near-zero sign bits, so they are off by default.
  bool transform_convolutions = false;
  size_t conv_workspace_limit = size_t{256} << 20;  // bytes, per executor
};

// A device tensor of a forward, sample-major; valid for work queued on the executor's stream before its
// next forward.
struct DeviceTensorView {
  const float* data = nullptr;
  Shape shape;
};

class CudaExecutor {
 public:
  // stream: the caller's stream, or null for a stream owned by the executor. The context must outlive it.
  explicit CudaExecutor(cuda::CudaContext& context, cudaStream_t stream = nullptr, CudaExecutorOptions options = {});
  ~CudaExecutor();
  CudaExecutor(const CudaExecutor&) = delete;
  CudaExecutor& operator=(const CudaExecutor&) = delete;

  cudaStream_t stream() const;
  const CudaExecutorOptions& options() const;

  // Parameters for the next forwards of `net` (which must stay alive): copied from a store, or drawn on the
  // exactly as init_params(net, seed) draws them (on the device, or on the host when the device cannot).
  void upload_params(const Network& net, const ParamStore& params);
  void draw_params(const Network& net, uint64_t seed);
  // The parameters on the device, as a host store (synchronises the stream).
  ParamStore download_params(const Network& net);

  // Runs `net` on a device batch [batch, C, H, W] matching its input node. With sign_bits, the hooked
  // tensors' codes are written too (see hooked_sign_bits()). Queues work on stream() and returns at once.
  DeviceTensorView forward(const Network& net, const float* input, int64_t batch, bool sign_bits = false);
  // The same with what the plan keeps: taps and batch-norm statistics are read by download_observed().
  DeviceTensorView forward(const Network& net, const float* input, int64_t batch, const PlanOutputs& outputs);
  const HookedSignBits& hooked_sign_bits() const;
  // Host copies of the last forward's taps and of every batch norm's batch variance (synchronises the stream).
  ObservedForward download_observed();

  // Host copy of a forward's tensor (synchronises the stream).
  Tensor download(const DeviceTensorView& view);

  size_t device_bytes() const;  // device memory held by this executor

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace zcnas
