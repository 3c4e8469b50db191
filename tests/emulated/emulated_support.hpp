// Shared by the emulated kernel tests: random values, layout transposes and bitwise comparisons.
// comparisons.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <type_traits>
#include <vector>

#include "kernels/tensor_layout.hpp"
#include "test_support.hpp"

namespace zcnas::test {

// What outputs hold before a launch: a value no kernel here writes, so that a missed element shows.
constexpr float kUnwritten = -12345.0f;

template <typename T>
std::vector<T> random_values(size_t n, T lo, T hi, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<T> v(n);
  if constexpr (std::is_integral_v<T>) {
    std::uniform_int_distribution<T> d(lo, hi);
    for (T& x : v) x = d(rng);
  } else {
    std::uniform_real_distribution<T> d(lo, hi);
    for (T& x : v) x = d(rng);
  }
  return v;
}

// [outer][middle][inner] -> [middle][outer][inner]: between the CUDA side's sample-major [B][C][S] and the CPU
// side's channel-major [C][B][S] (kernels/tensor_layout.hpp), either way.
template <typename T>
std::vector<T> swap_outer(const std::vector<T>& x, int64_t outer, int64_t middle, int64_t inner) {
  std::vector<T> y(x.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t m = 0; m < middle; ++m)
      std::copy_n(x.begin() + (o * middle + m) * inner, inner, y.begin() + (m * outer + o) * inner);
  return y;
}

// Equal bit for bit (a float comparison would let -0 pass for +0); names the first difference.
template <typename T>
::testing::AssertionResult same_bits(const std::vector<T>& expected, const std::vector<T>& actual) {
  static_assert(std::is_trivially_copyable_v<T>);
  if (expected.size() != actual.size())
    return ::testing::AssertionFailure() << "sizes " << expected.size() << " and " << actual.size();
  for (size_t i = 0; i < expected.size(); ++i)
    if (std::memcmp(&expected[i], &actual[i], sizeof(T)) != 0)
      return ::testing::AssertionFailure()
             << "element " << i << " of " << expected.size() << ": expected " << expected[i] << ", got " << actual[i];
  return ::testing::AssertionSuccess();
}

}  // namespace zcnas::test
