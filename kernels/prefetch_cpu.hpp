// Software prefetching for the CPU ops that walk a channel-major tensor [C][B][H*W] one sample at a time: each sample
// reads C planes a whole batch apart (256 B to 4 KB each at NB201's sizes), streams too short for the hardware
// prefetcher to follow, so every plane would start with cache misses. These ops ask for a plane some way ahead of
// its use instead.
#pragma once
#include <algorithm>
#include <cstdint>

namespace zcnas {

// How far ahead: about 4096 values of planes (16 KB of floats), at least the next plane.
constexpr int64_t kPrefetchFloats = 4096;

// The plane a per-sample loop reads some planes after plane (c, b) of a [channels][batch][plane_floats] tensor: a
// later channel of sample b or, past the last, a channel of sample b + 1 (the next sample a thread usually takes);
// null past the tensor's end.
template <typename T>
const T* plane_ahead(const T* x, int64_t c, int64_t b, int64_t channels, int64_t batch, int64_t plane_floats) {
  int64_t ahead_c = c + std::min(channels, std::max<int64_t>(1, kPrefetchFloats / plane_floats)), ahead_b = b;
  if (ahead_c >= channels) {
    ahead_c -= channels;
    ++ahead_b;
  }
  return ahead_b < batch ? x + (ahead_c * batch + ahead_b) * plane_floats : nullptr;
}

// Asks for the cache lines of [p, p + n) (read, or write when Write), into all levels.
template <bool Write = false, typename T>
void prefetch(const T* p, int64_t n) {
  if (!p) return;
  constexpr int64_t kLine = 64 / sizeof(T);
  for (int64_t i = 0; i < n; i += kLine) __builtin_prefetch(p + i, Write ? 1 : 0, 3);
}

}  // namespace zcnas
