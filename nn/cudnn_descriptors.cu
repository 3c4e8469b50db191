// cuDNN descriptors of one convolution shape (see cudnn_descriptors.hpp).
#include <limits>
#include <string>

#include "core/cuda_check.hpp"
#include "nn/cudnn_descriptors.hpp"

namespace zcnas::cuda {
namespace {

std::string describe(const ConvShape& s) {
  return fmt::format(
      "convolution {}x{} stride {} pad {} dilation {} groups {} shift {} of [{}, {}, {}, {}] -> [{}, {}, {}, {}]",
      s.kernel, s.kernel, s.stride, s.pad, s.dilation, s.groups, s.shift, s.batch, s.in_channels, s.height, s.width,
      s.batch, s.out_channels, s.out_height, s.out_width);
}

// cuDNN's legacy descriptors take int sizes.
int to_int(int64_t v, const char* what, const ConvShape& s) {
  ZCNAS_REQUIRE(v > 0 && v <= std::numeric_limits<int>::max(), "{}: {} = {} is not a positive int", describe(s), what,
                v);
  return static_cast<int>(v);
}

cudnnMathType_t cudnn_math_type(ConvMath math) {
  return math == ConvMath::Fp32 ? CUDNN_FMA_MATH : CUDNN_TENSOR_OP_MATH;
}

}  // namespace

ConvDescriptors::~ConvDescriptors() {
  if (x) cudnnDestroyTensorDescriptor(x);
  if (y) cudnnDestroyTensorDescriptor(y);
  if (w) cudnnDestroyFilterDescriptor(w);
  if (conv) cudnnDestroyConvolutionDescriptor(conv);
}

void ConvDescriptors::init(const ConvShape& s, ConvMath math) {
  const int batch = to_int(s.batch, "batch", s), in = to_int(s.in_channels, "in_channels", s);
  const int out = to_int(s.out_channels, "out_channels", s), groups = to_int(s.groups, "groups", s);
  const int height = to_int(s.height, "height", s), width = to_int(s.width, "width", s);
  ZCNAS_REQUIRE(in % groups == 0 && out % groups == 0, "{}: the groups do not divide the channels", describe(s));
  // A shift reads the input's pixels, never padding (nn/network.hpp, ConvOptions).
  ZCNAS_REQUIRE(s.shift >= 0 && s.shift < height && s.shift < width && (s.shift == 0 || s.pad == 0),
                "{}: a shift needs pad 0 and must leave some of the input", describe(s));
  ZCNAS_CUDA_CHECK(cudnnCreateTensorDescriptor(&x));
  ZCNAS_CUDA_CHECK(cudnnCreateTensorDescriptor(&y));
  ZCNAS_CUDA_CHECK(cudnnCreateFilterDescriptor(&w));
  ZCNAS_CUDA_CHECK(cudnnCreateConvolutionDescriptor(&conv));
  // The shifted input is a view of the full NCHW planes: the same strides, its first pixel at (shift, shift).
  ZCNAS_CUDA_CHECK(cudnnSetTensor4dDescriptorEx(x, CUDNN_DATA_FLOAT, batch, in, height - s.shift, width - s.shift,
                                                to_int(s.in_channels * s.height * s.width, "input sample size", s),
                                                height * width, width, 1));
  x_offset = static_cast<int64_t>(s.shift) * (s.width + 1);
  ZCNAS_CUDA_CHECK(
      cudnnSetFilter4dDescriptor(w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, out, in / groups, s.kernel, s.kernel));
  // PyTorch's convolution is a cross-correlation.
  ZCNAS_CUDA_CHECK(cudnnSetConvolution2dDescriptor(conv, s.pad, s.pad, s.stride, s.stride, s.dilation, s.dilation,
                                                   CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
  ZCNAS_CUDA_CHECK(cudnnSetConvolutionGroupCount(conv, groups));
  ZCNAS_CUDA_CHECK(cudnnSetConvolutionMathType(conv, cudnn_math_type(math)));
  // The plan sized the output buffer; cuDNN would write the shape it derives.
  int dims[4] = {};
  ZCNAS_CUDA_CHECK(cudnnGetConvolution2dForwardOutputDim(conv, x, w, &dims[0], &dims[1], &dims[2], &dims[3]));
  ZCNAS_REQUIRE(dims[0] == s.batch && dims[1] == s.out_channels && dims[2] == s.out_height && dims[3] == s.out_width,
                "{}: cuDNN derives the output [{}, {}, {}, {}]", describe(s), dims[0], dims[1], dims[2], dims[3]);
  ZCNAS_CUDA_CHECK(cudnnSetTensor4dDescriptor(y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, batch, out,
                                              to_int(s.out_height, "out_height", s),
                                              to_int(s.out_width, "out_width", s)));
}

}  // namespace zcnas::cuda
