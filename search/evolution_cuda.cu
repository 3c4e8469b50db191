// Searches on a CUDA device: the populations, their ages (a ring per run, the oldest at its head),
// tournaments and mutations live in device memory, one thread per run, through the same steps as the CPU
// twin (evolution_steps.hpp). With a TableFitness the whole search is a handful of kernels; with live
// scoring only the children's indices go to the host, once per generation, to be scored. The kernels are in
// evolution_kernels.cuh and the sequence of steps in evolution_device.hpp; this file gives it a CUDA stream.
#include <thrust/execution_policy.h>

#include <algorithm>
#include <vector>

#include "core/cuda_check.hpp"
#include "core/cuda_context.hpp"
#include "core/device.hpp"
#include "kernels/launch.cuh"
#include "search/evolution.hpp"
#include "search/evolution_device.hpp"

namespace zcnas {
namespace {

// evolution::device_search's Device on a CUDA stream.
class CudaSearchDevice {
 public:
  explicit CudaSearchDevice(cudaStream_t stream) : stream_(stream) {}

  template <typename T>
  cuda::DeviceBuffer<T> allocate(size_t count) const {
    return cuda::DeviceBuffer<T>(count);
  }

  template <typename T>
  void upload(cuda::DeviceBuffer<T>& buffer, const std::vector<T>& host) const {
    buffer.reserve_discard(std::max<size_t>(host.size(), 1));
    if (host.empty()) return;
    ZCNAS_CUDA_CHECK(
        cudaMemcpyAsync(buffer.data(), host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice, stream_));
    ZCNAS_CUDA_CHECK(cudaStreamSynchronize(stream_));  // the caller may free `host` on return
  }

  template <typename T>
  std::vector<T> download(const cuda::DeviceBuffer<T>& buffer, size_t count) const {
    std::vector<T> host(count);
    if (count > 0)
      ZCNAS_CUDA_CHECK(cudaMemcpyAsync(host.data(), buffer.data(), count * sizeof(T), cudaMemcpyDeviceToHost, stream_));
    ZCNAS_CUDA_CHECK(cudaStreamSynchronize(stream_));
    return host;
  }

  void zero(cuda::DeviceBuffer<uint8_t>& buffer, size_t count) const {
    ZCNAS_CUDA_CHECK(cudaMemsetAsync(buffer.data(), 0, count, stream_));
  }

  // What ZCNAS_LAUNCH does, with the name and line of the orchestration's launch.
  template <typename Kernel, typename... Args>
  void launch(Kernel kernel, const char* name, const char* file, int line, const cuda::LaunchShape& shape,
              Args... args) const {
    cuda::launch_kernel(kernel, name, file, line, shape, stream_, args...);
  }

  auto policy() const { return thrust::cuda::par.on(stream_); }

 private:
  cudaStream_t stream_;
};

}  // namespace

std::vector<SearchRun> search_device(const SearchSpace& search_space, Fitness& fitness, const SearchConfig& config,
                                     int64_t runs, int64_t first_run, int device) {
  evolution::validate_runs(config, runs, first_run);
  ZCNAS_REQUIRE(cuda_device_count() > 0, "search_device: no CUDA device on this machine");
  if (runs == 0) return {};

  cuda::CudaContext context(device);
  const cuda::Stream stream = cuda::Stream::create();
  CudaSearchDevice on_stream(stream.get());
  return evolution::device_search(on_stream, search_space, fitness, config, runs, first_run);
}

}  // namespace zcnas
