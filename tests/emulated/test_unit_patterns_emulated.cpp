// The sign-pattern kernels of kernels/unit_patterns_kernels.cuh (SWAP, linear regions), run by the SIMT emulator
// against the CPU path.
#include "emulated/simt.hpp"
// The emulator comes first: kernel code compiles against it.
#include <gtest/gtest.h>

#include <vector>

#include "emulated/emulated_support.hpp"
#include "kernels/hamming.hpp"
#include "kernels/unit_patterns.hpp"
#include "kernels/unit_patterns_kernels.cuh"

namespace zcnas {
namespace {

using simt::kSchedules;
using test::random_codes;

// Units that are not multiples of the block or of a word, row strides past the tensor (a tensor inside its
// group's rows), one sample and the full 64.
struct PatternCase {
  int64_t batch, units, row_words;
};
const PatternCase kCases[] = {{1, 1, 1}, {16, 300, 5}, {16, 4096, 70}, {64, 513, 9}, {37, 257, 5}};

TEST(UnitPatternsEmulated, UnitPatternsMatchCpu) {
  for (const PatternCase& c : kCases) {
    const auto bits = random_codes(c.batch, c.row_words, 64 * c.row_words, 3 + static_cast<uint64_t>(c.units));
    std::vector<uint64_t> expected(static_cast<size_t>(c.units));
    unit_patterns_cpu(bits.data(), c.row_words, c.batch, c.units, expected.data());
    for (const auto& schedule : kSchedules) {
      std::vector<uint64_t> keys(static_cast<size_t>(c.units) + 1, 99);  // one past the end stays untouched
      simt::launch(cuda::unit_patterns_launch(c.units), schedule, cuda::unit_patterns_kernel, bits.data(), c.row_words,
                   c.batch, c.units, keys.data());
      ASSERT_EQ(keys.back(), 99u);
      keys.pop_back();
      ASSERT_EQ(keys, expected) << "batch " << c.batch << " units " << c.units << " " << simt::to_string(schedule);
    }
  }
}

TEST(UnitPatternsEmulated, MarkPatternsMatchesCpu) {
  for (int64_t batch : {3, 10, 16}) {
    const int64_t count = 1000, words = std::max<int64_t>(1, (int64_t{1} << batch) / 64);
    auto keys = test::random_values<uint64_t>(static_cast<size_t>(count), 0, (uint64_t{1} << batch) - 1, 7);
    for (size_t i = 0; i < keys.size(); i += 3) keys[i] = keys[i / 2];  // repeated keys
    std::vector<uint64_t> expected(static_cast<size_t>(words), 0);
    mark_patterns_cpu(keys.data(), count, expected.data());
    for (const auto& schedule : kSchedules) {
      std::vector<uint64_t> bitmap(static_cast<size_t>(words), 0);
      simt::launch(cuda::mark_patterns_launch(count), schedule, cuda::mark_patterns_kernel, keys.data(), count,
                   bitmap.data());
      ASSERT_EQ(bitmap, expected) << "batch " << batch << " " << simt::to_string(schedule);
    }
  }
}

TEST(UnitPatternsEmulated, CountEqualToDiagonalMatchesCpu) {
  for (int64_t batch : {1, 5, 64, 300}) {
    const int64_t units = 70, words = sign_words(units);
    auto bits = random_codes(batch, words, units, 11 + static_cast<uint64_t>(batch));
    for (int64_t b = 2; b < batch; b += 3)  // every third sample repeats an earlier one
      std::copy_n(bits.begin() + (b / 2) * words, words, bits.begin() + b * words);
    std::vector<int64_t> K(static_cast<size_t>(batch * batch), 0);
    accumulate_hamming_cpu(bits.data(), batch, words, units, 2, K.data());
    std::vector<int64_t> expected(static_cast<size_t>(batch));
    count_equal_to_diagonal_cpu(K.data(), batch, expected.data());
    for (const auto& schedule : kSchedules) {
      std::vector<int64_t> counts(static_cast<size_t>(batch), -1);
      simt::launch(cuda::count_equal_launch(batch), schedule, cuda::count_equal_to_diagonal_kernel, K.data(), batch,
                   counts.data());
      ASSERT_EQ(counts, expected) << "batch " << batch << " " << simt::to_string(schedule);
    }
  }
}

}  // namespace
}  // namespace zcnas
