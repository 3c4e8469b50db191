// Shared by the emulated kernel tests: random inputs with the layouts the kernels take.
#pragma once
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/tensor_layout.hpp"

namespace zcnas::test {

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

}  // namespace zcnas::test
