// The fused node kernel on the GPU; contract and CPU twin in kernels/pointwise.hpp. Device pointers.
#pragma once
#include <cuda_runtime_api.h>

#include "kernels/pointwise.hpp"

namespace zcnas::cuda {

void pointwise(const PointwiseShape& shape, const PointwiseTerm* terms, int n_terms, const PointwiseOutputs& out,
               cudaStream_t stream);

}  // namespace zcnas::cuda
