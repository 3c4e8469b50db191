// The parameter-drawing kernels' device code and launch shapes; the launchers are in kernels/init_params.cu,
// the contracts in kernels/init_params.cuh. Internal linkage: the emulated tests compile these same functions
// for the host. blockIdx.y picks the parameter, blocks along x stride over its elements; the parameter table
// travels in the kernel's arguments, so drawing needs no upload.
#pragma once
#include <algorithm>
#include <cstdint>

#include "core/random.hpp"
#include "kernels/device_utils.cuh"
#include "kernels/init_params.cuh"

namespace zcnas::cuda {
namespace {

constexpr int kParamsPerLaunch = 64;  // 64 x 32 bytes of arguments, well inside the 4 KB limit
constexpr int kInitThreads = 256;
constexpr int64_t kMaxParamBlocks = 256;  // blocks along x per parameter; larger ones stride

struct UniformParamTable {
  UniformParam params[kParamsPerLaunch];
};

__global__ void draw_uniform_params_kernel(UniformParamTable table, uint64_t seed) {
  const UniformParam p = table.params[blockIdx.y];
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < p.count;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const double u = counter_uniform01(seed, p.key, static_cast<uint64_t>(i));
    // bound * (2u - 1) with the host's roundings: 2u is exact, then one subtraction and one product.
    p.out[i] = static_cast<float>(__dmul_rn(p.bound, __dsub_rn(2.0 * u, 1.0)));
  }
}

// Calls launch(shape, table) for each group of up to kParamsPerLaunch consecutive parameters that has an
// element to draw, with up to max_blocks blocks per parameter (the launcher: kMaxParamBlocks).
template <typename LaunchFn>
void for_each_uniform_params_launch(const UniformParam* params, int64_t n, int64_t max_blocks, LaunchFn&& launch) {
  for (int64_t first = 0; first < n; first += kParamsPerLaunch) {
    const int64_t m = std::min<int64_t>(kParamsPerLaunch, n - first);
    UniformParamTable table{};
    int64_t largest = 0;
    for (int64_t k = 0; k < m; ++k) {
      table.params[k] = params[first + k];
      largest = std::max(largest, params[first + k].count);
    }
    if (largest == 0) continue;
    const auto blocks = static_cast<unsigned>(std::min(ceil_div(largest, kInitThreads), max_blocks));
    launch(LaunchShape{dim3(blocks, static_cast<unsigned>(m)), dim3(kInitThreads), 0}, table);
  }
}

__global__ void fill_constant_kernel(float* __restrict__ out, int64_t count, float value) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < count) out[i] = value;
}

inline LaunchShape fill_constant_launch(int64_t count) { return one_thread_per_item(count, kInitThreads); }

}  // namespace
}  // namespace zcnas::cuda
