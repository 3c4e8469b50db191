// The check that every space's networks go through: the CPU plan against the network's definition.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "nn/cpu_executor.hpp"
#include "nn/params.hpp"
#include "reference_network.hpp"
#include "scores/naswot.hpp"
#include "test_support.hpp"

namespace zcnas::test {

// The CPU plan of `net` (default weights from `seed`, a random batch of 3 images) against the network's definition
// run node by node: the output within 1e-4 relative, NASWOT's K within 1e-3 of the hooked units (float32 rounding
// may flip a sign near zero).
inline void expect_cpu_plan_matches_definition(CpuExecutor<float>& exec, const Network& net, uint32_t seed) {
  const Node& in = net.node(0);
  const ParamStore params = init_params(net, seed);
  const Tensor input = random_input(3, in.channels, in.height, in.width, seed);
  const ReferenceForward ref = reference_forward(net, params, input);
  const Tensor out = exec.forward(net, params, input);
  ASSERT_EQ(out.shape, ref.output.shape);
  for (size_t i = 0; i < out.data.size(); ++i)
    EXPECT_NEAR(out.data[i], ref.output.data[i], 1e-4 * (1.0 + std::fabs(ref.output.data[i])));
  const NaswotResult r = naswot_cpu(exec, net, params, input);
  double worst = 0;
  for (size_t i = 0; i < r.K.data.size(); ++i)
    worst = std::max(worst, std::fabs(r.K.data[i] - static_cast<double>(ref.K[i])));
  EXPECT_LE(worst, 1e-3 * static_cast<double>(net.hooked_units()));
}

}  // namespace zcnas::test
