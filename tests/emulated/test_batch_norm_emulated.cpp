// The batch-norm statistics kernel of kernels/batch_norm_kernels.cuh, run by the SIMT emulator against the CPU
// op: one split and several, the last block to arrive under every block order, and the counters it resets.
//
// The two devices sum in different orders and the kernel takes var = E[x^2] - mean^2 in one pass where the CPU
// takes the squared deviations in a second, so in general their double statistics differ in the last bits and
// the floats they round to may differ by one ulp: that is the tolerance for mean and invstd. Inputs that are
// multiples of 1/8 over a power-of-two count make every double sum, quotient and difference exact on both
// sides, and then both are required bit for bit. gamma and beta are copied and compared exactly.
#include "emulated/simt.hpp"
// The emulator comes first: kernel code compiles against it.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "emulated/emulated_support.hpp"
#include "kernels/batch_norm.hpp"
#include "kernels/batch_norm_kernels.cuh"
#include "nn/network.hpp"

namespace zcnas {
namespace {

using simt::kSchedules;
using test::random_values;
using test::swap_outer;

struct StatsCase {
  int64_t batch, channels, spatial;
  int64_t splits;  // 0: the launcher's choice
};

// Distance in representable floats (same sign assumed; differing signs count as far apart).
int64_t ulps(float a, float b) {
  int32_t ia, ib;
  std::memcpy(&ia, &a, sizeof a);
  std::memcpy(&ib, &b, sizeof b);
  if ((ia < 0) != (ib < 0)) return a == b ? 0 : INT64_MAX;
  return std::llabs(static_cast<int64_t>(ia) - static_cast<int64_t>(ib));
}

struct StatsRun {
  std::vector<ChannelAffine> out;
  std::vector<unsigned> counters;
};

// x sample-major [batch][channels][spatial]. Runs the kernel twice on one workspace: the second launch relies on
// the counters the first one left.
std::vector<StatsRun> run_kernel(const std::vector<float>& x, const StatsCase& c, const std::vector<float>& gamma,
                                 const std::vector<float>& beta, const simt::Schedule& schedule) {
  const int64_t splits = c.splits ? c.splits : cuda::stats_splits(c.batch, c.spatial);
  std::vector<double2> partials(static_cast<size_t>(c.channels * splits), make_double2(NAN, NAN));
  std::vector<unsigned> counters(static_cast<size_t>(c.channels), 0);
  std::vector<StatsRun> runs;
  for (int launch = 0; launch < 2; ++launch) {
    std::vector<ChannelAffine> out(static_cast<size_t>(c.channels), ChannelAffine{NAN, NAN, NAN, NAN});
    simt::launch(cuda::batch_norm_stats_launch(splits, c.channels), schedule, cuda::batch_norm_stats_kernel, x.data(),
                 c.batch, c.channels, c.spatial, splits, kBatchNormEps, gamma.data(), beta.data(), partials.data(),
                 counters.data(), out.data());
    runs.push_back({out, counters});
  }
  return runs;
}

std::vector<ChannelAffine> run_cpu(const std::vector<float>& x, const StatsCase& c, const std::vector<float>& gamma,
                                   const std::vector<float>& beta) {
  const auto channel_major = swap_outer(x, c.batch, c.channels, c.spatial);
  std::vector<ChannelAffine> out(static_cast<size_t>(c.channels));
  batch_norm_stats_cpu(channel_major.data(), c.batch, c.channels, c.spatial, gamma.data(), beta.data(), out.data(), 1);
  return out;
}

std::string describe(const StatsCase& c, const simt::Schedule& schedule) {
  return "[" + std::to_string(c.batch) + ", " + std::to_string(c.channels) + ", " + std::to_string(c.spatial) +
         "] splits " + std::to_string(c.splits) + " " + simt::to_string(schedule);
}

void check_case(const StatsCase& c, const std::vector<float>& x, int64_t max_ulps) {
  const auto gamma = random_values<float>(static_cast<size_t>(c.channels), 0.5f, 1.5f, 3);
  const auto beta = random_values<float>(static_cast<size_t>(c.channels), -0.5f, 0.5f, 4);
  const auto expected = run_cpu(x, c, gamma, beta);
  for (const auto& schedule : kSchedules) {
    SCOPED_TRACE(describe(c, schedule));
    const auto runs = run_kernel(x, c, gamma, beta, schedule);
    for (const StatsRun& run : runs) {
      EXPECT_EQ(run.counters, std::vector<unsigned>(static_cast<size_t>(c.channels), 0u)) << "counters not reset";
      for (size_t ch = 0; ch < expected.size(); ++ch) {
        const ChannelAffine &e = expected[ch], &g = run.out[ch];
        EXPECT_LE(ulps(e.mean, g.mean), max_ulps) << "channel " << ch << " mean " << e.mean << " vs " << g.mean;
        EXPECT_LE(ulps(e.invstd, g.invstd), max_ulps)
            << "channel " << ch << " invstd " << e.invstd << " vs " << g.invstd;
        EXPECT_EQ(e.gamma, g.gamma) << "channel " << ch;
        EXPECT_EQ(e.beta, g.beta) << "channel " << ch;
      }
    }
    // Partials are summed in split order, whichever block arrives last: launches agree bit for bit.
    EXPECT_EQ(std::memcmp(runs[0].out.data(), runs[1].out.data(), runs[0].out.size() * sizeof(ChannelAffine)), 0);
  }
}

// Odd channel counts; one split (up to 4096 values a channel), several (the last block of a channel to arrive
// finishes it), and forced splits: more blocks than a channel's values fill, some of them empty.
const StatsCase kCases[] = {{1, 1, 1, 0},    {3, 5, 25, 0},   {7, 3, 99, 0}, {5, 3, 1024, 0},
                            {9, 5, 1000, 0}, {3, 7, 4500, 0}, {2, 3, 50, 7}, {1, 2, 100, 23}};

TEST(BatchNormEmulated, StatsMatchCpuWithinOneUlp) {
  for (const StatsCase& c : kCases) {
    const auto x = random_values<float>(static_cast<size_t>(c.batch * c.channels * c.spatial), -2.0f, 3.0f,
                                        17 + static_cast<uint64_t>(c.spatial));
    check_case(c, x, 1);
  }
}

// 256, 8192 and 16384 values a channel: 1, 2 and 4 splits, and 5 forced ones.
TEST(BatchNormEmulated, ExactInputsGiveBitIdenticalStats) {
  const StatsCase cases[] = {{4, 3, 64, 0}, {8, 5, 1024, 0}, {16, 3, 1024, 0}, {4, 3, 64, 5}};
  for (const StatsCase& c : cases) {
    const auto k = random_values<int>(static_cast<size_t>(c.batch * c.channels * c.spatial), -16, 24, 29);
    std::vector<float> x(k.size());
    for (size_t i = 0; i < k.size(); ++i) x[i] = static_cast<float>(k[i]) / 8.0f;
    check_case(c, x, 0);
  }
}

TEST(BatchNormEmulated, SplitsFollowTheChannelLength) {
  EXPECT_EQ(cuda::stats_splits(3, 25), 1);
  EXPECT_EQ(cuda::stats_splits(1, 4096), 1);
  EXPECT_EQ(cuda::stats_splits(1, 4097), 2);
  EXPECT_EQ(cuda::stats_splits(3, 4500), 4);
  EXPECT_EQ(cuda::stats_splits(1000, 100000), cuda::kMaxSplits);
}

}  // namespace
}  // namespace zcnas
