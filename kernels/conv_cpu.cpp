// Convolutions on the CPU: im2col of a block of images, then one GEMM per group and block; depthwise ones
// directly, plane by plane; and, with AVX2 and FMA, dense float 3x3 ones of stride 1 and padding 1 by Winograd
// F(2x2, 3x3), other dense float 1x1 and 3x3 ones of stride 1 or 2 directly from a padded copy of the image.
#include <cblas.h>
#include <omp.h>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define ZCNAS_DIRECT_CONV 1
#endif

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#include "core/error.hpp"
#include "kernels/conv.hpp"
#include "kernels/prefetch_cpu.hpp"

namespace zcnas {
namespace {

void gemm(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
}
void gemm(int m, int n, int k, const double* a, int lda, const double* b, int ldb, double* c, int ldc) {
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0, a, lda, b, ldb, 0.0, c, ldc);
}

// Where kernel tap `tap` of output o reads: input index o * stride + offset (ConvShape's rule, one axis).
int64_t tap_offset(const ConvShape& s, int tap) { return static_cast<int64_t>(tap) * s.dilation - s.pad + s.shift; }

// The outputs [lo, hi) of `outputs` whose input index o * stride + offset lies inside [0, size).
struct OutputRange {
  int64_t lo, hi;
};
OutputRange inside(int64_t offset, int64_t size, int stride, int64_t outputs) {
  const int64_t lo = std::min(outputs, offset >= 0 ? 0 : (-offset + stride - 1) / stride);
  const int64_t last = size - 1 - offset;  // o * stride <= last
  const int64_t hi = last < 0 ? 0 : std::min(outputs, last / stride + 1);
  return {lo, std::max(lo, hi)};
}

// Rows (ci, ky, kx) x columns (image, oy, ox) for images [b0, b1) of a [Cin][B][H*W] input.
template <typename T>
void im2col(const T* in, const ConvShape& s, int64_t b0, int64_t b1, T* col) {
  const int k = s.kernel, stride = s.stride;
  const int64_t h = s.height, w = s.width, ho = s.out_height, wo = s.out_width;
  const int64_t cols = (b1 - b0) * ho * wo;
  for (int64_t ci = 0; ci < s.in_channels; ++ci) {
    for (int ky = 0; ky < k; ++ky) {
      const int64_t dy = tap_offset(s, ky);
      const OutputRange rows = inside(dy, h, stride, ho);
      for (int kx = 0; kx < k; ++kx) {
        T* row = col + ((ci * k + ky) * k + kx) * cols;
        const int64_t dx = tap_offset(s, kx);
        const OutputRange xs = inside(dx, w, stride, wo);
        for (int64_t b = b0; b < b1; ++b) {
          const T* plane = in + (ci * s.batch + b) * h * w;
          T* dst_img = row + (b - b0) * ho * wo;
          for (int64_t oy = 0; oy < ho; ++oy) {
            T* dst = dst_img + oy * wo;
            if (oy < rows.lo || oy >= rows.hi || xs.lo >= xs.hi) {
              std::fill(dst, dst + wo, T(0));
              continue;
            }
            const int64_t x0 = (oy * stride + dy) * w + dx;  // column ox reads plane[x0 + ox * stride]
            std::fill(dst, dst + xs.lo, T(0));
            if (stride == 1) {
              std::memcpy(dst + xs.lo, plane + x0 + xs.lo, static_cast<size_t>(xs.hi - xs.lo) * sizeof(T));
            } else {
              for (int64_t ox = xs.lo; ox < xs.hi; ++ox) dst[ox] = plane[x0 + ox * stride];
            }
            std::fill(dst + xs.hi, dst + wo, T(0));
          }
        }
      }
    }
  }
}

// Depthwise outputs are computed in blocks of up to kBlockRows x kBlockCols, held in registers while every tap is
// added; 4 x kBlockCols for outputs of at most 4 rows (a stride-2 convolution of an 8x8 plane), else 8 x kBlockCols.
constexpr int64_t kBlockRows = 8, kBlockCols = 8;
int64_t block_rows(const ConvShape& s) { return s.out_height <= kBlockRows / 2 ? kBlockRows / 2 : kBlockRows; }

int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

// A depthwise convolution's input plane as its taps read it: padded with zeros, the shift applied (position
// (py, px) is input (py - pad + shift, px - pad + shift)), split by column phase (phase r holds columns r,
// r + stride, r + 2 * stride, ...) and large enough for whole blocks of outputs. Tap (ky, kx) of output (oy, ox)
// is position (oy * stride + ky * dilation, ox * stride + kx * dilation): phase (kx * dilation) % stride, row
// oy * stride + ky * dilation, column ox + (kx * dilation) / stride; so each tap of a row of outputs reads
// consecutive values.
template <typename T>
class PhasePlanes {
 public:
  explicit PhasePlanes(const ConvShape& s)
      : s_(s),
        rows_((round_up(s.out_height, block_rows(s)) - 1) * s.stride + static_cast<int64_t>(s.kernel - 1) * s.dilation +
              1),
        cols_(round_up(s.out_width, kBlockCols) + static_cast<int64_t>(s.kernel - 1) * s.dilation / s.stride),
        first_(s.shift - s.pad),
        input_rows_(inside(first_, s.height, 1, rows_)) {
    for (int ky = 0; ky < s.kernel; ++ky)
      for (int kx = 0; kx < s.kernel; ++kx) {
        const int64_t row = static_cast<int64_t>(ky) * s.dilation, col = static_cast<int64_t>(kx) * s.dilation;
        taps_.push_back((col % s.stride * rows_ + row) * cols_ + col / s.stride);
      }
    for (int r = 0; r < s.stride; ++r) input_cols_.push_back(inside(first_ + r, s.width, s.stride, cols_));
  }

  int64_t floats() const { return s_.stride * rows_ * cols_; }
  int64_t output_row_step() const { return s_.stride * cols_; }  // from output row oy to oy + 1, in every phase
  const std::vector<int64_t>& taps() const { return taps_; }     // where tap (ky, kx) of output (0, 0) reads

  // Zeros where the taps read padding: once per buffer, as fill() never writes there.
  void clear(T* planes) const { std::fill(planes, planes + floats(), T(0)); }

  // The positions inside the input, from one [H][W] plane.
  void fill(const T* x, T* planes) const {
    for (int64_t py = input_rows_.lo; py < input_rows_.hi; ++py) {
      const int64_t row = (py + first_) * s_.width + first_;  // column j of phase r is x[row + j * stride + r]
      for (int r = 0; r < s_.stride; ++r) {
        T* dst = planes + (r * rows_ + py) * cols_;
        const OutputRange js = input_cols_[static_cast<size_t>(r)];
        if (s_.stride == 1) {
          std::copy(x + row + js.lo, x + row + js.hi, dst + js.lo);
        } else if (s_.stride == 2) {  // a constant stride: the loop vectorises
          for (int64_t j = js.lo; j < js.hi; ++j) dst[j] = x[row + j * 2 + r];
        } else {
          for (int64_t j = js.lo; j < js.hi; ++j) dst[j] = x[row + j * s_.stride + r];
        }
      }
    }
  }

 private:
  const ConvShape& s_;
  int64_t rows_, cols_;
  int64_t first_;                        // the input row and column of position 0
  OutputRange input_rows_;               // rows of every phase inside the input
  std::vector<OutputRange> input_cols_;  // per phase, its columns inside the input
  std::vector<int64_t> taps_;
};

// One channel of one image: y [Ho][Wo] from its phase planes and its k x k filter, each output the sum of its
// taps in row-major order (taps on padding add zero).
template <int64_t BlockRows, typename T>
void depthwise_plane(const ConvShape& s, const PhasePlanes<T>& p, const T* planes, const T* filter, T* y) {
  const std::vector<int64_t>& taps = p.taps();
  const int64_t step = p.output_row_step();
  for (int64_t oy0 = 0; oy0 < s.out_height; oy0 += BlockRows)
    for (int64_t ox0 = 0; ox0 < s.out_width; ox0 += kBlockCols) {
      const T* block = planes + oy0 * step + ox0;
      T acc[BlockRows][kBlockCols];
      for (int64_t r = 0; r < BlockRows; ++r)
        for (int64_t i = 0; i < kBlockCols; ++i) acc[r][i] = filter[0] * block[taps[0] + r * step + i];
      for (size_t t = 1; t < taps.size(); ++t) {
        const T wt = filter[t];
        const T* in = block + taps[t];
        for (int64_t r = 0; r < BlockRows; ++r) {
#pragma omp simd
          for (int64_t i = 0; i < kBlockCols; ++i) acc[r][i] += wt * in[r * step + i];
        }
      }
      // Whole rows with constant bounds, the last block's with a mask: a variable-length copy would cost more than
      // the taps.
      const int64_t rows = std::min(BlockRows, s.out_height - oy0), cols = s.out_width - ox0;
      for (int64_t r = 0; r < rows; ++r) {
        T* out = y + (oy0 + r) * s.out_width + ox0;
        if (cols >= kBlockCols) {
          std::copy_n(acc[r], kBlockCols, out);
        } else {
          for (int64_t i = 0; i < kBlockCols; ++i)
            if (i < cols) out[i] = acc[r][i];
        }
      }
    }
}

template <typename T>
void depthwise_conv(const ConvShape& s, const T* x, const T* wgt, T* y, int threads, ConvScratch<T>& scratch) {
  const PhasePlanes<T> phases(s);
  const int64_t planes = s.in_channels * s.batch, in_area = s.height * s.width, out_area = s.out_height * s.out_width;
  if (scratch.per_thread.size() < static_cast<size_t>(threads)) scratch.per_thread.resize(static_cast<size_t>(threads));
#pragma omp parallel num_threads(threads)
  {
    auto& buf = scratch.per_thread[static_cast<size_t>(omp_get_thread_num())];
    if (buf.size() < static_cast<size_t>(phases.floats())) buf.resize(static_cast<size_t>(phases.floats()));
    phases.clear(buf.data());
#pragma omp for schedule(static)
    for (int64_t p = 0; p < planes; ++p) {  // channel-major: plane p is channel p / B
      phases.fill(x + p * in_area, buf.data());
      const T* filter = wgt + p / s.batch * s.kernel * s.kernel;
      if (block_rows(s) == kBlockRows) {
        depthwise_plane<kBlockRows>(s, phases, buf.data(), filter, y + p * out_area);
      } else {
        depthwise_plane<kBlockRows / 2>(s, phases, buf.data(), filter, y + p * out_area);
      }
    }
  }
}

#ifdef ZCNAS_DIRECT_CONV
// Dense convolutions of stride 1 or 2 in float without im2col: NB201's channel counts (16 to 64) make the GEMM's M so
// small that copying each image into im2col form and BLAS packing it again cost as much as the multiply-adds. Here
// each block of output channels and each tile of consecutive outputs of a plane (whole 8-float vectors, in one row or
// across rows) keep their accumulators in registers while every (ci, ky, kx) tap adds one broadcast weight times one
// input vector per tile vector, read from an image copied once with its zero padding (DirectImage).
constexpr int64_t kLanes = 8;                      // floats per AVX vector
constexpr int64_t kDirectFiltersInL1 = 16 * 1024;  // bytes of filters kept in L1 (of 32 KB) while the image passes

// Output channels in blocks of at most 6, as even as they divide (16 = 6 + 5 + 5), by tiles of 2 vectors: 12
// accumulators in registers, and a tap's 2 input vectors and up to 6 broadcast weights feed up to 12 FMAs. A short
// last block (16 = 6 + 6 + 4) would cost nearly a whole block's time.
constexpr int kDirectBlockChannels = 6, kDirectVectors = 2;
struct ChannelBlocks {
  int64_t count, width, wide;  // `wide` blocks of `width` channels, then blocks of width - 1
  explicit ChannelBlocks(int64_t channels)
      : count((channels + kDirectBlockChannels - 1) / kDirectBlockChannels),
        width((channels + count - 1) / count),
        wide(channels - count * (width - 1)) {}
  int64_t begin(int64_t block) const { return block * (width - 1) + std::min(block, wide); }
  int channels(int64_t block) const { return static_cast<int>(block < wide ? width : width - 1); }
};

// Weights [Cout][taps] block by block, each [taps][co] (co = the block's width): block j starts at begin(j) * taps.
void pack_blocks(const ChannelBlocks& blocks, int64_t taps, const float* w, float* packed) {
  for (int64_t j = 0; j < blocks.count; ++j) {
    const int64_t co0 = blocks.begin(j), width = blocks.channels(j);
    for (int64_t t = 0; t < taps; ++t)
      for (int64_t c = 0; c < width; ++c) *packed++ = w[(co0 + c) * taps + t];
  }
}

// A plane's stride in the copied image, in floats: a multiple of 4 KB apart would put the same row of every channel
// in one L1 set (64 sets of 64 B), and a tap reads all of them in turn. An odd number of cache lines spreads them.
int64_t spaced_plane(int64_t floats) {
  const int64_t lines = (floats + 15) / 16;
  return (lines | 1) * 16;
}

// The copied image of one sample, as the taps read it: per input channel, the zero-padded plane split into
// stride x stride phases (phase (py, px) holds padded rows py, py + stride, ... and columns px, px + stride, ...), so
// that tap (ky, kx) of outputs (oy, ox..ox+7) reads 8 consecutive floats of phase (ky % stride, kx % stride) at row
// oy + ky / stride, column ox + kx / stride. Stride 1: one phase, the padded plane.
struct DirectImage {
  int64_t stride, pad, height, width;  // of the input
  int64_t phase_rows, phase_cols, phase_area;
  int64_t channel_floats;  // from one input channel to the next
  explicit DirectImage(const ConvShape& s)
      : stride(s.stride),
        pad(s.pad),
        height(s.height),
        width(s.width),
        phase_rows((s.height + 2 * s.pad + s.stride - 1) / s.stride),
        phase_cols((s.width + 2 * s.pad + s.stride - 1) / s.stride),
        phase_area(phase_rows * phase_cols),
        channel_floats(spaced_plane(stride * stride * phase_area)) {}

  // Where tap (ky, kx) of output (0, 0) reads, from the channel's first float.
  int64_t tap(int ky, int kx) const {
    return ((ky % stride) * stride + kx % stride) * phase_area + ky / stride * phase_cols + kx / stride;
  }
  // Where output (oy, ox)'s taps are offset from output (0, 0)'s.
  int64_t output(int64_t oy, int64_t ox) const { return oy * phase_cols + ox; }

  // One input plane [H][W] into its channel's phases; the padding is never written, so it stays zero.
  void fill(const float* src, float* dst) const {
    if (stride == 1 && pad == 0) {
      std::memcpy(dst, src, static_cast<size_t>(height * width) * sizeof(float));
      return;
    }
    for (int64_t iy = 0; iy < height; ++iy) {
      const int64_t r = iy + pad;
      float* phase_row = dst + (r % stride) * stride * phase_area + r / stride * phase_cols;
      if (stride == 1) {
        std::memcpy(phase_row + pad, src + iy * width, static_cast<size_t>(width) * sizeof(float));
        continue;
      }
      split_columns(src + iy * width, phase_row);  // stride 2, the only other one direct_conv_applies takes
    }
  }

  // Stride 2: input columns 2i of a row go to column phase pad % 2 at pad / 2 + i, columns 2i + 1 to phase
  // (pad + 1) % 2 at (pad + 1) / 2 + i; 16 at a time, split into even and odd vectors.
  void split_columns(const float* src, float* phase_row) const {
    float* evens = phase_row + pad % 2 * phase_area + pad / 2;
    float* odds = phase_row + (pad + 1) % 2 * phase_area + (pad + 1) / 2;
    int64_t i = 0;
    for (; 2 * i + 2 * kLanes <= width; i += kLanes) {
      const __m256 a = _mm256_loadu_ps(src + 2 * i), b = _mm256_loadu_ps(src + 2 * i + kLanes);
      // [a0 a2 b0 b2 | a4 a6 b4 b6] -> [a0 a2 a4 a6 b0 b2 b4 b6], likewise the odd ones.
      const __m256 even = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
      const __m256 odd = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
      _mm256_storeu_ps(evens + i,
                       _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(even), _MM_SHUFFLE(3, 1, 2, 0))));
      _mm256_storeu_ps(odds + i,
                       _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(odd), _MM_SHUFFLE(3, 1, 2, 0))));
    }
    for (; 2 * i < width; ++i) {
      evens[i] = src[2 * i];
      if (2 * i + 1 < width) odds[i] = src[2 * i + 1];
    }
  }
};

// The register tile's vectors: AVX's 8 floats, or where the compiler targets AVX-512, 16. The wider ones do the same
// multiply-adds in the same order per output (so the same results) with half the loads, broadcasts and stores per
// multiply-add, which bound this tile more than the multiply-adds themselves. 12 accumulators either way: more,
// with the 32 registers of AVX-512, measured slower.
struct Ymm {
  using V = __m256;
  static constexpr int64_t kLanes = 8;
  static V zero() { return _mm256_setzero_ps(); }
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static V broadcast(const float* p) { return _mm256_broadcast_ss(p); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V sub(V a, V b) { return _mm256_sub_ps(a, b); }
  static V fmadd(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
};
#ifdef __AVX512F__
struct Zmm {
  using V = __m512;
  static constexpr int64_t kLanes = 16;
  static V zero() { return _mm512_setzero_ps(); }
  static V load(const float* p) { return _mm512_loadu_ps(p); }
  static V broadcast(const float* p) { return _mm512_set1_ps(*p); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static V sub(V a, V b) { return _mm512_sub_ps(a, b); }
  static V fmadd(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
};
#endif

// Where a tile's operands are: in[ci * ci_stride + taps[ky * K + kx]] + at[v] is tap (ky, kx) of vector v's first
// output; output channel c of the block goes to out + c * out_stride, vector v of it at + v * lanes. Winograd's
// products read each operand as the sum or difference of two (Operand), the second `second` floats after the first.
struct DirectTile {
  const float* in;
  int64_t ci_stride, cin;
  const int64_t* taps;
  int64_t at[kDirectVectors];
  const float* w;
  float* out;
  int64_t out_stride;
  int64_t second = 0;
};
enum class Operand { Load, Sum, Difference };

template <typename Vec, int Co, int V, int K, Operand Op>
void direct_tile(const DirectTile& t) {
  static_assert(Co * V <= 12, "accumulators must stay in registers (16 ymm, with the inputs and a weight)");
  // One flat array, one pointer per vector and every loop but the one over taps unrolled: GCC keeps these in
  // registers only so (a [Co][V] array, or rolled loops, store each accumulator to the stack every pass).
  typename Vec::V acc[Co * V];
#pragma GCC unroll 12
  for (int i = 0; i < Co * V; ++i) acc[i] = Vec::zero();
  int64_t taps[K * K];
#pragma GCC unroll 9
  for (int i = 0; i < K * K; ++i) taps[i] = t.taps[i];
  const float* w = t.w;
  const float* p[V];
#pragma GCC unroll 2
  for (int v = 0; v < V; ++v) p[v] = t.in + t.at[v];
  const int64_t cin = t.cin, ci_stride = t.ci_stride, second = t.second;
  for (int64_t ci = 0; ci < cin; ++ci) {
#pragma GCC unroll 9
    for (int k = 0; k < K * K; ++k) {
      typename Vec::V a[V];
#pragma GCC unroll 2
      for (int v = 0; v < V; ++v) {
        a[v] = Vec::load(p[v] + taps[k]);
        if constexpr (Op == Operand::Sum) a[v] = Vec::add(a[v], Vec::load(p[v] + taps[k] + second));
        if constexpr (Op == Operand::Difference) a[v] = Vec::sub(a[v], Vec::load(p[v] + taps[k] + second));
      }
#pragma GCC unroll 6
      for (int c = 0; c < Co; ++c) {
        const typename Vec::V wv = Vec::broadcast(w + c);
#pragma GCC unroll 2
        for (int v = 0; v < V; ++v) acc[c * V + v] = Vec::fmadd(wv, a[v], acc[c * V + v]);
      }
      w += Co;
    }
#pragma GCC unroll 2
    for (int v = 0; v < V; ++v) p[v] += ci_stride;
  }
  float* const out = t.out;
  const int64_t out_stride = t.out_stride;
#pragma GCC unroll 6
  for (int c = 0; c < Co; ++c)
#pragma GCC unroll 2
    for (int v = 0; v < V; ++v) Vec::store(out + c * out_stride + v * Vec::kLanes, acc[c * V + v]);
}

// direct_tile for a block of `co` channels (at most Co) and a tile of V vectors.
template <typename Vec, int K, Operand Op, int V, int Co = kDirectBlockChannels>
void direct_tile_of_width(int co, const DirectTile& t) {
  if constexpr (Co > 1) {
    if (co < Co) return direct_tile_of_width<Vec, K, Op, V, Co - 1>(co, t);
  }
  direct_tile<Vec, Co, V, K, Op>(t);
}

// A whole tile, or the last of a plane whose area is an odd number of vectors.
template <typename Vec, int K, Operand Op = Operand::Load>
void direct_tile_any(int co, int vectors, const DirectTile& t) {
  if (vectors == kDirectVectors) return direct_tile_of_width<Vec, K, Op, kDirectVectors>(co, t);
  direct_tile_of_width<Vec, K, Op, 1>(co, t);
}

// Each vector of outputs must read each tap from consecutive floats of the copied image: outputs in one row, or for a
// 1x1 convolution of stride 1 without padding (its outputs are its inputs' positions) in consecutive rows.
template <typename Vec>
bool direct_conv_applies(const ConvShape& s) {
  const bool same_positions = s.kernel == 1 && s.stride == 1 && s.pad == 0;
  return s.groups == 1 && (s.stride == 1 || s.stride == 2) && s.dilation == 1 && s.shift == 0 &&
         (s.kernel == 1 || s.kernel == 3) &&
         (s.out_width % Vec::kLanes == 0 || (same_positions && s.out_height * s.out_width % Vec::kLanes == 0));
}

template <typename Vec>
void direct_conv(const ConvShape& s, const float* x, const float* w, float* y, int threads,
                 ConvScratch<float>& scratch) {
  const DirectImage layout(s);
  const int64_t in_area = s.height * s.width, out_area = s.out_height * s.out_width;
  const ChannelBlocks blocks(s.out_channels);
  std::vector<int64_t> tap_offsets;
  for (int ky = 0; ky < s.kernel; ++ky)
    for (int kx = 0; kx < s.kernel; ++kx) tap_offsets.push_back(layout.tap(ky, kx));
  // Slot 0 holds the packed weights, slot 1 + t thread t's copied image.
  if (scratch.per_thread.size() < static_cast<size_t>(threads) + 1)
    scratch.per_thread.resize(static_cast<size_t>(threads) + 1);
  std::vector<float>& packed = scratch.per_thread[0];
  const int64_t taps = s.in_channels * s.kernel * s.kernel;
  packed.resize(static_cast<size_t>(s.out_channels * taps));
  pack_blocks(blocks, taps, w, packed.data());
  const bool filters_fit = s.out_channels * taps * static_cast<int64_t>(sizeof(float)) <= kDirectFiltersInL1;
  const int64_t tile_outputs = kDirectVectors * Vec::kLanes, tiles = (out_area + tile_outputs - 1) / tile_outputs;
#pragma omp parallel num_threads(threads)
  {
    std::vector<float>& image = scratch.per_thread[static_cast<size_t>(omp_get_thread_num()) + 1];
    image.assign(static_cast<size_t>(s.in_channels * layout.channel_floats), 0.0f);
    // Images in pairs as threads come free: on shared cores one thread often runs slower, and a static split made
    // the other wait at the end of every convolution.
#pragma omp for schedule(dynamic, 2)
    for (int64_t b = 0; b < s.batch; ++b) {
      for (int64_t ci = 0; ci < s.in_channels; ++ci) {
        prefetch(plane_ahead(x, ci, b, s.in_channels, s.batch, in_area), in_area);
        layout.fill(x + (ci * s.batch + b) * in_area, image.data() + ci * layout.channel_floats);
      }
      // Tile by tile, every output channel block of each, or block by block, every tile of each: whichever keeps the
      // operands in the L1 cache (a small filter bank stays there while the image passes once; a large one is used a
      // block at a time while the image stays). One call site: each instantiation of direct_tile is inlined once.
      for (int64_t k = 0; k < tiles * blocks.count; ++k) {
        const int64_t o = (filters_fit ? k / blocks.count : k % tiles) * tile_outputs;
        const int64_t block = filters_fit ? k % blocks.count : k / tiles;
        const int64_t co0 = blocks.begin(block);
        const int co = blocks.channels(block);
        const int vectors = static_cast<int>(std::min(tile_outputs, out_area - o) / Vec::kLanes);
        DirectTile tile{image.data(),
                        layout.channel_floats,
                        s.in_channels,
                        tap_offsets.data(),
                        {},
                        packed.data() + co0 * taps,
                        y + (co0 * s.batch + b) * out_area + o,
                        s.batch * out_area};
        for (int v = 0; v < vectors; ++v) {
          const int64_t first = o + v * Vec::kLanes;
          tile.at[v] = layout.output(first / s.out_width, first % s.out_width);
        }
        if (s.kernel == 3) {
          direct_tile_any<Vec, 3>(co, vectors, tile);
        } else {
          direct_tile_any<Vec, 1>(co, vectors, tile);
        }
      }
    }
  }
}

// Winograd F(2x2, 3x3) (Lavin and Gray, 2016) for dense 3x3 convolutions of stride 1 and padding 1: each 2x2 block
// ("tile") of outputs is A^T [(G g G^T) . (B^T d B)] A from the 4x4 block of padded input d under it, 16
// multiply-adds per (ci, co) and tile where the direct sum takes 36. The transforms add and subtract, and G halves,
// so each output is rounded differently from the direct sum (measured in tests/test_oracle.cpp).
// Per image, for each input channel: B^T applied along x to every padded row, straight from the input, into U,
// with tiles numbered row-major over the plane; then per strip of a tile's worth of tiles (2 vectors: 16 or 32): one
// product per position with the transformed weights into M [16 positions][Cout][strip] (direct_tile, the position's
// Cin as its taps, each operand the sum or difference of two rows of U that is B^T along y), and A^T .. A into the
// outputs, 8 tiles at a time.
constexpr int64_t kWinogradPositions = 16;
template <typename Vec>
constexpr int64_t kWinogradStrip = kDirectVectors* Vec::kLanes;

template <typename Vec>
bool winograd_applies(const ConvShape& s) {
  return s.groups == 1 && s.kernel == 3 && s.stride == 1 && s.pad == 1 && s.dilation == 1 && s.shift == 0 &&
         s.width % kLanes == 0 && s.height % 2 == 0 && (s.height / 2) * (s.width / 2) % Vec::kLanes == 0;
}

// G g G^T of every filter, in double and rounded once, straight into each position's weights packed by blocks
// (pack_blocks' layout, with the position's Cin as the taps): position p, output channel co0 + c of block j, input
// channel ci at p * Cout * Cin + begin(j) * Cin + ci * width(j) + c.
void winograd_weights(const ConvShape& s, const ChannelBlocks& blocks, const float* w, float* packed) {
  static constexpr double G[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
  const int64_t cin = s.in_channels, per_position = s.out_channels * cin;
  for (int64_t j = 0; j < blocks.count; ++j) {
    const int64_t co0 = blocks.begin(j), width = blocks.channels(j);
    for (int64_t c = 0; c < width; ++c)
      for (int64_t ci = 0; ci < cin; ++ci) {
        const float* g = w + ((co0 + c) * cin + ci) * 9;
        double gg[4][3];  // G g
        for (int i = 0; i < 4; ++i)
          for (int kx = 0; kx < 3; ++kx) gg[i][kx] = G[i][0] * g[kx] + G[i][1] * g[3 + kx] + G[i][2] * g[6 + kx];
        float* dst = packed + co0 * cin + ci * width + c;
        for (int i = 0; i < 4; ++i)
          for (int k = 0; k < 4; ++k)
            dst[(i * 4 + k) * per_position] =
                static_cast<float>(gg[i][0] * G[k][0] + gg[i][1] * G[k][1] + gg[i][2] * G[k][2]);
      }
  }
}

// Shifts by one float: [prev[3], cur[0..2]] and [cur[1..3], next[0]].
__m128 shift_in_last(__m128 cur, __m128 prev) {
  return _mm_castsi128_ps(_mm_alignr_epi8(_mm_castps_si128(cur), _mm_castps_si128(prev), 12));
}
__m128 shift_in_first(__m128 cur, __m128 next) {
  return _mm_castsi128_ps(_mm_alignr_epi8(_mm_castps_si128(next), _mm_castps_si128(cur), 4));
}

struct WinogradImage {
  int64_t height, width;
  int64_t tiles_wide, tiles_high, tiles;
  int64_t u_half, u_channel;  // U of a channel: [column combination 4][row parity 2][tiles_high + 1][tiles_wide]

  explicit WinogradImage(const ConvShape& s)
      : height(s.height),
        width(s.width),
        tiles_wide(s.width / 2),
        tiles_high(s.height / 2),
        tiles(tiles_wide * tiles_high),
        u_half((tiles_high + 1) * tiles_wide),
        u_channel(8 * u_half) {}

  // U's rows of padded rows 0 and height + 1, which are zero: once per buffer, as columns() never writes them.
  void clear_padding(float* u) const {
    for (int i = 0; i < 4; ++i) {
      float* combination = u + 2 * i * u_half;
      std::fill(combination, combination + tiles_wide, 0.0f);                            // even row 0
      std::fill(combination + 2 * u_half - tiles_wide, combination + 2 * u_half, 0.0f);  // odd row tiles_high
    }
  }

  // B^T along x, from one input plane [H][W]. Padded row r = iy + 1 is 0, x[iy][0 .. W-1], 0, so tile tx covers
  // x[2tx - 1 .. 2tx + 2]: with evens[k] = x[2k] and odds[k] = x[2k + 1] (evens[tiles_wide] = odds[-1] = 0) its four
  // combinations are odds[tx - 1] - odds[tx], evens[tx] + odds[tx], odds[tx] - evens[tx], evens[tx] - evens[tx + 1].
  // They go to U rows of parity r % 2, row r / 2; 4 tiles at a time (tiles_wide is a multiple of 4).
  // A row of `ahead` (a plane to come, or null) is prefetched with each row.
  void columns(const float* x, float* u, const float* ahead) const {
    for (int64_t iy = 0; iy < height; ++iy) {
      if (ahead) prefetch(ahead + iy * width, width);
      const int64_t r = iy + 1;
      float* dst = u + ((r % 2) * (tiles_high + 1) + r / 2) * tiles_wide;
      const float* row = x + iy * width;
      __m128 a = _mm_loadu_ps(row), b = _mm_loadu_ps(row + 4);
      __m128 evens = _mm_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0)),
             odds = _mm_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
      __m128 prev_odds = _mm_setzero_ps();
      for (int64_t tx = 0; tx < tiles_wide; tx += 4) {
        __m128 next_evens = _mm_setzero_ps(), next_odds = _mm_setzero_ps();
        if (tx + 4 < tiles_wide) {
          a = _mm_loadu_ps(row + 2 * tx + 8);
          b = _mm_loadu_ps(row + 2 * tx + 12);
          next_evens = _mm_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
          next_odds = _mm_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
        }
        _mm_storeu_ps(dst + tx, _mm_sub_ps(shift_in_last(odds, prev_odds), odds));
        _mm_storeu_ps(dst + 2 * u_half + tx, _mm_add_ps(evens, odds));
        _mm_storeu_ps(dst + 4 * u_half + tx, _mm_sub_ps(odds, evens));
        _mm_storeu_ps(dst + 6 * u_half + tx, _mm_sub_ps(evens, shift_in_first(evens, next_evens)));
        prev_odds = odds;
        evens = next_evens;
        odds = next_odds;
      }
    }
  }

  // A^T m A for tiles [t0, t0 + 8 * vectors) of one output channel: m[(j * 4 + i) * m_position + tile], y the
  // channel's [H][W] plane. Four consecutive tiles are in one row of tiles (tiles_wide is a multiple of 4).
  void outputs(const float* m, int64_t m_position, int64_t t0, int vectors, float* y) const {
    for (int k = 0; k < vectors; ++k) {
      __m256 r0[4], r1[4];  // A^T along y
      for (int i = 0; i < 4; ++i) {
        const float* mi = m + i * m_position + k * kLanes;
        const __m256 m0 = _mm256_loadu_ps(mi), m1 = _mm256_loadu_ps(mi + 4 * m_position);
        const __m256 m2 = _mm256_loadu_ps(mi + 8 * m_position), m3 = _mm256_loadu_ps(mi + 12 * m_position);
        r0[i] = _mm256_add_ps(_mm256_add_ps(m0, m1), m2);
        r1[i] = _mm256_sub_ps(_mm256_sub_ps(m1, m2), m3);
      }
      const __m256* r[2] = {r0, r1};
      for (int dy = 0; dy < 2; ++dy) {
        const __m256 left = _mm256_add_ps(_mm256_add_ps(r[dy][0], r[dy][1]), r[dy][2]);
        const __m256 right = _mm256_sub_ps(_mm256_sub_ps(r[dy][1], r[dy][2]), r[dy][3]);
        // [l0 r0 l1 r1 | l4 r4 l5 r5], [l2 r2 l3 r3 | l6 r6 l7 r7] -> tiles 0-3's 8 outputs, then tiles 4-7's.
        const __m256 lo = _mm256_unpacklo_ps(left, right), hi = _mm256_unpackhi_ps(left, right);
        const __m256 halves[2] = {_mm256_permute2f128_ps(lo, hi, 0x20), _mm256_permute2f128_ps(lo, hi, 0x31)};
        for (int h = 0; h < 2; ++h) {
          const int64_t t = t0 + k * kLanes + h * 4, ty = t / tiles_wide, tx = t % tiles_wide;
          _mm256_storeu_ps(y + (2 * ty + dy) * width + 2 * tx, halves[h]);
        }
      }
    }
  }
};

template <typename Vec>
void winograd_conv(const ConvShape& s, const float* x, const float* w, float* y, int threads,
                   ConvScratch<float>& scratch) {
  constexpr int64_t strip = kWinogradStrip<Vec>;
  const WinogradImage layout(s);
  const ChannelBlocks blocks(s.out_channels);
  const int64_t area = s.height * s.width, cin = s.in_channels, cout = s.out_channels;
  // Slot 0 holds the transformed weights, slot 1 + t thread t's image: its U and M.
  if (scratch.per_thread.size() < static_cast<size_t>(threads) + 1)
    scratch.per_thread.resize(static_cast<size_t>(threads) + 1);
  std::vector<float>& packed = scratch.per_thread[0];
  packed.resize(static_cast<size_t>(kWinogradPositions * cout * cin));
  winograd_weights(s, blocks, w, packed.data());
  const int64_t u_floats = cin * layout.u_channel;
  const int64_t m_floats = kWinogradPositions * cout * strip;
  const int64_t zero = 0;
#pragma omp parallel num_threads(threads)
  {
    std::vector<float>& buffer = scratch.per_thread[static_cast<size_t>(omp_get_thread_num()) + 1];
    buffer.resize(static_cast<size_t>(u_floats + m_floats));
    float* const u = buffer.data();
    for (int64_t ci = 0; ci < cin; ++ci) layout.clear_padding(u + ci * layout.u_channel);
    float* const m = u + u_floats;
#pragma omp for schedule(dynamic, 2)  // as direct_conv's
    for (int64_t b = 0; b < s.batch; ++b) {
      for (int64_t ci = 0; ci < cin; ++ci)
        layout.columns(x + (ci * s.batch + b) * area, u + ci * layout.u_channel,
                       plane_ahead(x, ci, b, cin, s.batch, area));
      for (int64_t t0 = 0; t0 < layout.tiles; t0 += strip) {
        const int64_t tiles = std::min(strip, layout.tiles - t0);
        const int vectors = static_cast<int>(tiles / Vec::kLanes);
        // Tile (ty, tx) = t covers padded rows 2ty .. 2ty + 3: U rows (even, ty), (odd, ty), (even, ty + 1), (odd,
        // ty + 1), at t and t + tiles_wide of each parity. B^T along y: a - c, b + c, c - b, b - d.
        for (int i = 0; i < 4; ++i) {
          const int64_t even = 2 * i * layout.u_half + t0, odd = even + layout.u_half, below = layout.tiles_wide;
          const struct {
            int64_t first, second;
            Operand op;
          } rows[4] = {{even, below, Operand::Difference},
                       {odd, even + below - odd, Operand::Sum},
                       {even + below, odd - even - below, Operand::Difference},
                       {odd, below, Operand::Difference}};
          for (int j = 0; j < 4; ++j) {
            const int64_t p = j * 4 + i;
            for (int64_t block = 0; block < blocks.count; ++block) {
              const int64_t co0 = blocks.begin(block);
              DirectTile tile{u + rows[j].first,
                              layout.u_channel,
                              cin,
                              &zero,
                              {0, Vec::kLanes},
                              packed.data() + p * cout * cin + co0 * cin,
                              m + (p * cout + co0) * strip,
                              strip,
                              rows[j].second};
              if (rows[j].op == Operand::Sum) {
                direct_tile_any<Vec, 1, Operand::Sum>(blocks.channels(block), vectors, tile);
              } else {
                direct_tile_any<Vec, 1, Operand::Difference>(blocks.channels(block), vectors, tile);
              }
            }
          }
        }
        for (int64_t co = 0; co < cout; ++co)
          layout.outputs(m + co * strip, cout * strip, t0, static_cast<int>(tiles / kLanes),
                         y + (co * s.batch + b) * area);
      }
    }
  }
}
#endif

}  // namespace

template <typename T>
void conv2d_cpu(const ConvShape& s, const T* x, const T* wgt, T* y, int threads, ConvScratch<T>& scratch) {
  ZCNAS_REQUIRE(s.groups > 0 && s.in_channels % s.groups == 0 && s.out_channels % s.groups == 0,
                "conv: {} groups do not divide {} input and {} output channels", s.groups, s.in_channels,
                s.out_channels);
  if (s.depthwise()) return depthwise_conv(s, x, wgt, y, threads, scratch);
#ifdef ZCNAS_DIRECT_CONV
  if constexpr (std::is_same_v<T, float>) {
    // The widest vectors a shape takes: the results are the same with either.
#ifdef __AVX512F__
    if (winograd_applies<Zmm>(s)) return winograd_conv<Zmm>(s, x, wgt, y, threads, scratch);
#endif
    if (winograd_applies<Ymm>(s)) return winograd_conv<Ymm>(s, x, wgt, y, threads, scratch);
#ifdef __AVX512F__
    if (direct_conv_applies<Zmm>(s)) return direct_conv<Zmm>(s, x, wgt, y, threads, scratch);
#endif
    if (direct_conv_applies<Ymm>(s)) return direct_conv<Ymm>(s, x, wgt, y, threads, scratch);
  }
#endif
  const int k = s.kernel;
  const int64_t groups = s.groups, group_out = s.out_channels / groups;
  const int64_t rows = s.in_channels / groups * k * k;  // of the GEMM's inner dimension, per group
  const int64_t spatial = s.out_height * s.out_width, ldc = s.batch * spatial;
  if (k == 1 && s.stride == 1 && s.pad == 0 && s.shift == 0) {
    // A 1x1 convolution reads the input as the GEMM's right-hand matrix directly.
    const int64_t per = (ldc + threads - 1) / threads;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int t = 0; t < threads; ++t) {
      const int64_t c0 = t * per, c1 = std::min(ldc, c0 + per);
      if (c1 <= c0) continue;
      for (int64_t g = 0; g < groups; ++g)
        gemm(static_cast<int>(group_out), static_cast<int>(c1 - c0), static_cast<int>(rows), wgt + g * group_out * rows,
             static_cast<int>(rows), x + g * rows * ldc + c0, static_cast<int>(ldc), y + g * group_out * ldc + c0,
             static_cast<int>(ldc));
    }
    return;
  }
  // Blocks of images whose im2col matrix stays near 1 MB, one block per thread at a time.
  const int64_t per_image = groups * rows * spatial;
  const int64_t block = std::max<int64_t>(1, (int64_t{1} << 18) / std::max<int64_t>(1, per_image));
  const int64_t nblocks = (s.batch + block - 1) / block;
  if (scratch.per_thread.size() < static_cast<size_t>(threads)) scratch.per_thread.resize(static_cast<size_t>(threads));
#pragma omp parallel for num_threads(threads) schedule(dynamic)
  for (int64_t blk = 0; blk < nblocks; ++blk) {
    const int64_t b0 = blk * block, b1 = std::min(s.batch, b0 + block);
    auto& col = scratch.per_thread[static_cast<size_t>(omp_get_thread_num())];
    if (col.size() < static_cast<size_t>(per_image * block)) col.resize(static_cast<size_t>(per_image * block));
    im2col(x, s, b0, b1, col.data());
    const int64_t ncols = (b1 - b0) * spatial;
    // Group g: output channels [g * group_out, +group_out) from im2col rows [g * rows, +rows).
    for (int64_t g = 0; g < groups; ++g)
      gemm(static_cast<int>(group_out), static_cast<int>(ncols), static_cast<int>(rows), wgt + g * group_out * rows,
           static_cast<int>(rows), col.data() + g * rows * ncols, static_cast<int>(ncols),
           y + g * group_out * ldc + b0 * spatial, static_cast<int>(ldc));
  }
}

template void conv2d_cpu<float>(const ConvShape&, const float*, const float*, float*, int, ConvScratch<float>&);
template void conv2d_cpu<double>(const ConvShape&, const double*, const double*, double*, int, ConvScratch<double>&);

}  // namespace zcnas
