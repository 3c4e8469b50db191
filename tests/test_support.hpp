// Shared helpers for the tests: where ../shared lives, skipping when it is absent, random inputs.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/tensor.hpp"

namespace zcnas::test {

// [b, c, h, w] of N(0.3, 1) values: mostly positive, enough negatives and near-zeros to flip sign bits.
inline Tensor random_input(int64_t b, int64_t c, int64_t h, int64_t w, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.3f, 1.0f);
  Tensor t({b, c, h, w});
  for (auto& v : t.data) v = d(rng);
  return t;
}

inline std::string shared_path(const std::string& rel) { return std::string(ZCNAS_SHARED_DIR) + "/" + rel; }

inline bool shared_available(const std::string& rel) { return std::filesystem::exists(shared_path(rel)); }

// The message of the zcnas::Error that fn throws, or "" when it throws none.
inline std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

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

}  // namespace zcnas::test

// Skips the test, saying which file of ../shared is missing.
#define ZCNAS_REQUIRE_SHARED(rel)                                                                             \
  do {                                                                                                        \
    if (!::zcnas::test::shared_available(rel))                                                                \
      GTEST_SKIP() << "skipped: " << ::zcnas::test::shared_path(rel) << " is absent (../shared not present)"; \
  } while (0)
