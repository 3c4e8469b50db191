// The cuDNN descriptors of every distinct convolution of every network of every space, built by the CUDA
// executor's own code (nn/cudnn_descriptors.hpp) at the batch sizes the scores run: the settings cuDNN reads back
// and the output shape it derives must be the plan's. Descriptors need no device, so this runs on every CUDA
// build, GPU or not.
#include <cudnn.h>
#include <gtest/gtest.h>

#include <array>
#include <random>
#include <set>

#include "core/cuda_check.hpp"
#include "nn/cudnn_descriptors.hpp"
#include "nn/forward_plan.hpp"
#include "nn/plan_executor.hpp"
#include "scores/epsilon.hpp"
#include "spaces/space.hpp"
#include "test_support.hpp"

namespace zcnas {
namespace {

struct PlannedBatch {
  int64_t batch;
  bool sign_bits;
};

// NASWOT's hooked pass (128 by default), epsilon's forwards (256) and an odd batch.
constexpr PlannedBatch kBatches[] = {{128, true}, {kEpsilonDefaultBatch, false}, {37, true}};

// Seeded random valid genomes, as drawn (not made canonical).
std::vector<Genome> random_genomes(const SearchSpace& space, size_t count) {
  std::mt19937 rng(5);
  const auto choices = space.genome_choices();
  std::vector<Genome> genomes;
  while (genomes.size() < count) {
    Genome g(choices.size());
    for (size_t p = 0; p < g.size(); ++p) g[p] = static_cast<int32_t>(rng() % static_cast<uint32_t>(choices[p]));
    if (space.valid(g)) genomes.push_back(g);
  }
  return genomes;
}

// Every arch of an enumerable space of at most this many; 2000 seeded random archs of another.
constexpr int64_t kEveryArchUpTo = 100000;

std::vector<Genome> genomes_of(const SearchSpace& space) {
  std::vector<Genome> genomes;
  if (space.enumerable() && space.size() <= kEveryArchUpTo) {
    for (int64_t i = 0; i < space.size(); ++i) genomes.push_back(space.genome_of(i));
    return genomes;
  }
  for (const Genome& g : random_genomes(space, 2000)) genomes.push_back(space.canonical(g));
  return genomes;
}

// The distinct convolutions of the space's forward plans.
std::set<ConvShape> planned_convolutions(const SearchSpace& space, const std::vector<Genome>& genomes) {
  std::set<ConvShape> shapes;
  for (const Genome& g : genomes) {
    const Network net = space.build(g);
    for (const PlannedBatch& b : kBatches)
      for (const Step& s : plan_forward(net, b.batch, b.sign_bits).steps)
        if (s.kind == StepKind::Conv) shapes.insert(conv_shape(net, net.node(s.node), b.batch));
  }
  return shapes;
}

std::array<int, 4> nchw_strides(const std::array<int, 4>& dims) {
  return {dims[1] * dims[2] * dims[3], dims[2] * dims[3], dims[3], 1};
}

void expect_tensor(cudnnTensorDescriptor_t d, const std::array<int, 4>& dims, const char* what) {
  cudnnDataType_t type{};
  std::array<int, 4> got{}, strides{};
  ZCNAS_CUDA_CHECK(cudnnGetTensor4dDescriptor(d, &type, &got[0], &got[1], &got[2], &got[3], &strides[0], &strides[1],
                                              &strides[2], &strides[3]));
  EXPECT_EQ(type, CUDNN_DATA_FLOAT) << what;
  EXPECT_EQ(got, dims) << what;
  EXPECT_EQ(strides, nchw_strides(dims)) << what << ": not the CUDA layout, sample-major NCHW";
}

void expect_descriptors(const ConvShape& s, ConvMath math) {
  SCOPED_TRACE(::testing::Message() << "conv " << s.kernel << "x" << s.kernel << " stride " << s.stride << " pad "
                                    << s.pad << " of [" << s.batch << ", " << s.in_channels << ", " << s.height << ", "
                                    << s.width << "] -> " << s.out_channels << " channels");
  cuda::ConvDescriptors d;
  d.init(s, math);
  const auto i = [](int64_t v) { return static_cast<int>(v); };
  const std::array<int, 4> x{i(s.batch), i(s.in_channels), i(s.height), i(s.width)};
  const std::array<int, 4> y{i(s.batch), i(s.out_channels), i(s.out_height), i(s.out_width)};

  std::array<int, 4> derived{};
  ZCNAS_CUDA_CHECK(
      cudnnGetConvolution2dForwardOutputDim(d.conv, d.x, d.w, &derived[0], &derived[1], &derived[2], &derived[3]));
  EXPECT_EQ(derived, y) << "cuDNN's output shape is not the plan's";
  expect_tensor(d.x, x, "input");
  expect_tensor(d.y, y, "output");

  cudnnDataType_t type{};
  cudnnTensorFormat_t format{};
  std::array<int, 4> w{};
  ZCNAS_CUDA_CHECK(cudnnGetFilter4dDescriptor(d.w, &type, &format, &w[0], &w[1], &w[2], &w[3]));
  EXPECT_EQ(type, CUDNN_DATA_FLOAT);
  EXPECT_EQ(format, CUDNN_TENSOR_NCHW);
  EXPECT_EQ(w, (std::array<int, 4>{i(s.out_channels), i(s.in_channels), s.kernel, s.kernel}));

  int pad_h = 0, pad_w = 0, stride_h = 0, stride_w = 0, dilation_h = 0, dilation_w = 0;
  cudnnConvolutionMode_t mode{};
  cudnnDataType_t compute{};
  ZCNAS_CUDA_CHECK(cudnnGetConvolution2dDescriptor(d.conv, &pad_h, &pad_w, &stride_h, &stride_w, &dilation_h,
                                                   &dilation_w, &mode, &compute));
  EXPECT_EQ(pad_h, s.pad);
  EXPECT_EQ(pad_w, s.pad);
  EXPECT_EQ(stride_h, s.stride);
  EXPECT_EQ(stride_w, s.stride);
  EXPECT_EQ(dilation_h, 1);
  EXPECT_EQ(dilation_w, 1);
  EXPECT_EQ(mode, CUDNN_CROSS_CORRELATION) << "PyTorch's convolution";
  EXPECT_EQ(compute, CUDNN_DATA_FLOAT);
  cudnnMathType_t math_type{};
  ZCNAS_CUDA_CHECK(cudnnGetConvolutionMathType(d.conv, &math_type));
  EXPECT_EQ(math_type, math == ConvMath::Fp32 ? CUDNN_FMA_MATH : CUDNN_TENSOR_OP_MATH);
}

TEST(CudnnDescriptors, EveryPlannedConvolutionOfEverySpace) {
  for (const std::string& name : space_names()) {
    SCOPED_TRACE(name);
    const auto space = make_space(name);
    // A space whose networks need ops that nn/ does not have yet says so when asked for one.
    const std::string cannot_build = test::error_of([&] { space->build(random_genomes(*space, 1).front()); });
    if (!cannot_build.empty()) {
      std::printf("%s: no networks to plan (%s)\n", name.c_str(), cannot_build.c_str());
      continue;
    }
    const std::set<ConvShape> shapes = planned_convolutions(*space, genomes_of(*space));
    ASSERT_FALSE(shapes.empty());
    std::set<std::tuple<int64_t, int64_t, int64_t, int64_t, int, int, int>> per_sample;
    for (const ConvShape& s : shapes) {
      per_sample.emplace(s.in_channels, s.height, s.width, s.out_channels, s.kernel, s.stride, s.pad);
      for (ConvMath math : {ConvMath::Fp32, ConvMath::Tf32}) expect_descriptors(s, math);
    }
    std::printf("%s: %zu distinct convolutions (%zu per sample) at %zu batch sizes\n", name.c_str(), shapes.size(),
                per_sample.size(), std::size(kBatches));
  }
}

TEST(CudnnDescriptors, RejectAShapeThatCudnnWouldNotWrite) {
  ConvShape s{37, 16, 32, 32, 32, 16, 16, 3, 2, 1};
  cuda::ConvDescriptors ok;
  ok.init(s, ConvMath::Fp32);
  s.out_height = 15;  // the plan's buffer would be too small for what cuDNN writes
  const std::string wrong = test::error_of([&] {
    cuda::ConvDescriptors d;
    d.init(s, ConvMath::Fp32);
  });
  EXPECT_NE(wrong.find("cuDNN derives the output [37, 32, 16, 16]"), std::string::npos) << wrong;
  s.out_height = 16;
  s.pad = -1;
  const std::string negative = test::error_of([&] {
    cuda::ConvDescriptors d;
    d.init(s, ConvMath::Fp32);
  });
  EXPECT_NE(negative.find("cudnnSetConvolution2dDescriptor"), std::string::npos) << negative;
  s.pad = 1;
  s.batch = 0;
  EXPECT_NE(test::error_of([&] {
              cuda::ConvDescriptors d;
              d.init(s, ConvMath::Fp32);
            }).find("batch = 0"),
            std::string::npos);
}

}  // namespace
}  // namespace zcnas
