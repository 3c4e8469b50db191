// The pooling and linear kernels of kernels/pool_kernels.cuh, run by the SIMT emulator against the CPU ops,
// bit for bit. The CUDA side is sample-major and the CPU side channel-major: tensors are transposed between them.
#include "emulated/simt.hpp"
// The emulator comes first: kernel code compiles against it.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "emulated/emulated_support.hpp"
#include "kernels/pool.hpp"
#include "kernels/pool_kernels.cuh"

namespace zcnas {
namespace {

using simt::kSchedules;
using test::kUnwritten;
using test::random_values;
using test::same_bits;
using test::swap_outer;

std::string shape_string(std::initializer_list<int64_t> dims) {
  std::string s = "[";
  for (int64_t d : dims) s += (s.size() > 1 ? ", " : "") + std::to_string(d);
  return s + "]";
}

using Pool2x2Cpu = void (*)(const float*, int64_t, int64_t, int64_t, int64_t, float*, int);
using Pool2x2Kernel = void (*)(const float*, int64_t, int64_t, int64_t, float*);

// Odd heights and widths (the last row or column is dropped), 2x2 and 3x3 planes (one output), one-row
// outputs, and more planes than a block has threads. Every 13th input is NaN, which max pooling propagates.
void expect_pool2x2_matches_cpu(Pool2x2Cpu cpu, Pool2x2Kernel kernel) {
  const int64_t shapes[][4] = {{3, 5, 7, 9}, {1, 1, 2, 2},   {1, 1, 3, 3}, {5, 2, 3, 2},
                               {1, 1, 2, 9}, {2, 2, 33, 31}, {4, 70, 5, 4}};
  for (const auto& s : shapes) {
    const int64_t batch = s[0], channels = s[1], h = s[2], w = s[3], ho = h / 2, wo = w / 2;
    auto x = random_values<float>(static_cast<size_t>(batch * channels * h * w), -1.0f, 1.0f, 5 + h * w);
    for (size_t i = 0; i < x.size(); i += 13) x[i] = std::nanf("");
    std::vector<float> expected(static_cast<size_t>(batch * channels * ho * wo), kUnwritten);
    const auto x_cpu = swap_outer(x, batch, channels, h * w);
    cpu(x_cpu.data(), batch, channels, h, w, expected.data(), 1);
    expected = swap_outer(expected, channels, batch, ho * wo);
    for (const auto& schedule : kSchedules) {
      std::vector<float> y(expected.size(), kUnwritten);
      simt::launch(cuda::pool2x2_launch(batch * channels, h, w), schedule, kernel, x.data(), batch * channels, h, w,
                   y.data());
      EXPECT_TRUE(same_bits(expected, y)) << shape_string({batch, channels, h, w}) << " " << simt::to_string(schedule);
    }
  }
}

TEST(PoolEmulated, AvgPool2x2MatchesCpu) {
  expect_pool2x2_matches_cpu(avg_pool2x2_cpu<float>, cuda::avg_pool2x2_kernel);
}

TEST(PoolEmulated, MaxPool2x2MatchesCpu) {
  expect_pool2x2_matches_cpu(max_pool2x2_cpu<float>, cuda::max_pool2x2_kernel);
}

using Pool3x3Cpu = void (*)(const float*, int64_t, int64_t, int64_t, int64_t, int, float*, int);
using Pool3x3Kernel = void (*)(const float*, int64_t, int64_t, int64_t, int, float*);

// Stride 2 (the plan's) and 1. Odd and even sizes, 7x7 and non-square 9x5 and 11x6 (tails in either axis), 1x1, 2x3
// and one-row planes (every window cut), and more outputs than a block has threads. Every 13th input is NaN, which
// max pooling propagates.
void expect_pool3x3_matches_cpu(Pool3x3Cpu cpu, Pool3x3Kernel kernel) {
  const int64_t shapes[][4] = {{3, 5, 7, 7}, {2, 3, 9, 5}, {1, 1, 1, 1},   {5, 2, 2, 3},
                               {1, 2, 1, 9}, {2, 3, 8, 8}, {4, 20, 11, 6}, {2, 3, 5, 24}};
  for (int stride : {2, 1})
    for (const auto& s : shapes) {
      const int64_t batch = s[0], channels = s[1], h = s[2], w = s[3];
      const int64_t ho = pool3x3_size(h, stride), wo = pool3x3_size(w, stride);
      auto x = random_values<float>(static_cast<size_t>(batch * channels * h * w), -1.0f, 1.0f, 3 + h * w);
      for (size_t i = 0; i < x.size(); i += 13) x[i] = std::nanf("");
      std::vector<float> expected(static_cast<size_t>(batch * channels * ho * wo), kUnwritten);
      const auto x_cpu = swap_outer(x, batch, channels, h * w);
      cpu(x_cpu.data(), batch, channels, h, w, stride, expected.data(), 1);
      expected = swap_outer(expected, channels, batch, ho * wo);
      for (const auto& schedule : kSchedules) {
        std::vector<float> y(expected.size(), kUnwritten);
        simt::launch(cuda::pool3x3_launch(batch * channels, h, w, stride), schedule, kernel, x.data(), batch * channels,
                     h, w, stride, y.data());
        EXPECT_TRUE(same_bits(expected, y))
            << shape_string({batch, channels, h, w}) << " stride " << stride << " " << simt::to_string(schedule);
      }
    }
}

TEST(PoolEmulated, AvgPool3x3MatchesCpu) {
  expect_pool3x3_matches_cpu(avg_pool3x3_cpu<float>, cuda::avg_pool3x3_kernel);
}

TEST(PoolEmulated, MaxPool3x3MatchesCpu) {
  expect_pool3x3_matches_cpu(max_pool3x3_cpu<float>, cuda::max_pool3x3_kernel);
}

// One-element planes, planes of 49 and 1000, and more planes than a block has threads.
TEST(PoolEmulated, GlobalAvgPoolMatchesCpu) {
  const int64_t shapes[][3] = {{1, 1, 1}, {3, 5, 1}, {7, 3, 49}, {5, 64, 9}, {2, 3, 1000}};
  for (const auto& s : shapes) {
    const int64_t batch = s[0], channels = s[1], spatial = s[2];
    const auto x = random_values<float>(static_cast<size_t>(batch * channels * spatial), -1.0f, 1.0f, 7 + spatial);
    std::vector<float> expected(static_cast<size_t>(batch * channels), kUnwritten);
    const auto x_cpu = swap_outer(x, batch, channels, spatial);
    global_avg_pool_cpu(x_cpu.data(), batch, channels, spatial, expected.data());
    expected = swap_outer(expected, channels, batch, 1);
    for (const auto& schedule : kSchedules) {
      std::vector<float> y(expected.size(), kUnwritten);
      simt::launch(cuda::global_avg_pool_launch(batch * channels), schedule, cuda::global_avg_pool_kernel, x.data(),
                   batch * channels, spatial, y.data());
      EXPECT_TRUE(same_bits(expected, y))
          << shape_string({batch, channels, spatial}) << " " << simt::to_string(schedule);
    }
  }
}

// One input and one output, no inputs at all (the bias alone), and more outputs than a block has threads.
TEST(PoolEmulated, LinearMatchesCpu) {
  const int64_t shapes[][3] = {{1, 1, 1}, {3, 16, 10}, {7, 1, 5}, {5, 64, 67}, {2, 0, 3}};
  for (const auto& s : shapes) {
    const int64_t batch = s[0], in = s[1], out = s[2];
    const auto x = random_values<float>(static_cast<size_t>(batch * in), -1.0f, 1.0f, 11 + in);
    const auto weight = random_values<float>(static_cast<size_t>(out * in), -0.5f, 0.5f, 13 + out);
    const auto bias = random_values<float>(static_cast<size_t>(out), -0.5f, 0.5f, 17);
    std::vector<float> expected(static_cast<size_t>(batch * out), kUnwritten);
    const auto x_cpu = swap_outer(x, batch, in, 1);
    linear_cpu(x_cpu.data(), batch, in, out, weight.data(), bias.data(), expected.data());
    expected = swap_outer(expected, out, batch, 1);
    for (const auto& schedule : kSchedules) {
      std::vector<float> y(expected.size(), kUnwritten);
      simt::launch(cuda::linear_launch(batch, out), schedule, cuda::linear_kernel, x.data(), batch, in, out,
                   weight.data(), bias.data(), y.data());
      EXPECT_TRUE(same_bits(expected, y)) << shape_string({batch, in, out}) << " " << simt::to_string(schedule);
    }
  }
}

}  // namespace
}  // namespace zcnas
