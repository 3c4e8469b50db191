// Convolutions on the CPU: im2col of a block of images, then one GEMM per block.
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cstring>

#include "kernels/conv.hpp"

namespace zcnas {
namespace {

void gemm(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
}
void gemm(int m, int n, int k, const double* a, int lda, const double* b, int ldb, double* c, int ldc) {
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0, a, lda, b, ldb, 0.0, c, ldc);
}

// Rows (ci, ky, kx) x columns (image, oy, ox) for images [b0, b1) of a [Cin][B][H*W] input.
template <typename T>
void im2col(const T* in, const ConvShape& s, int64_t b0, int64_t b1, T* col) {
  const int k = s.kernel, stride = s.stride, pad = s.pad;
  const int64_t h = s.height, w = s.width, ho = s.out_height, wo = s.out_width;
  const int64_t cols = (b1 - b0) * ho * wo;
  for (int64_t ci = 0; ci < s.in_channels; ++ci) {
    for (int ky = 0; ky < k; ++ky) {
      for (int kx = 0; kx < k; ++kx) {
        T* row = col + ((ci * k + ky) * k + kx) * cols;
        // Output columns ox whose input column ix = ox*stride - pad + kx lies inside [0, w).
        const int64_t ox_lo = std::max<int64_t>(0, (pad - kx + stride - 1) / stride);
        const int64_t ox_hi = std::min<int64_t>(wo, (w - 1 + pad - kx) / stride + 1);
        for (int64_t b = b0; b < b1; ++b) {
          const T* plane = in + (ci * s.batch + b) * h * w;
          T* dst_img = row + (b - b0) * ho * wo;
          for (int64_t oy = 0; oy < ho; ++oy) {
            T* dst = dst_img + oy * wo;
            const int64_t iy = oy * stride - pad + ky;
            if (iy < 0 || iy >= h || ox_lo >= ox_hi) {
              std::fill(dst, dst + wo, T(0));
              continue;
            }
            const T* src = plane + iy * w;
            std::fill(dst, dst + ox_lo, T(0));
            if (stride == 1) {
              std::memcpy(dst + ox_lo, src + ox_lo - pad + kx, static_cast<size_t>(ox_hi - ox_lo) * sizeof(T));
            } else {
              for (int64_t ox = ox_lo; ox < ox_hi; ++ox) dst[ox] = src[ox * stride - pad + kx];
            }
            std::fill(dst + ox_hi, dst + wo, T(0));
          }
        }
      }
    }
  }
}

}  // namespace

template <typename T>
void conv2d_cpu(const ConvShape& s, const T* x, const T* wgt, T* y, int threads, ConvScratch<T>& scratch) {
  const int k = s.kernel;
  const int64_t rows = s.in_channels * k * k, spatial = s.out_height * s.out_width;
  const int64_t ldc = s.batch * spatial;
  if (k == 1 && s.stride == 1 && s.pad == 0) {
    // A 1x1 convolution reads the input as the GEMM's right-hand matrix directly.
    const int64_t per = (ldc + threads - 1) / threads;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int t = 0; t < threads; ++t) {
      const int64_t c0 = t * per, c1 = std::min(ldc, c0 + per);
      if (c1 > c0)
        gemm(static_cast<int>(s.out_channels), static_cast<int>(c1 - c0), static_cast<int>(rows), wgt,
             static_cast<int>(rows), x + c0, static_cast<int>(ldc), y + c0, static_cast<int>(ldc));
    }
    return;
  }
  // Blocks of images whose im2col matrix stays near 1 MB, one block per thread at a time.
  const int64_t per_image = rows * spatial;
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
    gemm(static_cast<int>(s.out_channels), static_cast<int>(ncols), static_cast<int>(rows), wgt, static_cast<int>(rows),
         col.data(), static_cast<int>(ncols), y + b0 * spatial, static_cast<int>(ldc));
  }
}

template void conv2d_cpu<float>(const ConvShape&, const float*, const float*, float*, int, ConvScratch<float>&);
template void conv2d_cpu<double>(const ConvShape&, const double*, const double*, double*, int, ConvScratch<double>&);

}  // namespace zcnas
