// The Hamming kernels of kernels/hamming_kernels.cuh, run by the SIMT emulator against the CPU path.
#include "emulated/simt.hpp"
// The emulator comes first: kernel code compiles against it.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "cpu_library_calls.hpp"
#include "emulated/emulated_support.hpp"
#include "kernels/hamming.hpp"
#include "kernels/hamming_kernels.cuh"
#include "kernels/library_calls.hpp"

namespace zcnas {
namespace {

using simt::kSchedules;
using test::random_codes;
using test::random_values;

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

// HammingInt8Gemm::accumulate as the device runs it: the row popcounts, then per chunk of words the expansion to
// bytes and the GEMM (a CPU stand-in on exactly the cuBLAS arguments of kernels/library_calls.hpp), then the
// combination. The buffers start with garbage, as reused device buffers may: padding rows and a first chunk's
// old G must not reach K.
std::vector<int64_t> accumulate_by_int8_gemm(const std::vector<uint64_t>& bits, const HammingCase& c, int64_t words,
                                             std::vector<int64_t> K, const simt::Schedule& schedule) {
  const HammingGemmLayout layout = hamming_gemm_layout(c.batch, words);
  std::vector<int8_t> codes(static_cast<size_t>(layout.rows * layout.chunk_words * 64), 1);
  std::vector<int32_t> gram(static_cast<size_t>(layout.rows * layout.rows), 0x5a5a5a5a);
  std::vector<int64_t> popcounts(static_cast<size_t>(c.batch), -1);
  simt::launch(cuda::row_popcount_launch(c.batch), schedule, cuda::row_popcount_kernel, bits.data(), words,
               popcounts.data());
  for (int64_t w0 = 0; w0 < words; w0 += layout.chunk_words) {
    const int64_t chunk = std::min(layout.chunk_words, words - w0);
    simt::launch(cuda::expand_bits_launch(c.batch, chunk), schedule, cuda::expand_bits_kernel, bits.data(), c.batch,
                 words, w0, chunk, codes.data());
    test::gemm_int8(hamming_gram_gemm(layout, w0, chunk), codes, codes, gram);
  }
  simt::launch(cuda::pairwise_launch(c.batch), schedule, cuda::combine_gram_kernel, gram.data(), layout.rows,
               popcounts.data(), c.batch, c.units, c.multiplicity, K.data());
  return K;
}

TEST(HammingEmulated, Int8GemmPathMatchesCpu) {
  std::vector<HammingCase> cases(std::begin(kCases), std::end(kCases));
  cases.push_back({6, 2100 * 64 - 17, 0, 2});  // 2,100 words: chunks of 1024, 1024 and 52 accumulate through beta
  for (const HammingCase& c : cases) {
    if (c.units == 0) continue;  // the launcher clears G and the popcounts instead of launching
    const int64_t words = sign_words(c.units) + c.extra_words;
    const auto bits = random_codes(c.batch, words, c.units, 5 + static_cast<uint64_t>(c.batch));
    const auto K0 = random_values<int64_t>(static_cast<size_t>(c.batch * c.batch), -50, 50, 4);
    const auto expected = cpu_hamming(bits, c, words, K0);
    for (const auto& schedule : kSchedules)
      ASSERT_EQ(accumulate_by_int8_gemm(bits, c, words, K0, schedule), expected)
          << "batch " << c.batch << " units " << c.units << " " << simt::to_string(schedule);
  }
}

TEST(HammingEmulated, ExpansionWritesOneByteWithEachBit) {
  const int64_t batch = 3, words = 5;
  const auto bits = random_codes(batch, words, 64 * words - 9, 8);
  for (const auto& schedule : kSchedules) {
    std::vector<int8_t> codes(static_cast<size_t>(batch * words * 64), 7);
    simt::launch(cuda::expand_bits_launch(batch, words - 1), schedule, cuda::expand_bits_kernel, bits.data(), batch,
                 words, int64_t{1}, words - 1, codes.data());  // the chunk of words 1..4
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t u = 0; u < 64 * (words - 1); ++u)
        ASSERT_EQ(codes[static_cast<size_t>(b * (words - 1) * 64 + u)],
                  static_cast<int8_t>((bits[static_cast<size_t>(b * words + 1 + u / 64)] >> (u % 64)) & 1u))
            << b << "," << u;
    for (size_t i = static_cast<size_t>(batch * (words - 1) * 64); i < codes.size(); ++i) ASSERT_EQ(codes[i], 7);
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
