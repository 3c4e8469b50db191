// epsilon (Gracheva, arXiv 2302.04406, "epsinas"): two forward passes of one unlabelled batch with every
// weight set to one constant (1e-7, then 1) and every bias to 0; the score compares the min-max normalised
// outputs of the two passes (SPEC.md §2).
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.hpp"
#include "nn/cpu_executor.hpp"
#include "nn/network.hpp"
#include "scores/backend.hpp"

namespace zcnas {

// The two constant weights of the reference (Gracheva 2023), in pass order.
constexpr std::array<float, 2> kEpsilonWeights = {1e-7f, 1.0f};
constexpr int64_t kEpsilonDefaultBatch = 256;

// Float32 reproduces the reference, including the NaN of networks whose w = 1e-7 pass underflows to
// constant outputs. Float64 runs the same passes in double precision (CPU only), where nothing underflows.
enum class EpsilonPrecision { Float32, Float64 };
EpsilonPrecision parse_epsilon_precision(const std::string& text);  // "float32" | "float64"; throws naming it
const char* epsilon_precision_name(EpsilonPrecision precision);

// The score from the flattened outputs of the two passes (equal lengths), as the reference computes it in
// float64: each pass min-max normalised over its non-NaN values, exact zeros (always the minimum) set to
// NaN, then nanmean(|low - high|) / nanmean(low ∪ high). NaN when a pass has all-equal outputs.
double epsilon_from_outputs(const std::vector<double>& low_weight_outputs,
                            const std::vector<double>& high_weight_outputs);

// Both passes through a backend (float32 logits, CPU or CUDA).
double epsilon_score(Backend& backend, const Network& net, const Tensor& input);

// Both passes on the CPU in T: float is the reference's arithmetic, double avoids its underflow.
template <typename T>
double epsilon_cpu(CpuExecutor<T>& exec, const Network& net, const Tensor& input);

extern template double epsilon_cpu<float>(CpuExecutor<float>&, const Network&, const Tensor&);
extern template double epsilon_cpu<double>(CpuExecutor<double>&, const Network&, const Tensor&);

}  // namespace zcnas
