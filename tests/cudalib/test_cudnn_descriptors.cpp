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

// Adds the convolutions of the network's forward plans at every batch of kBatches.
void add_planned_convolutions(const Network& net, std::set<ConvShape>& shapes) {
  for (const PlannedBatch& b : kBatches)
    for (const Step& s : plan_forward(net, b.batch, b.sign_bits).steps)
      if (s.kind == StepKind::Conv) shapes.insert(conv_shape(net, net.node(s.node), b.batch));
}

// The distinct convolutions of the space's forward plans.
std::set<ConvShape> planned_convolutions(const SearchSpace& space, const std::vector<Genome>& genomes) {
  std::set<ConvShape> shapes;
  for (const Genome& g : genomes) add_planned_convolutions(space.build(g), shapes);
  return shapes;
}

std::array<int, 4> nchw_strides(const std::array<int, 4>& dims) {
  return {dims[1] * dims[2] * dims[3], dims[2] * dims[3], dims[3], 1};
}

// A tensor of `dims` laid out as the NCHW tensor `full` is (itself, unless a shifted input's corner of it).
void expect_tensor(cudnnTensorDescriptor_t d, const std::array<int, 4>& dims, const std::array<int, 4>& full,
                   const char* what) {
  cudnnDataType_t type{};
  std::array<int, 4> got{}, strides{};
  ZCNAS_CUDA_CHECK(cudnnGetTensor4dDescriptor(d, &type, &got[0], &got[1], &got[2], &got[3], &strides[0], &strides[1],
                                              &strides[2], &strides[3]));
  EXPECT_EQ(type, CUDNN_DATA_FLOAT) << what;
  EXPECT_EQ(got, dims) << what;
  EXPECT_EQ(strides, nchw_strides(full)) << what << ": not the CUDA layout, sample-major NCHW";
}

void expect_descriptors(const ConvShape& s, ConvMath math) {
  SCOPED_TRACE(::testing::Message() << "conv " << s.kernel << "x" << s.kernel << " stride " << s.stride << " pad "
                                    << s.pad << " dilation " << s.dilation << " groups " << s.groups << " shift "
                                    << s.shift << " of [" << s.batch << ", " << s.in_channels << ", " << s.height
                                    << ", " << s.width << "] -> " << s.out_channels << " channels");
  cuda::ConvDescriptors d;
  d.init(s, math);
  const auto i = [](int64_t v) { return static_cast<int>(v); };
  const std::array<int, 4> x{i(s.batch), i(s.in_channels), i(s.height), i(s.width)};
  const std::array<int, 4> shifted{i(s.batch), i(s.in_channels), i(s.height - s.shift), i(s.width - s.shift)};
  const std::array<int, 4> y{i(s.batch), i(s.out_channels), i(s.out_height), i(s.out_width)};

  std::array<int, 4> derived{};
  ZCNAS_CUDA_CHECK(
      cudnnGetConvolution2dForwardOutputDim(d.conv, d.x, d.w, &derived[0], &derived[1], &derived[2], &derived[3]));
  EXPECT_EQ(derived, y) << "cuDNN's output shape is not the plan's";
  expect_tensor(d.x, shifted, x, "input");
  EXPECT_EQ(d.x_offset, s.shift * (s.width + 1)) << "the input's first pixel is not at (shift, shift)";
  expect_tensor(d.y, y, y, "output");

  cudnnDataType_t type{};
  cudnnTensorFormat_t format{};
  std::array<int, 4> w{};
  ZCNAS_CUDA_CHECK(cudnnGetFilter4dDescriptor(d.w, &type, &format, &w[0], &w[1], &w[2], &w[3]));
  EXPECT_EQ(type, CUDNN_DATA_FLOAT);
  EXPECT_EQ(format, CUDNN_TENSOR_NCHW);
  EXPECT_EQ(w, (std::array<int, 4>{i(s.out_channels), i(s.in_channels / s.groups), s.kernel, s.kernel}));
  int groups = 0;
  ZCNAS_CUDA_CHECK(cudnnGetConvolutionGroupCount(d.conv, &groups));
  EXPECT_EQ(groups, s.groups);

  int pad_h = 0, pad_w = 0, stride_h = 0, stride_w = 0, dilation_h = 0, dilation_w = 0;
  cudnnConvolutionMode_t mode{};
  cudnnDataType_t compute{};
  ZCNAS_CUDA_CHECK(cudnnGetConvolution2dDescriptor(d.conv, &pad_h, &pad_w, &stride_h, &stride_w, &dilation_h,
                                                   &dilation_w, &mode, &compute));
  EXPECT_EQ(pad_h, s.pad);
  EXPECT_EQ(pad_w, s.pad);
  EXPECT_EQ(stride_h, s.stride);
  EXPECT_EQ(stride_w, s.stride);
  EXPECT_EQ(dilation_h, s.dilation);
  EXPECT_EQ(dilation_w, s.dilation);
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
    std::set<ConvShape> per_sample;
    for (const ConvShape& s : shapes) {
      ConvShape one = s;
      one.batch = 1;
      per_sample.insert(one);
      for (ConvMath math : {ConvMath::Fp32, ConvMath::Tf32}) expect_descriptors(s, math);
    }
    std::printf("%s: %zu distinct convolutions (%zu per sample) at %zu batch sizes\n", name.c_str(), shapes.size(),
                per_sample.size(), std::size(kBatches));
  }
}

// The convolutions of DARTS' cells, as networks build and plan them: depthwise 3x3 and 5x5 at stride 1 and 2,
// dilated by 2, a grouped convolution that is not depthwise, and FactorizedReduce's shifted 1x1 stride-2 one.
TEST(CudnnDescriptors, DilatedGroupedAndShiftedConvolutions) {
  Network net;
  const int x = net.input(16, 32, 32);
  const int r = net.relu(x);
  std::vector<int> outputs;
  for (int stride : {1, 2}) {
    const std::string s = std::to_string(stride);
    outputs.push_back(net.conv(r, 16, 3, stride, 1, "dw3_s" + s, {1, 16, 0}));
    outputs.push_back(net.conv(r, 16, 5, stride, 2, "dw5_s" + s, {1, 16, 0}));
    outputs.push_back(net.conv(r, 16, 3, stride, 2, "dil3_s" + s, {2, 16, 0}));
    outputs.push_back(net.conv(r, 16, 5, stride, 4, "dil5_s" + s, {2, 16, 0}));
  }
  outputs.push_back(net.conv(r, 8, 3, 1, 1, "grouped", {1, 4, 0}));
  outputs.push_back(
      net.concat({net.conv(r, 8, 1, 2, 0, "reduce.conv_1"), net.conv(r, 8, 1, 2, 0, "reduce.conv_2", {1, 1, 1})}));
  // Hooked for NASWOT's passes and read by the output for epsilon's.
  std::vector<int> pooled;
  for (int out : outputs) {
    net.hook(out, 1);
    pooled.push_back(net.global_avg_pool(out));
  }
  net.set_output(net.concat(pooled));

  std::set<ConvShape> shapes;
  add_planned_convolutions(net, shapes);
  EXPECT_EQ(shapes.size(), 11 * std::size(kBatches));
  int shifted = 0;
  for (const ConvShape& s : shapes) {
    shifted += s.shift == 1;
    for (ConvMath math : {ConvMath::Fp32, ConvMath::Tf32}) expect_descriptors(s, math);
  }
  EXPECT_EQ(shifted, static_cast<int>(std::size(kBatches)));
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
