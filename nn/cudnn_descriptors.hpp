// cuDNN's legacy descriptors of one convolution of a forward plan. Building them needs no device (only a cuDNN
// handle does), so tests/cudalib checks them for every convolution of every space on any CUDA build.
// CUDA builds only.
#pragma once
#include <cudnn.h>

#include "kernels/conv.hpp"
#include "nn/cuda_executor.hpp"

namespace zcnas::cuda {

// x: the input [B, Cin, H, W], y: the output [B, Cout, Ho, Wo], both float NCHW (the CUDA layout of
// kernels/tensor_layout.hpp); w: [Cout, Cin / groups, k, k]; conv: PyTorch's cross-correlation with the shape's
// pad, stride, dilation and groups. A shifted convolution reads x from x_offset elements on: the planes'
// [H - shift, W - shift] corner at (shift, shift), in the full planes' strides. Destroyed with the object.
struct ConvDescriptors {
  cudnnTensorDescriptor_t x = nullptr, y = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  int64_t x_offset = 0;  // elements from the input tensor's start to where x begins

  ConvDescriptors() = default;
  ConvDescriptors(const ConvDescriptors&) = delete;
  ConvDescriptors& operator=(const ConvDescriptors&) = delete;
  ~ConvDescriptors();

  // Throws when cuDNN rejects a setting, or when the output shape cuDNN derives differs from the shape's.
  void init(const ConvShape& shape, ConvMath math);
};

}  // namespace zcnas::cuda
