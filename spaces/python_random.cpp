// MT19937 as CPython's _randommodule.c implements it.
#include "spaces/python_random.hpp"

#include "core/error.hpp"

namespace zcnas {

void PythonRandom::init_genrand(uint32_t s) {
  mt_[0] = s;
  for (mti_ = 1; mti_ < 624; ++mti_)
    mt_[static_cast<size_t>(mti_)] =
        1812433253U * (mt_[static_cast<size_t>(mti_ - 1)] ^ (mt_[static_cast<size_t>(mti_ - 1)] >> 30)) +
        static_cast<uint32_t>(mti_);
}

PythonRandom::PythonRandom(uint32_t seed) {
  // init_by_array with key = [seed] (CPython splits abs(seed) into 32-bit words; one word here).
  const uint32_t key[1] = {seed};
  const size_t key_length = 1;
  init_genrand(19650218U);
  size_t i = 1, j = 0;
  for (size_t k = 624; k > 0; --k) {
    mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1664525U)) + key[j] + static_cast<uint32_t>(j);
    ++i;
    ++j;
    if (i >= 624) {
      mt_[0] = mt_[623];
      i = 1;
    }
    if (j >= key_length) j = 0;
  }
  for (size_t k = 623; k > 0; --k) {
    mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1566083941U)) - static_cast<uint32_t>(i);
    ++i;
    if (i >= 624) {
      mt_[0] = mt_[623];
      i = 1;
    }
  }
  mt_[0] = 0x80000000U;
}

uint32_t PythonRandom::genrand_uint32() {
  static constexpr uint32_t kMag01[2] = {0x0U, 0x9908b0dfU};
  constexpr int N = 624, M = 397;
  constexpr uint32_t kUpper = 0x80000000U, kLower = 0x7fffffffU;
  if (mti_ >= N) {
    int kk = 0;
    for (; kk < N - M; ++kk) {
      const uint32_t y = (mt_[static_cast<size_t>(kk)] & kUpper) | (mt_[static_cast<size_t>(kk + 1)] & kLower);
      mt_[static_cast<size_t>(kk)] = mt_[static_cast<size_t>(kk + M)] ^ (y >> 1) ^ kMag01[y & 1U];
    }
    for (; kk < N - 1; ++kk) {
      const uint32_t y = (mt_[static_cast<size_t>(kk)] & kUpper) | (mt_[static_cast<size_t>(kk + 1)] & kLower);
      mt_[static_cast<size_t>(kk)] = mt_[static_cast<size_t>(kk + (M - N))] ^ (y >> 1) ^ kMag01[y & 1U];
    }
    const uint32_t y = (mt_[N - 1] & kUpper) | (mt_[0] & kLower);
    mt_[N - 1] = mt_[M - 1] ^ (y >> 1) ^ kMag01[y & 1U];
    mti_ = 0;
  }
  uint32_t y = mt_[static_cast<size_t>(mti_++)];
  y ^= (y >> 11);
  y ^= (y << 7) & 0x9d2c5680U;
  y ^= (y << 15) & 0xefc60000U;
  y ^= (y >> 18);
  return y;
}

uint32_t PythonRandom::getrandbits(int k) {
  ZCNAS_REQUIRE(k >= 1 && k <= 32, "getrandbits({}) supports 1..32 bits here", k);
  return genrand_uint32() >> (32 - k);
}

uint64_t PythonRandom::randbelow(uint64_t n) {
  ZCNAS_REQUIRE(n > 0 && n <= 0xffffffffULL, "randbelow({}) supports 1..2**32-1 here", n);
  int k = 0;
  while ((n >> k) != 0) ++k;  // bit_length
  uint64_t r = getrandbits(k);
  while (r >= n) r = getrandbits(k);
  return r;
}

}  // namespace zcnas
