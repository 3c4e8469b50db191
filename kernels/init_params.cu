// Device parameter drawing: blockIdx.y picks the parameter, blocks along x stride over its elements.
// The parameter table travels in the kernel's arguments, so drawing needs no upload.
#include <algorithm>

#include "core/cuda_check.hpp"
#include "core/random.hpp"
#include "kernels/device_utils.cuh"
#include "kernels/init_params.cuh"

namespace zcnas::cuda {
namespace {

constexpr int kParamsPerLaunch = 64;  // 64 x 32 bytes of arguments, well inside the 4 KB limit
constexpr int kThreads = 256;

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

__global__ void fill_constant_kernel(float* __restrict__ out, int64_t count, float value) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < count) out[i] = value;
}

}  // namespace

void draw_uniform_params(const UniformParam* params, int64_t n, uint64_t seed, cudaStream_t stream) {
  for (int64_t first = 0; first < n; first += kParamsPerLaunch) {
    const int64_t m = std::min<int64_t>(kParamsPerLaunch, n - first);
    UniformParamTable table{};
    int64_t largest = 0;
    for (int64_t k = 0; k < m; ++k) {
      const UniformParam& p = params[first + k];
      ZCNAS_REQUIRE(p.count >= 0 && (p.count == 0 || p.out != nullptr),
                    "draw_uniform_params: parameter {} has count {} and output {}", first + k, p.count,
                    static_cast<const void*>(p.out));
      table.params[k] = p;
      largest = std::max(largest, p.count);
    }
    if (largest == 0) continue;
    const dim3 grid(static_cast<unsigned>(std::min<int64_t>(ceil_div(largest, kThreads), 256)),
                    static_cast<unsigned>(m));
    draw_uniform_params_kernel<<<grid, kThreads, 0, stream>>>(table, seed);
    ZCNAS_CUDA_CHECK_LAUNCH(draw_uniform_params_kernel);
  }
}

void fill_constant(float* out, int64_t count, float value, cudaStream_t stream) {
  if (count == 0) return;
  ZCNAS_REQUIRE(count > 0 && out != nullptr, "fill_constant: count {} into {}", count, static_cast<const void*>(out));
  fill_constant_kernel<<<static_cast<unsigned>(ceil_div(count, kThreads)), kThreads, 0, stream>>>(out, count, value);
  ZCNAS_CUDA_CHECK_LAUNCH(fill_constant_kernel);
}

}  // namespace zcnas::cuda
