// CPU twin of the sign-bit packing kernel.
#include <algorithm>
#include <cstring>

#include "core/error.hpp"
#include "kernels/sign_bits.hpp"

namespace zcnas {

template <typename T>
void pack_sign_bits_cpu(const T* x, const SignLayout& layout, uint64_t* bits, int64_t words) {
  const int64_t units = layout.units();
  ZCNAS_REQUIRE(words >= sign_words(units), "sign bits: {} words per sample cannot hold {} units", words, units);
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < layout.batch; ++b) {
    uint64_t* row = bits + b * words;
    std::memset(row, 0, static_cast<size_t>(words) * sizeof(uint64_t));
    int64_t u = 0;
    for (int64_t c = 0; c < layout.channels; ++c) {
      const T* src = x + b * layout.stride_batch + c * layout.stride_channel;
      int64_t s = 0;
      // Whole words when the cursor is word-aligned (the common case: spatial a multiple of 64).
      if ((u & 63) == 0) {
        for (; s + 64 <= layout.spatial; s += 64, u += 64) {
          uint64_t word = 0;
          for (int i = 0; i < 64; ++i) word |= static_cast<uint64_t>(src[s + i] > T(0)) << i;
          row[u >> 6] = word;
        }
      }
      for (; s < layout.spatial; ++s, ++u) row[u >> 6] |= static_cast<uint64_t>(src[s] > T(0)) << (u & 63);
    }
  }
}

template void pack_sign_bits_cpu<float>(const float*, const SignLayout&, uint64_t*, int64_t);
template void pack_sign_bits_cpu<double>(const double*, const SignLayout&, uint64_t*, int64_t);

}  // namespace zcnas
