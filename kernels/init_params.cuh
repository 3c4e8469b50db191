// Parameters drawn on the device with the counter-based generator of init_params (nn/params.cpp), its CPU
// twin: element i of a U(-bound, bound) parameter is float(bound * (2u - 1)) with
// u = counter_uniform01(seed, name_key(name), i), so device and host agree bit for bit.
#pragma once
#include <cuda_runtime_api.h>

#include <cstdint>

namespace zcnas::cuda {

struct UniformParam {
  uint64_t key = 0;    // name_key(name)
  double bound = 0.0;  // values in U(-bound, +bound)
  int64_t count = 0;   // elements
  float* out = nullptr;
};

// Fills every params[k].out; one launch per 64 parameters.
void draw_uniform_params(const UniformParam* params, int64_t n, uint64_t seed, cudaStream_t stream);

// out[i] = value for i < count.
void fill_constant(float* out, int64_t count, float value, cudaStream_t stream);

}  // namespace zcnas::cuda
