// Sign-bit extraction: each warp reads up to 2048 consecutive units of one sample and writes their packed
// words in one coalesced store.
#include "core/cuda_check.hpp"
#include "kernels/device_utils.cuh"
#include "kernels/sign_bits.cuh"

namespace zcnas::cuda {
namespace {

// Warp w handles span w % spans of sample w / spans; a span is span_words words of the output row.
// Units within a sample fit 32 bits (checked by the launcher), so the index arithmetic is 32-bit.
template <typename T>
__global__ void pack_sign_bits_kernel(const T* __restrict__ x, SignLayout layout, uint64_t* __restrict__ bits,
                                      int64_t units, int64_t words, int64_t spans, int span_words) {
  const int64_t warp = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / kWarp;
  if (warp >= layout.batch * spans) return;  // whole warps leave together
  const int64_t b = warp / spans;
  const int64_t first_word = (warp % spans) * span_words;
  const T* sample = x + b * layout.stride_batch;
  const auto spatial = static_cast<uint32_t>(layout.spatial);
  const int64_t stride_channel = layout.stride_channel;
  const uint64_t word = warp_pack_span(first_word, span_words, units, [&](int64_t u) {
    const uint32_t c = static_cast<uint32_t>(u) / spatial;
    return sample[c * stride_channel + (static_cast<uint32_t>(u) - c * spatial)] > T(0);
  });
  const int lane = static_cast<int>(threadIdx.x) & (kWarp - 1);
  const int64_t w = first_word + lane;
  if (lane < span_words && w < words) bits[b * words + w] = word;
}

}  // namespace

template <typename T>
void pack_sign_bits(const T* x, const SignLayout& layout, uint64_t* bits, int64_t words, cudaStream_t stream) {
  if (layout.batch == 0) return;
  const int64_t units = layout.units();
  ZCNAS_REQUIRE(layout.batch > 0 && layout.channels >= 0 && layout.spatial >= 0,
                "sign bits: bad layout batch={} channels={} spatial={}", layout.batch, layout.channels, layout.spatial);
  ZCNAS_REQUIRE(words >= sign_words(units), "sign bits: {} words per sample cannot hold {} units", words, units);
  if (words == 0) return;
  ZCNAS_REQUIRE(units == 0 || x != nullptr, "sign bits: null input");
  ZCNAS_REQUIRE(bits != nullptr, "sign bits: null output");
  ZCNAS_REQUIRE(64 * words < (int64_t{1} << 32), "sign bits: {} words per sample exceed 32-bit unit indices", words);
  const int span_words = span_words_for(layout.batch * words);
  const int64_t spans = ceil_div(words, span_words);
  constexpr int kThreads = 256;
  const int64_t blocks = ceil_div(layout.batch * spans * kWarp, kThreads);
  pack_sign_bits_kernel<T>
      <<<static_cast<unsigned>(blocks), kThreads, 0, stream>>>(x, layout, bits, units, words, spans, span_words);
  ZCNAS_CUDA_CHECK_LAUNCH(pack_sign_bits_kernel);
}

template void pack_sign_bits<float>(const float*, const SignLayout&, uint64_t*, int64_t, cudaStream_t);
template void pack_sign_bits<double>(const double*, const SignLayout&, uint64_t*, int64_t, cudaStream_t);

}  // namespace zcnas::cuda
