// SWAP (Peng et al., ICLR 2024) and the number of linear regions (Chen et al., ICLR 2021, TE-NAS): distinct
// sign patterns of the ReLU tensors (SPEC.md §8.1, §8.4), read from the hooked pass's sign bits. SWAP counts
// the distinct patterns of the units over the batch, linear regions the distinct patterns of the samples.
#pragma once
#include <cstdint>

#include "core/tensor.hpp"
#include "nn/cpu_executor.hpp"

namespace zcnas {

// The regularisation's centre and width in thousands of parameters. The authors' repo does not give them;
// these are the values the oracle uses to test the formula.
constexpr double kSwapDefaultMu = 600.0;
constexpr double kSwapDefaultSigma = 250000.0;

// SWAP * exp(-(parameters / 1000 - mu)^2 / sigma), in float64.
double regularised_swap(double swap, int64_t parameters, double mu, double sigma);

struct SignPatternResult {
  double swap = 0.0;            // distinct unit patterns
  double linear_regions = 0.0;  // sum of 1 / c_i in float32, c_i the samples sharing sample i's pattern
  TensorF64 H;                  // [B, B] Hamming distances of the samples' ReLU patterns
  int64_t relu_tensors = 0;     // ReLU-module outputs, once per module
  int64_t relu_units = 0;       // per sample, over those
  int64_t parameters = 0;
};

// One network on the CPU (float32, or float64 to see which sign bits sit within float32 rounding of zero), both
// counts and H: for tests, benchmarks and single-network tools.
template <typename T>
SignPatternResult sign_patterns_cpu(CpuExecutor<T>& exec, const Network& net, const ParamStore& params,
                                    const Tensor& input);
extern template SignPatternResult sign_patterns_cpu<float>(CpuExecutor<float>&, const Network&, const ParamStore&,
                                                           const Tensor&);
extern template SignPatternResult sign_patterns_cpu<double>(CpuExecutor<double>&, const Network&, const ParamStore&,
                                                            const Tensor&);

}  // namespace zcnas
