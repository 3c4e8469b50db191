// The order of fitness values, shared by host code and CUDA kernels: higher is better, and non-finite values
// (-inf from a singular kernel, +inf, NaN) rank below every finite one, NaN lowest of all.
#pragma once
#include <cfloat>

#include "core/host_device.hpp"

namespace zcnas {

// Written with comparisons only (NaN fails both), so that it needs no math library on the device.
ZCNAS_HOST_DEVICE inline bool is_finite_fitness(double v) { return v >= -DBL_MAX && v <= DBL_MAX; }

// True when a is a strictly better fitness than b. Equal values, and any two NaNs, are not better than
// each other: searches keep the first of equals.
ZCNAS_HOST_DEVICE inline bool better_fitness(double a, double b) {
  const bool finite_a = is_finite_fitness(a), finite_b = is_finite_fitness(b);
  if (finite_a != finite_b) return finite_a;
  if (finite_a) return a > b;
  const bool nan_a = a != a, nan_b = b != b;  // NaN is the only value unequal to itself
  if (nan_a != nan_b) return !nan_a;
  return false;
}

}  // namespace zcnas
