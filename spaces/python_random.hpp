// CPython's `random` module, as far as the NB201 index order needs it: MT19937 seeded by init_by_array
// with an integer's 32-bit words, getrandbits(k <= 32), _randbelow and shuffle, bit for bit.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace zcnas {

class PythonRandom {
 public:
  explicit PythonRandom(uint32_t seed);  // random.seed(seed) for 0 <= seed < 2**32

  uint32_t genrand_uint32();
  uint32_t getrandbits(int k);  // 1 <= k <= 32
  uint64_t randbelow(uint64_t n);  // n < 2**32

  template <typename T>
  void shuffle(std::vector<T>& x) {
    for (size_t i = x.size(); i-- > 1;) {
      const size_t j = static_cast<size_t>(randbelow(i + 1));
      std::swap(x[i], x[j]);
    }
  }

 private:
  void init_genrand(uint32_t s);
  std::array<uint32_t, 624> mt_{};
  int mti_ = 625;
};

}  // namespace zcnas
