// The parameter-drawing kernels of kernels/init_params_kernels.cuh, run by the SIMT emulator: the device draws
// must be the host's init_params (nn/params.cpp) bit for bit, for the same seed and parameter names.
#include "emulated/simt.hpp"
// The emulator comes first: kernel code compiles against it.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/random.hpp"
#include "emulated/emulated_support.hpp"
#include "kernels/init_params_kernels.cuh"
#include "nn/network.hpp"
#include "nn/params.hpp"

namespace zcnas {
namespace {

using simt::kSchedules;
using test::kUnwritten;
using test::same_bits;

// 71 linear layers on one input, so 142 uniform parameters: three launches of up to 64. Widths 0 give empty
// parameters among the others, and the last launch's parameters are all empty (nothing to launch); one layer
// of 300 x 5 has more elements than a few blocks hold, so that the blocks stride over it. A batch norm adds
// parameters that are not drawn.
Network many_parameters() {
  Network net;
  const int x = net.input(5, 1, 1);
  net.batch_norm(x, "bn");
  for (int k = 0; k < 71; ++k) {
    const int64_t width = k >= 64 ? 0 : k == 40 ? 300 : (k * 37) % 11;
    net.linear(x, width, "fc" + std::to_string(k));
  }
  return net;
}

TEST(InitParamsEmulated, UniformDrawsMatchHostInitParams) {
  const Network net = many_parameters();
  const uint64_t seed = 987654321;
  const ParamStore host = init_params(net, seed);
  // The device's table, as the CUDA executor builds it.
  std::vector<std::vector<float>> outs;
  std::vector<const ParamSpec*> specs;
  for (const ParamSpec& spec : net.params())
    if (spec.init == ParamInit::Uniform) {
      specs.push_back(&spec);
      outs.emplace_back(static_cast<size_t>(shape_numel(spec.shape)), kUnwritten);
    }
  ASSERT_EQ(specs.size(), 142u);
  int empty = 0;
  for (const auto& o : outs) empty += o.empty();
  ASSERT_GT(empty, 10);

  for (int64_t max_blocks : {cuda::kMaxParamBlocks, int64_t{2}})
    for (const auto& schedule : kSchedules) {
      SCOPED_TRACE("max_blocks " + std::to_string(max_blocks) + " " + simt::to_string(schedule));
      std::vector<cuda::UniformParam> table;
      for (size_t k = 0; k < specs.size(); ++k) {
        std::fill(outs[k].begin(), outs[k].end(), kUnwritten);
        table.push_back({name_key(specs[k]->name), specs[k]->bound, static_cast<int64_t>(outs[k].size()),
                         outs[k].empty() ? nullptr : outs[k].data()});
      }
      int launches = 0;
      cuda::for_each_uniform_params_launch(table.data(), static_cast<int64_t>(table.size()), max_blocks,
                                           [&](const cuda::LaunchShape& shape, const cuda::UniformParamTable& t) {
                                             ++launches;
                                             simt::launch(shape, schedule, cuda::draw_uniform_params_kernel, t, seed);
                                           });
      EXPECT_EQ(launches, 2);  // the third group has nothing to draw
      for (size_t k = 0; k < specs.size(); ++k)
        EXPECT_TRUE(same_bits(host.at(specs[k]->name).data, outs[k])) << specs[k]->name;
    }
}

TEST(InitParamsEmulated, LaunchesCapTheBlocksPerParameter) {
  std::vector<cuda::UniformParam> table(3);
  table[0].count = 1000;
  table[2].count = 70000;
  std::vector<cuda::LaunchShape> shapes;
  cuda::for_each_uniform_params_launch(
      table.data(), 3, cuda::kMaxParamBlocks,
      [&](const cuda::LaunchShape& s, const cuda::UniformParamTable&) { shapes.push_back(s); });
  ASSERT_EQ(shapes.size(), 1u);
  EXPECT_EQ(shapes[0].grid.x, 256u);  // 70000 elements would take 274 blocks of 256
  EXPECT_EQ(shapes[0].grid.y, 3u);
}

TEST(InitParamsEmulated, FillConstantWritesExactlyCount) {
  for (int64_t count : {1, 255, 256, 257, 1000})
    for (float value : {0.37f, -0.0f, 1.0f})
      for (const auto& schedule : kSchedules) {
        std::vector<float> out(static_cast<size_t>(count + 3), kUnwritten);
        simt::launch(cuda::fill_constant_launch(count), schedule, cuda::fill_constant_kernel, out.data(), count, value);
        std::vector<float> expected(out.size(), value);
        std::fill(expected.begin() + count, expected.end(), kUnwritten);
        EXPECT_TRUE(same_bits(expected, out)) << count << " " << value << " " << simt::to_string(schedule);
      }
}

}  // namespace
}  // namespace zcnas
