// Shared helpers for the GPU tests: skipping without a device, host <-> device copies, seeded data.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "core/cuda_context.hpp"
#include "scores/backend.hpp"
#include "scores/naswot.hpp"
#include "scores/score_set.hpp"
#include "test_support.hpp"

namespace zcnas::test {

// Why there is no usable device, in the runtime's words.
inline std::string no_gpu_reason() {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    cudaGetLastError();
    return fmt::format("cudaGetDeviceCount: {} ({})", cudaGetErrorName(status), cudaGetErrorString(status));
  }
  return "cudaGetDeviceCount found none";
}

template <typename T>
cuda::DeviceBuffer<T> to_device(const std::vector<T>& host) {
  cuda::DeviceBuffer<T> d(std::max<size_t>(host.size(), 1));
  if (!host.empty())
    ZCNAS_CUDA_CHECK(cudaMemcpy(d.data(), host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
  return d;
}

template <typename T>
std::vector<T> to_host(const T* device, size_t count) {
  std::vector<T> host(count);
  ZCNAS_CUDA_CHECK(cudaDeviceSynchronize());  // surfaces faults of the kernels under test
  if (count) ZCNAS_CUDA_CHECK(cudaMemcpy(host.data(), device, count * sizeof(T), cudaMemcpyDeviceToHost));
  return host;
}

// NASWOT of every job through a backend, with K, as the score set computes it.
inline std::vector<NaswotResult> naswot_on(Backend& backend, const std::vector<NetworkJob>& jobs, const Tensor& input,
                                           bool keep_kernel) {
  ScoreOptions options;
  options.keep_kernel = keep_kernel;
  const auto scored = ScoreSet({"naswot"}, options).score(jobs, backend, {&input, nullptr});
  std::vector<NaswotResult> out;
  out.reserve(jobs.size());
  for (size_t j = 0; j < jobs.size(); ++j)
    out.push_back({scored[j].values[0], scored[j].kernel, jobs[j].net->hooked_tensors(), jobs[j].net->hooked_units()});
  return out;
}

}  // namespace zcnas::test

// Skips the test, saying why, on a machine without a usable CUDA device.
#define ZCNAS_REQUIRE_GPU()                                                                                      \
  do {                                                                                                           \
    if (::zcnas::cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device: " << ::zcnas::test::no_gpu_reason(); \
  } while (0)
