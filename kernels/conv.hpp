// 2-D convolution without bias (PyTorch's cross-correlation), the CPU op: im2col + BLAS GEMM. The CUDA
// executor calls cuDNN for the same op.
#pragma once
#include <cstdint>
#include <tuple>
#include <vector>

namespace zcnas {

struct ConvShape {
  int64_t batch = 0, in_channels = 0, height = 0, width = 0;
  int64_t out_channels = 0, out_height = 0, out_width = 0;
  int kernel = 1, stride = 1, pad = 0;

  auto tie() const {
    return std::tie(batch, in_channels, height, width, out_channels, out_height, out_width, kernel, stride, pad);
  }
  bool operator==(const ConvShape& o) const { return tie() == o.tie(); }
  bool operator<(const ConvShape& o) const { return tie() < o.tie(); }
};

// Per-thread im2col buffers, kept between calls so that a forward rarely allocates.
template <typename T>
struct ConvScratch {
  std::vector<std::vector<T>> per_thread;
};

// x: [Cin][B][H*W], weight: [Cout][Cin][k][k], y: [Cout][B][Ho*Wo]. Blocks of images, one per thread at a
// time, each one single-threaded GEMM (BLAS must run one thread per call: the CPU executor sets that).
template <typename T>
void conv2d_cpu(const ConvShape& shape, const T* x, const T* weight, T* y, int threads, ConvScratch<T>& scratch);

}  // namespace zcnas
