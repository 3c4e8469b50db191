// Shared by the emulated kernel tests: random inputs with the layouts the kernels take.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <type_traits>
#include <vector>

#include "kernels/tensor_layout.hpp"

namespace zcnas::test {

// What outputs hold before a launch: a value no kernel here writes, so that a missed element shows.
constexpr float kUnwritten = -12345.0f;

// [batch][words] sign codes with random bits below `units` and zero padding past it, as the kernels require.
inline std::vector<uint64_t> random_codes(int64_t batch, int64_t words, int64_t units, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> bits(static_cast<size_t>(batch * words), 0);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t w = 0; w < words; ++w) {
      const int64_t valid = std::clamp<int64_t>(units - 64 * w, 0, 64);
      const uint64_t mask = valid == 64 ? ~uint64_t{0} : (uint64_t{1} << valid) - 1;
      bits[static_cast<size_t>(b * words + w)] = rng() & mask;
    }
  return bits;
}

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
