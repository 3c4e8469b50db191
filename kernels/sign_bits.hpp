// Sign-bit extraction (CPU twin): code[b][u] = x[b][u] > 0 (strictly), packed 64 units to a word.
// Unit u = c * spatial + s of sample b lives at x[b * stride_batch + c * stride_channel + s], so one
// function reads both sample-major [B][C][S] and channel-major [C][B][S] tensors. The unit order within a
// sample is irrelevant to Hamming distances as long as every sample uses the same one.
#pragma once
#include <cstdint>

namespace zcnas {

inline int64_t sign_words(int64_t units) { return (units + 63) / 64; }

struct SignLayout {
  int64_t batch = 0, channels = 0, spatial = 0;
  int64_t stride_batch = 0, stride_channel = 0;

  int64_t units() const { return channels * spatial; }
  static SignLayout sample_major(int64_t batch, int64_t channels, int64_t spatial) {
    return {batch, channels, spatial, channels * spatial, spatial};
  }
  static SignLayout channel_major(int64_t batch, int64_t channels, int64_t spatial) {
    return {batch, channels, spatial, spatial, batch * spatial};
  }
};

// bits: [batch][words], words >= sign_words(units); bits past `units` are written as 0.
template <typename T>
void pack_sign_bits_cpu(const T* x, const SignLayout& layout, uint64_t* bits, int64_t words);

}  // namespace zcnas
