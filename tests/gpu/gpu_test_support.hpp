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

// Random packed codes [batch][words] with the bits past `units` zero (the packing contract).
inline std::vector<uint64_t> random_bits(int64_t batch, int64_t words, int64_t units, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> bits(static_cast<size_t>(batch * words));
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t w = 0; w < words; ++w) {
      const int64_t valid = std::clamp<int64_t>(units - 64 * w, 0, 64);
      const uint64_t mask = valid == 64 ? ~uint64_t{0} : (uint64_t{1} << valid) - 1;
      bits[static_cast<size_t>(b * words + w)] = rng() & mask;
    }
  return bits;
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
