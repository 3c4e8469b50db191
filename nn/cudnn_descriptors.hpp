// cuDNN's legacy descriptors of one convolution of a forward plan. Building them needs no device (only a cuDNN
// handle does), so tests/cudalib checks them for every convolution of every space on any CUDA build.
// CUDA builds only.
#pragma once
#include <cudnn.h>

#include "kernels/conv.hpp"
#include "nn/cuda_executor.hpp"

namespace zcnas::cuda {

// x: the input [B, Cin, H, W], y: the output [B, Cout, Ho, Wo], both float NCHW (the CUDA layout of
// kernels/tensor_layout.hpp); w: [Cout, Cin, k, k]; conv: PyTorch's cross-correlation with the shape's pad and
// stride, no dilation. Destroyed with the object.
struct ConvDescriptors {
  cudnnTensorDescriptor_t x = nullptr, y = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;

  ConvDescriptors() = default;
  ConvDescriptors(const ConvDescriptors&) = delete;
  ConvDescriptors& operator=(const ConvDescriptors&) = delete;
  ~ConvDescriptors();

  // Throws when cuDNN rejects a setting, or when the output shape cuDNN derives differs from the shape's.
  void init(const ConvShape& shape, ConvMath math);
};

}  // namespace zcnas::cuda
