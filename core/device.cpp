// Device choice: the one place where "auto", "cpu" and "cuda" are read and resolved.
#include "core/device.hpp"

#ifdef ZCNAS_WITH_CUDA
#include <cuda_runtime_api.h>
#endif

#include "core/error.hpp"

namespace zcnas {

const char* device_name(Device device) { return device == Device::Cuda ? "cuda" : "cpu"; }

DeviceChoice parse_device(const std::string& text) {
  if (text == "auto") return DeviceChoice::Auto;
  if (text == "cpu") return DeviceChoice::Cpu;
  if (text == "cuda") return DeviceChoice::Cuda;
  throw Error(fmt::format("unknown device '{}' (use auto, cpu or cuda)", text));
}

#ifdef ZCNAS_WITH_CUDA
namespace {
// The runtime's reason when it finds no device, e.g. "cudaErrorNoDevice: no CUDA-capable device is detected".
std::string cuda_absence_reason() {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status == cudaSuccess) return "cudaGetDeviceCount found none";
  cudaGetLastError();  // clear it: "no device" is an answer here, not an error
  return fmt::format("cudaGetDeviceCount: {}: {}", cudaGetErrorName(status), cudaGetErrorString(status));
}
}  // namespace

int cuda_device_count() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return count;
}
#else
int cuda_device_count() { return 0; }
#endif

Device resolve_device(DeviceChoice choice, std::string* note) {
  switch (choice) {
    case DeviceChoice::Cpu:
      return Device::Cpu;
    case DeviceChoice::Cuda:
#ifdef ZCNAS_WITH_CUDA
      if (cuda_device_count() == 0)
        throw Error(fmt::format("--device cuda: no CUDA device is available ({})", cuda_absence_reason()));
      return Device::Cuda;
#else
      throw Error("--device cuda: this zcnas was built without CUDA (no nvcc/cuDNN at configure time)");
#endif
    case DeviceChoice::Auto:
      if (cuda_device_count() > 0) return Device::Cuda;
      if (note) *note = "no CUDA device found: --device auto falls back to the CPU";
      return Device::Cpu;
  }
  return Device::Cpu;
}

}  // namespace zcnas
