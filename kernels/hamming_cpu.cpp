// The Hamming kernel on the CPU: popcount of XOR, 4x4 pairs per pass over the words so that
// each loaded word serves four pairs.
#include <algorithm>
#include <vector>

#include "kernels/hamming.hpp"

namespace zcnas {

void accumulate_hamming_cpu(const uint64_t* bits, int64_t batch, int64_t words, int64_t units, int64_t multiplicity,
                            int64_t* K) {
  if (batch <= 0) return;
  constexpr int64_t kTile = 4;
  const int64_t tiles = (batch + kTile - 1) / kTile;
  // Upper-triangle tile pairs (ti <= tj), dealt out dynamically because their work is equal.
  std::vector<std::pair<int64_t, int64_t>> pairs;
  for (int64_t ti = 0; ti < tiles; ++ti)
    for (int64_t tj = ti; tj < tiles; ++tj) pairs.emplace_back(ti, tj);
#pragma omp parallel for schedule(dynamic, 8)
  for (size_t p = 0; p < pairs.size(); ++p) {
    const int64_t i0 = pairs[p].first * kTile, j0 = pairs[p].second * kTile;
    const int64_t ni = std::min(kTile, batch - i0), nj = std::min(kTile, batch - j0);
    int64_t dist[kTile][kTile] = {};
    if (ni == kTile && nj == kTile) {
      const uint64_t* a[kTile];
      const uint64_t* b[kTile];
      for (int64_t t = 0; t < kTile; ++t) {
        a[t] = bits + (i0 + t) * words;
        b[t] = bits + (j0 + t) * words;
      }
      for (int64_t w = 0; w < words; ++w)
        for (int64_t x = 0; x < kTile; ++x)
          for (int64_t y = 0; y < kTile; ++y) dist[x][y] += __builtin_popcountll(a[x][w] ^ b[y][w]);
    } else {
      for (int64_t x = 0; x < ni; ++x)
        for (int64_t y = 0; y < nj; ++y) {
          const uint64_t* a = bits + (i0 + x) * words;
          const uint64_t* b = bits + (j0 + y) * words;
          int64_t d = 0;
          for (int64_t w = 0; w < words; ++w) d += __builtin_popcountll(a[w] ^ b[w]);
          dist[x][y] = d;
        }
    }
    for (int64_t x = 0; x < ni; ++x)
      for (int64_t y = 0; y < nj; ++y) {
        const int64_t i = i0 + x, j = j0 + y;
        if (pairs[p].first == pairs[p].second && j < i) continue;  // diagonal tile: each pair once
        const int64_t agree = multiplicity * (units - dist[x][y]);
        K[i * batch + j] += agree;
        if (i != j) K[j * batch + i] += agree;
      }
  }
}

void kernel_to_double_cpu(const int64_t* K, int64_t count, int64_t offset, double* out) {
  for (int64_t i = 0; i < count; ++i) out[i] = static_cast<double>(K[i] + offset);
}

bool identical_samples_cpu(const int64_t* K, int64_t batch) {
  for (int64_t i = 0; i < batch; ++i)
    for (int64_t j = i + 1; j < batch; ++j)
      if (K[i * batch + j] == K[i * batch + i]) return true;
  return false;
}

}  // namespace zcnas
