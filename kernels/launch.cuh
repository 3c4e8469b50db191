// Launching a kernel on the shape its header computed: the launch syntax lives here and in the .cu launchers,
// never in a kernel header (those are compiled by the host compiler too, for the emulated tests).
#pragma once
#include <cuda_runtime_api.h>

#include "core/cuda_check.hpp"
#include "kernels/device_utils.cuh"

namespace zcnas::cuda {

template <typename... Params, typename... Args>
void launch_kernel(void (*kernel)(Params...), const char* name, const char* file, int line, const LaunchShape& shape,
                   cudaStream_t stream, Args... args) {
  kernel<<<shape.grid, shape.block, shape.shared_bytes, stream>>>(args...);
  check(cudaGetLastError(), name, file, line);
}

}  // namespace zcnas::cuda

// ZCNAS_LAUNCH(kernel, shape, stream, args...): a bad configuration surfaces here, named; faults inside the
// kernel surface at the next synchronising call.
#define ZCNAS_LAUNCH(kernel, shape, stream, ...) \
  ::zcnas::cuda::launch_kernel(kernel, "launch of " #kernel, __FILE__, __LINE__, shape, stream, __VA_ARGS__)
