// The CUDA backend's options. make_cuda_backend(device) in scores/backend.hpp uses the defaults; this
// overload exists in CUDA builds only (ZCNAS_WITH_CUDA), so callers guard it with that macro.
#pragma once
#include <memory>

#include "scores/backend.hpp"

namespace zcnas {

struct CudaBackendOptions {
  int device = 0;
  // Networks in flight: each lane has its own stream, executor, workspace and host thread, so one lane's
  // host planning and small kernels overlap another's convolutions.
  int lanes = 4;
  // Kernels per batched log-determinant (and per host synchronisation) in each lane.
  int logdet_batch = 64;
  // TF32 tensor-core convolutions: faster, and near-zero activations round differently, so scores move.
  bool tf32 = false;
  // Winograd/FFT convolutions (see CudaExecutorOptions::transform_convolutions).
  bool transform_convolutions = false;
  // The Hamming kernel through int8 tensor-core GEMM instead of popcounts (identical integers).
  bool int8_hamming = false;
};

#ifdef ZCNAS_WITH_CUDA
std::unique_ptr<Backend> make_cuda_backend(const CudaBackendOptions& options);
#endif

}  // namespace zcnas
