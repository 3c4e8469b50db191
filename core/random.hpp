// Counter-based random numbers: a value is a pure function of (seed, stream key, counter), so any backend
// (CPU, CUDA) and any thread order reproduces it exactly.
#pragma once
#include <cmath>
#include <cstdint>
#include <string_view>

#include "core/host_device.hpp"

namespace zcnas {

// SplitMix64 finaliser: a bijective 64-bit mixer with full avalanche.
ZCNAS_HOST_DEVICE inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

ZCNAS_HOST_DEVICE inline uint64_t counter_random_u64(uint64_t seed, uint64_t key, uint64_t counter) {
  const uint64_t stream = mix64(seed * 0x9e3779b97f4a7c15ULL + mix64(key));
  return mix64(stream + (counter + 1) * 0x9e3779b97f4a7c15ULL);
}

// Uniform in [0, 1) with 53 random bits (exact in double).
ZCNAS_HOST_DEVICE inline double counter_uniform01(uint64_t seed, uint64_t key, uint64_t counter) {
  return static_cast<double>(counter_random_u64(seed, key, counter) >> 11) * 0x1.0p-53;
}

// N(0, 1) by Box-Muller from two of the generator's uniforms, so element i depends on (seed, key, i) only.
inline double counter_normal(uint64_t seed, uint64_t key, uint64_t i) {
  constexpr double kTwoPi = 6.28318530717958647692;
  const double u1 = counter_uniform01(seed, key, 2 * i), u2 = counter_uniform01(seed, key, 2 * i + 1);
  return std::sqrt(-2.0 * std::log1p(-u1)) * std::cos(kTwoPi * u2);
}

// Successive draws of one stream: draw k is counter_random_u64(seed, key, k). A step that takes as many draws
// as it needs (redrawing until a genome is valid) takes a stream of its own, so that it stays a function of the
// stream's seed and key whatever other steps draw.
class RandomStream {
 public:
  RandomStream(uint64_t seed, uint64_t key) : seed_(seed), key_(key) {}
  uint64_t next() { return counter_random_u64(seed_, key_, counter_++); }
  // Uniform in 0..n-1 for n > 0, by the remainder as the searches' index draws (the bias is below n / 2^64).
  uint64_t below(uint64_t n) { return next() % n; }

 private:
  uint64_t seed_, key_, counter_ = 0;
};

// FNV-1a hash of a name: the stream key of a named parameter.
constexpr uint64_t name_key(std::string_view name) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : name) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return h;
}

}  // namespace zcnas
