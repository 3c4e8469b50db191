// Backends: where networks run. The CPU backend always exists; the CUDA backend exists in builds with CUDA
// and on machines with a GPU. Scores and searches talk to this interface and never to a device API.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/device.hpp"
#include "core/tensor.hpp"
#include "nn/network.hpp"
#include "nn/observed_forward.hpp"
#include "nn/params.hpp"
#include "scores/device_kernels.hpp"

namespace zcnas {

// One network to run: its description and either explicit parameters or a seed for init_params().
struct NetworkJob {
  const Network* net = nullptr;
  const ParamStore* params = nullptr;  // when null, parameters are init_params(*net, init_seed, init)
  uint64_t init_seed = 0;
  ParamScheme init = ParamScheme::Default;
};

class Backend {
 public:
  virtual ~Backend() = default;
  // e.g. "cpu (2 threads)" or "cuda:0 (NVIDIA H100 80GB HBM3)"
  virtual std::string name() const = 0;
  virtual Device device() const = 0;

  // The hooked pass: one forward of every job on one batch [B, 3, H, W] with the hooked tensors' sign bits,
  // handed to reducers made by make_reducer (one per lane; a backend may run several jobs concurrently).
  virtual void hooked_pass(const std::vector<NetworkJob>& jobs, const Tensor& input,
                           const ReducerFactory& make_reducer) = 0;

  // The network's output for the batch, [B, C, 1, 1] in float32 (logits).
  virtual Tensor forward(const NetworkJob& job, const Tensor& input) = 0;

  // A float32 forward that returns the values of the nodes `taps` and every batch norm's batch variance.
  virtual ObservedForward observe(const NetworkJob& job, const Tensor& input, const std::vector<int>& taps) = 0;
};

// float64_signs: the hooked pass in float64, so that no sign bit flips with float32 rounding (forward() stays
// float32).
std::unique_ptr<Backend> make_cpu_backend(int threads = 0, bool float64_signs = false);
// Throws zcnas::Error with the reason when there is no CUDA build or no GPU.
std::unique_ptr<Backend> make_cuda_backend(int device = 0);

// The backend of resolve_device(choice, note) (core/device.hpp): a CPU backend runs cpu_threads (<= 0: every core),
// the CUDA one runs on GPU `cuda_device`.
std::unique_ptr<Backend> make_backend(DeviceChoice choice, std::string* note = nullptr, int cpu_threads = 0,
                                      int cuda_device = 0);

}  // namespace zcnas
