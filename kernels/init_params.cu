// Device parameter drawing's launchers: argument checks, then the launches of kernels/init_params_kernels.cuh.
#include "core/cuda_check.hpp"
#include "kernels/init_params.cuh"
#include "kernels/init_params_kernels.cuh"
#include "kernels/launch.cuh"

namespace zcnas::cuda {

void draw_uniform_params(const UniformParam* params, int64_t n, uint64_t seed, cudaStream_t stream) {
  for (int64_t k = 0; k < n; ++k) {
    const UniformParam& p = params[k];
    ZCNAS_REQUIRE(p.count >= 0 && (p.count == 0 || p.out != nullptr),
                  "draw_uniform_params: parameter {} has count {} and output {}", k, p.count,
                  static_cast<const void*>(p.out));
  }
  for_each_uniform_params_launch(params, n, kMaxParamBlocks, [&](const LaunchShape& shape, const UniformParamTable& t) {
    ZCNAS_LAUNCH(draw_uniform_params_kernel, shape, stream, t, seed);
  });
}

void fill_constant(float* out, int64_t count, float value, cudaStream_t stream) {
  if (count == 0) return;
  ZCNAS_REQUIRE(count > 0 && out != nullptr, "fill_constant: count {} into {}", count, static_cast<const void*>(out));
  ZCNAS_LAUNCH(fill_constant_kernel, fill_constant_launch(count), stream, out, count, value);
}

}  // namespace zcnas::cuda
