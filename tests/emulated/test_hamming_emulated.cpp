// The Hamming kernels of kernels/hamming_kernels.cuh, run by the SIMT emulator against the CPU path.
#include "emulated/simt.hpp"
// The emulator comes first: kernel code compiles against it.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "emulated/emulated_support.hpp"
#include "kernels/hamming.hpp"
#include "kernels/hamming_kernels.cuh"

namespace zcnas {
namespace {

using simt::kSchedules;
using testing::random_codes;
using testing::random_values;

struct HammingCase {
  int64_t batch, units, extra_words, multiplicity;
};

// Batches that are not multiples of the 32-row tile, word counts that are not multiples of the 64-word chunk,
// splits of the words over blockIdx.y, one-element edges, padding words past the units, and no units at all.
const HammingCase kCases[] = {{1, 1, 0, 1},     {2, 64, 0, 1}, {37, 150, 0, 2}, {33, 8300, 0, 3},
                              {70, 4100, 2, 1}, {5, 0, 0, 4},  {64, 63, 1, 1},  {31, 12800, 0, 2}};

std::vector<int64_t> cpu_hamming(const std::vector<uint64_t>& bits, const HammingCase& c, int64_t words,
                                 const std::vector<int64_t>& K0) {
  std::vector<int64_t> K = K0;
  accumulate_hamming_cpu(bits.data(), c.batch, words, c.units, c.multiplicity, K.data());
  return K;
}

TEST(HammingEmulated, PopcountKernelMatchesCpu) {
  for (const HammingCase& c : kCases) {
    const int64_t words = sign_words(c.units) + c.extra_words;
    const auto bits = random_codes(c.batch, words, c.units, 11 + static_cast<uint64_t>(c.units));
    const auto K0 = random_values<int64_t>(static_cast<size_t>(c.batch * c.batch), -50, 50, 3);
    const auto expected = cpu_hamming(bits, c, words, K0);
    for (const auto& schedule : kSchedules) {
      std::vector<int64_t> K = K0;
      const cuda::PopcountLaunch l = cuda::popcount_launch(c.batch, words);
      simt::launch(l.shape, schedule, cuda::hamming_popcount_kernel, bits.data(), c.batch, words, c.units,
                   c.multiplicity, l.tiles, l.words_per_split, K.data());
      ASSERT_EQ(K, expected) << "batch " << c.batch << " units " << c.units << " " << simt::to_string(schedule);
    }
  }
}

TEST(HammingEmulated, WordsAreSplitAcrossBlocksForSmallBatchesOnly) {
  const cuda::PopcountLaunch small = cuda::popcount_launch(31, 200);
  EXPECT_EQ(small.shape.grid.x, 1u);
  EXPECT_EQ(small.shape.grid.y, 4u);  // 200 words: 4 chunks of 64, one per split
  EXPECT_EQ(small.words_per_split, 64);
  const cuda::PopcountLaunch large = cuda::popcount_launch(1000, 200);
  EXPECT_EQ(large.shape.grid.x, 32u * 33u / 2u);
  EXPECT_EQ(large.shape.grid.y, 1u);  // enough tile pairs: every block loops over all 4 chunks
  EXPECT_EQ(large.words_per_split, 256);
}

// Large batches give each block several chunks, staged one after another through the same shared memory. Any
// whole number of chunks per split is a valid launch, so small batches exercise that loop here.
TEST(HammingEmulated, PopcountKernelLoopsOverSeveralChunksPerBlock) {
  const HammingCase c{45, 64 * 64 * 5 + 17, 1, 2};  // 327 words: 5 full chunks and a partial one
  const int64_t words = sign_words(c.units) + c.extra_words;
  const auto bits = random_codes(c.batch, words, c.units, 21);
  const auto K0 = random_values<int64_t>(static_cast<size_t>(c.batch * c.batch), -50, 50, 5);
  const auto expected = cpu_hamming(bits, c, words, K0);
  for (int64_t chunks_per_split : {2, 3, 6}) {
    cuda::PopcountLaunch l = cuda::popcount_launch(c.batch, words);
    l.words_per_split = chunks_per_split * cuda::kChunkWords;
    l.shape.grid.y = static_cast<unsigned>(cuda::ceil_div(words, l.words_per_split));
    for (const auto& schedule : kSchedules) {
      std::vector<int64_t> K = K0;
      simt::launch(l.shape, schedule, cuda::hamming_popcount_kernel, bits.data(), c.batch, words, c.units,
                   c.multiplicity, l.tiles, l.words_per_split, K.data());
      ASSERT_EQ(K, expected) << chunks_per_split << " chunks per split, " << simt::to_string(schedule);
    }
  }
}

// The int8 formulation's kernels around the GEMM: row popcounts, expansion to bytes, the combination.
TEST(HammingEmulated, Int8KernelsMatchCpu) {
  for (const HammingCase& c : kCases) {
    if (c.units == 0) continue;
    const int64_t words = sign_words(c.units) + c.extra_words;
    const auto bits = random_codes(c.batch, words, c.units, 5 + static_cast<uint64_t>(c.batch));
    const auto K0 = random_values<int64_t>(static_cast<size_t>(c.batch * c.batch), -50, 50, 4);
    const auto expected = cpu_hamming(bits, c, words, K0);
    for (const auto& schedule : kSchedules) {
      SCOPED_TRACE("batch " + std::to_string(c.batch) + " units " + std::to_string(c.units) + " " +
                   simt::to_string(schedule));
      std::vector<int64_t> popcounts(static_cast<size_t>(c.batch), -1);
      simt::launch(cuda::row_popcount_launch(c.batch), schedule, cuda::row_popcount_kernel, bits.data(), words,
                   popcounts.data());
      std::vector<int8_t> codes(static_cast<size_t>(c.batch * words * 64), 7);
      simt::launch(cuda::expand_bits_launch(c.batch, words), schedule, cuda::expand_bits_kernel, bits.data(), c.batch,
                   words, int64_t{0}, words, codes.data());
      for (int64_t b = 0; b < c.batch; ++b) {
        int64_t ones = 0;
        for (int64_t u = 0; u < 64 * words; ++u) {
          const uint64_t bit = (bits[static_cast<size_t>(b * words + u / 64)] >> (u % 64)) & 1u;
          ASSERT_EQ(codes[static_cast<size_t>(b * words * 64 + u)], static_cast<int8_t>(bit)) << b << "," << u;
          ones += static_cast<int64_t>(bit);
        }
        ASSERT_EQ(popcounts[static_cast<size_t>(b)], ones) << b;
      }
      // G = codes . codes^T, column-major with a padded leading dimension, as the library leaves it.
      const int64_t ld = c.batch + 3, k = 64 * words;
      std::vector<int32_t> gram(static_cast<size_t>(ld * c.batch), -1);
      for (int64_t i = 0; i < c.batch; ++i)
        for (int64_t j = 0; j < c.batch; ++j) {
          int32_t dot = 0;
          for (int64_t u = 0; u < k; ++u)
            dot += codes[static_cast<size_t>(i * k + u)] * codes[static_cast<size_t>(j * k + u)];
          gram[static_cast<size_t>(i + j * ld)] = dot;
        }
      std::vector<int64_t> K = K0;
      simt::launch(cuda::pairwise_launch(c.batch), schedule, cuda::combine_gram_kernel, gram.data(), ld,
                   popcounts.data(), c.batch, c.units, c.multiplicity, K.data());
      ASSERT_EQ(K, expected);
    }
  }
}

TEST(HammingEmulated, KernelToDoubleAndIdenticalSamplesMatchCpu) {
  for (int64_t batch : {1, 2, 33, 70}) {
    const int64_t units = 300, words = sign_words(units);
    for (bool copy : {false, true}) {
      auto bits = random_codes(batch, words, units, 9 + static_cast<uint64_t>(batch));
      if (copy && batch > 1)  // the last sample repeats the first
        std::copy_n(bits.begin(), words, bits.begin() + (batch - 1) * words);
      std::vector<int64_t> K(static_cast<size_t>(batch * batch), 0);
      accumulate_hamming_cpu(bits.data(), batch, words, units, 1, K.data());
      const bool expected_flag = identical_samples_cpu(K.data(), batch);
      ASSERT_EQ(expected_flag, copy && batch > 1);
      std::vector<double> expected(K.size());
      kernel_to_double_cpu(K.data(), batch * batch, int64_t{1} << 40, expected.data());
      for (const auto& schedule : kSchedules) {
        int flag = 0;
        simt::launch(cuda::pairwise_launch(batch), schedule, cuda::flag_identical_samples_kernel, K.data(), batch,
                     &flag);
        EXPECT_EQ(flag != 0, expected_flag) << batch << " " << simt::to_string(schedule);
        std::vector<double> out(K.size(), -1.0);
        simt::launch(cuda::one_thread_per_item(batch * batch, cuda::kElementThreads), schedule,
                     cuda::kernel_to_double_kernel, K.data(), batch * batch, int64_t{1} << 40, out.data());
        EXPECT_EQ(out, expected);
      }
    }
  }
}

}  // namespace
}  // namespace zcnas
