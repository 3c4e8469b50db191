// The arguments of the cuBLAS and cuSOLVER calls of the CUDA kernels (kernels/library_calls.hpp): what the
// libraries require of them and the errors for bad sizes. The calls themselves run on CPU stand-ins
// (tests/cpu_library_calls.hpp) between the emulated kernels around them, in tests/emulated/.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "kernels/library_calls.hpp"
#include "test_support.hpp"

namespace zcnas {
namespace {

TEST(HammingGemmCall, SuitsTheInt8Kernels) {
  // cuBLAS's int8 GEMM with int32 results wants the sizes and leading dimensions in multiples of 4.
  for (int64_t batch : {1, 5, 37, 128}) {
    for (int64_t words : {1, 7, 1024, 3000}) {
      const HammingGemmLayout layout = hamming_gemm_layout(batch, words);
      for (int64_t w0 = 0; w0 < words; w0 += layout.chunk_words) {
        const GemmCall g = hamming_gram_gemm(layout, w0, std::min(layout.chunk_words, words - w0));
        for (int v : {g.m, g.n, g.k, g.lda, g.ldb, g.ldc}) EXPECT_EQ(v % 4, 0) << batch << " " << words;
        EXPECT_EQ(g.beta, w0 == 0 ? 0 : 1);
      }
    }
  }
}

TEST(HammingGemmCall, RejectsBadArguments) {
  EXPECT_NE(test::error_of([] { hamming_gemm_layout(0, 4); }).find("batch = 0"), std::string::npos);
  EXPECT_NE(test::error_of([] { hamming_gemm_layout(4, -1); }).find("words = -1"), std::string::npos);
  const HammingGemmLayout layout = hamming_gemm_layout(4, 10);
  EXPECT_NE(test::error_of([&] { hamming_gram_gemm(layout, 0, 11); }).find("chunk = 11"), std::string::npos);
  EXPECT_NE(test::error_of([&] { hamming_gram_gemm(layout, -1, 1); }).find("w0 = -1"), std::string::npos);
}

TEST(LogDetCalls, RejectBadArguments) {
  EXPECT_NE(test::error_of([] { logdet_potrf_batched(0, 1); }).find("n = 0"), std::string::npos);
  EXPECT_NE(test::error_of([] { logdet_potrf_batched(4, 0); }).find("batch = 0"), std::string::npos);
  EXPECT_NE(test::error_of([] { logdet_potrf_batched(4, int64_t{1} << 31); }).find("batch = 2147483648"),
            std::string::npos);
  EXPECT_NE(test::error_of([] { logdet_getrf(-3); }).find("n = -3"), std::string::npos);
}

}  // namespace
}  // namespace zcnas
