// The SIMT emulator itself: CUDA's semantics where kernels rely on them, and an error for each broken rule.
#include "emulated/simt.hpp"
// The emulator comes first: kernel code compiles against it.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "kernels/device_utils.cuh"

namespace {

using simt::EmulationError;
using simt::kSchedules;
using simt::Launch;

constexpr unsigned kFull = 0xffffffffu;

// Expects `run` to throw an EmulationError whose message contains `fragment`.
template <typename Run>
void expect_violation(Run run, const std::string& fragment) {
  try {
    run();
    ADD_FAILURE() << "no error; expected one mentioning \"" << fragment << "\"";
  } catch (const EmulationError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

__global__ void global_index_kernel(int* out) {
  const unsigned block = (blockIdx.z * gridDim.y + blockIdx.y) * gridDim.x + blockIdx.x;
  const unsigned thread = (threadIdx.z * blockDim.y + threadIdx.y) * blockDim.x + threadIdx.x;
  const unsigned threads = blockDim.x * blockDim.y * blockDim.z;
  atomicAdd(&out[block * threads + thread], 1);
}

TEST(Simt, EveryThreadOfEveryBlockRunsOnceWithItsIndices) {
  const Launch shape{dim3(3, 2, 2), dim3(5, 3, 2), 0};
  for (const auto& schedule : kSchedules) {
    std::vector<int> out(3 * 2 * 2 * 5 * 3 * 2, 0);
    simt::launch(shape, schedule, global_index_kernel, out.data());
    EXPECT_EQ(std::count(out.begin(), out.end(), 1), static_cast<long>(out.size())) << simt::to_string(schedule);
  }
}

__global__ void block_order_kernel(int* counter, int* first_of_block) {
  if (threadIdx.x == 0) first_of_block[blockIdx.x] = atomicAdd(counter, 1);
}

TEST(Simt, SchedulesRunBlocksInDifferentOrders) {
  std::vector<std::vector<int>> orders;
  for (const auto& schedule : kSchedules) {
    int counter = 0;
    std::vector<int> order(16);
    simt::launch(Launch{dim3(16), dim3(32), 0}, schedule, block_order_kernel, &counter, order.data());
    orders.push_back(order);
  }
  EXPECT_NE(orders[0], orders[1]);
  EXPECT_NE(orders[0], orders[2]);
  EXPECT_NE(orders[1], orders[2]);
}

// Each thread writes its slot and reads its neighbour's: only correct with the barrier in between.
template <bool kBarrier>
__global__ void neighbour_kernel(int* out) {
  __shared__ int slot[64];
  slot[threadIdx.x] = static_cast<int>(threadIdx.x) + 1000 * static_cast<int>(blockIdx.x);
  if (kBarrier) __syncthreads();
  out[blockIdx.x * blockDim.x + threadIdx.x] = slot[(threadIdx.x + 1) % blockDim.x];
}

TEST(Simt, SharedMemoryAndBarriers) {
  for (const auto& schedule : kSchedules) {
    std::vector<int> out(2 * 64);
    simt::launch(Launch{dim3(2), dim3(64), 0}, schedule, neighbour_kernel<true>, out.data());
    for (int b = 0; b < 2; ++b)
      for (int t = 0; t < 64; ++t) ASSERT_EQ(out[b * 64 + t], (t + 1) % 64 + 1000 * b) << simt::to_string(schedule);
  }
}

TEST(Simt, AMissingBarrierChangesTheResultBetweenSchedules) {
  std::vector<std::vector<int>> results;
  for (const auto& schedule : kSchedules) {
    std::vector<int> out(2 * 64);
    simt::launch(Launch{dim3(2), dim3(64), 0}, schedule, neighbour_kernel<false>, out.data());
    results.push_back(out);
  }
  EXPECT_NE(results[0], results[1]);
}

// Warp 0 reads a shared slot before a shuffle; warp 1 shuffles, then rewrites the slot. Without the barrier
// between them, only a warp that runs ahead of the other shows the race.
template <bool kBarrier>
__global__ void overtaking_kernel(int* out) {
  __shared__ int slot;
  const int lane = static_cast<int>(threadIdx.x) % 32;
  if (threadIdx.x == 0) slot = 1;
  __syncthreads();
  if (threadIdx.x < 32) {
    const int seen = slot;
    out[threadIdx.x] = __shfl_sync(kFull, seen, 31 - lane);
  }
  if (kBarrier) __syncthreads();
  if (threadIdx.x >= 32) {
    const int next = __shfl_sync(kFull, lane, 0) + 2;
    if (lane == 0) slot = next;
  }
}

TEST(Simt, AWarpRunningAheadShowsARaceThatLockstepHides) {
  for (const bool barrier : {false, true})
    for (const auto& schedule : kSchedules) {
      std::vector<int> out(32);
      simt::launch(Launch{dim3(1), dim3(64), 0}, schedule, barrier ? overtaking_kernel<true> : overtaking_kernel<false>,
                   out.data());
      const bool raced = !barrier && schedule.order == simt::Order::warps_ahead;
      EXPECT_EQ(out[0], raced ? 2 : 1) << simt::to_string(schedule) << (barrier ? " with" : " without") << " barrier";
    }
}

__global__ void exit_before_barrier_kernel(int* out) {
  if (threadIdx.x == 5) return;
  __syncthreads();
  out[threadIdx.x] = 1;
}

TEST(Simt, ABarrierAfterAThreadExitedIsAnError) {
  std::vector<int> out(64);
  expect_violation(
      [&] {
        simt::launch(Launch{dim3(1), dim3(64), 0}, kSchedules[0], exit_before_barrier_kernel, out.data());
      },
      "reached after 1 of its 64 threads exited");
}

__global__ void divergent_barrier_kernel(int* out) {
  if (threadIdx.x < 16) {
    __syncthreads();
  } else {
    __syncthreads();
  }
  out[threadIdx.x] = 1;
}

TEST(Simt, ThreadsAtDifferentBarriersIsAnError) {
  std::vector<int> out(64);
  expect_violation(
      [&] {
        simt::launch(Launch{dim3(1), dim3(64), 0}, kSchedules[1], divergent_barrier_kernel, out.data());
      },
      "waits at __syncthreads at");
}

__global__ void collectives_kernel(const int* in, unsigned* ballot, int* any, int* all, int* idx, int* up, int* down,
                                   int* xor_, int* sum, int* lo, int* hi) {
  const int t = static_cast<int>(threadIdx.x);
  const int v = in[t];
  ballot[t] = __ballot_sync(kFull, v > 0);
  any[t] = __any_sync(kFull, v > 40);
  all[t] = __all_sync(kFull, v > -1000);
  idx[t] = __shfl_sync(kFull, v, 7, 16);
  up[t] = __shfl_up_sync(kFull, v, 3);
  down[t] = __shfl_down_sync(kFull, v, 5, 8);
  xor_[t] = __shfl_xor_sync(kFull, v, 9);
  __syncwarp();
  sum[t] = __reduce_add_sync(kFull, v);
  lo[t] = __reduce_min_sync(kFull, v);
  hi[t] = __reduce_max_sync(kFull, v);
}

TEST(Simt, WarpCollectivesFollowCuda) {
  std::vector<int> in(64);
  for (int t = 0; t < 64; ++t) in[t] = (t * 37) % 101 - 50;
  for (const auto& schedule : kSchedules) {
    std::vector<unsigned> ballot(64);
    std::vector<int> any(64), all(64), idx(64), up(64), down(64), xr(64), sum(64), lo(64), hi(64);
    simt::launch(Launch{dim3(1), dim3(64), 0}, schedule, collectives_kernel, in.data(), ballot.data(), any.data(),
                 all.data(), idx.data(), up.data(), down.data(), xr.data(), sum.data(), lo.data(), hi.data());
    for (int t = 0; t < 64; ++t) {
      const int w0 = t / 32 * 32, lane = t % 32;
      unsigned expected_ballot = 0;
      int any_big = 0, total = 0, smallest = in[w0], largest = in[w0];
      for (int l = 0; l < 32; ++l) {
        expected_ballot |= static_cast<unsigned>(in[w0 + l] > 0) << l;
        any_big |= in[w0 + l] > 40;
        total += in[w0 + l];
        smallest = std::min(smallest, in[w0 + l]);
        largest = std::max(largest, in[w0 + l]);
      }
      SCOPED_TRACE(simt::to_string(schedule) + " thread " + std::to_string(t));
      EXPECT_EQ(ballot[t], expected_ballot);
      EXPECT_EQ(any[t], any_big);
      EXPECT_EQ(all[t], 1);
      EXPECT_EQ(idx[t], in[w0 + lane / 16 * 16 + 7]);
      EXPECT_EQ(up[t], lane >= 3 ? in[t - 3] : in[t]);
      EXPECT_EQ(down[t], lane % 8 + 5 < 8 ? in[t + 5] : in[t]);
      EXPECT_EQ(xr[t], in[w0 + (lane ^ 9)]);
      EXPECT_EQ(sum[t], total);
      EXPECT_EQ(lo[t], smallest);
      EXPECT_EQ(hi[t], largest);
    }
  }
}

__global__ void half_warp_kernel(unsigned* out) {
  const unsigned lane = threadIdx.x % 32;
  const unsigned mask = lane < 16 ? 0x0000ffffu : 0xffff0000u;
  out[threadIdx.x] = __ballot_sync(mask, lane % 3 == 0);
}

TEST(Simt, DisjointMasksFormSeparateGroups) {
  std::vector<unsigned> out(32);
  simt::launch(Launch{dim3(1), dim3(32), 0}, kSchedules[2], half_warp_kernel, out.data());
  unsigned low = 0, high = 0;
  for (unsigned l = 0; l < 32; ++l)
    if (l % 3 == 0) (l < 16 ? low : high) |= 1u << l;
  for (unsigned l = 0; l < 32; ++l) EXPECT_EQ(out[l], l < 16 ? low : high) << l;
}

__global__ void exited_lane_kernel(unsigned* out) {
  if (threadIdx.x == 31) return;
  out[threadIdx.x] = __ballot_sync(kFull, 1);
}

__global__ void lane_at_barrier_kernel(unsigned* out) {
  if (threadIdx.x == 3) {
    __syncthreads();
  } else {
    out[threadIdx.x] = __ballot_sync(kFull, 1);
    __syncthreads();
  }
}

__global__ void mismatched_mask_kernel(unsigned* out) {
  out[threadIdx.x] = __ballot_sync(threadIdx.x < 8 ? kFull : 0x7fffffffu, 1);
}

__global__ void mask_without_self_kernel(unsigned* out) {
  out[threadIdx.x] = __ballot_sync(threadIdx.x == 0 ? 0xfffffffeu : kFull, 1);
}

__global__ void shuffle_outside_mask_kernel(int* out) {
  if (threadIdx.x < 16) out[threadIdx.x] = __shfl_sync(0x0000ffffu, static_cast<int>(threadIdx.x), 20);
}

__global__ void partial_warp_kernel(unsigned* out, bool full_mask) {
  out[threadIdx.x] = __ballot_sync(full_mask ? kFull : __activemask(), 1);
}

TEST(Simt, BrokenWarpCollectivesAreErrors) {
  std::vector<unsigned> out(64);
  std::vector<int> ints(64);
  const Launch warp{dim3(1), dim3(32), 0};
  expect_violation([&] { simt::launch(warp, kSchedules[0], exited_lane_kernel, out.data()); },
                   "lane 31 is named by "
                   "__ballot_sync");
  expect_violation([&] { simt::launch(warp, kSchedules[0], lane_at_barrier_kernel, out.data()); },
                   "lane 3 is named by __ballot_sync");
  expect_violation([&] { simt::launch(warp, kSchedules[1], mismatched_mask_kernel, out.data()); },
                   "with mask 0x7fffffff");
  expect_violation([&] { simt::launch(warp, kSchedules[0], mask_without_self_kernel, out.data()); },
                   "which leaves it out");
  expect_violation([&] { simt::launch(warp, kSchedules[0], shuffle_outside_mask_kernel, ints.data()); },
                   "reads lane 20, which the mask does not name");
  const Launch partial{dim3(1), dim3(40), 0};
  expect_violation([&] { simt::launch(partial, kSchedules[0], partial_warp_kernel, out.data(), true); },
                   "names lane 8, which the block");
  simt::launch(partial, kSchedules[0], partial_warp_kernel, out.data(), false);
  EXPECT_EQ(out[0], kFull);
  EXPECT_EQ(out[39], 0xffu);
}

__global__ void dynamic_shared_kernel(float* out, int n) {
  ZCNAS_DYNAMIC_SHARED(float, values);
  const int t = static_cast<int>(threadIdx.x);
  out[n + t] = values[t];  // before any write: the launch's fill pattern
  __syncthreads();
  values[t] = static_cast<float>(t) * 0.5f;
  __syncthreads();
  out[t] = values[n - 1 - t];
}

TEST(Simt, DynamicSharedMemoryIsSizedByTheLaunchAndPoisoned) {
  const int n = 48;
  std::vector<float> out(2 * n);
  simt::launch(Launch{dim3(1), dim3(n), n * sizeof(float)}, kSchedules[1], dynamic_shared_kernel, out.data(), n);
  for (int t = 0; t < n; ++t) {
    EXPECT_EQ(out[t], static_cast<float>(n - 1 - t) * 0.5f);
    EXPECT_TRUE(std::isnan(out[n + t]));  // 0xffffffff
  }
}

__global__ void atomics_kernel(int* counter, unsigned long long* total, int* largest, unsigned* claimed) {
  atomicAdd(counter, 1);
  atomicAdd(total, static_cast<unsigned long long>(threadIdx.x + blockIdx.x * blockDim.x));
  atomicMax(largest, static_cast<int>(blockIdx.x * 1000 + threadIdx.x));
  atomicCAS(claimed, 0u, 1u + blockIdx.x);
}

TEST(Simt, Atomics) {
  for (const auto& schedule : kSchedules) {
    int counter = 0, largest = -1;
    unsigned long long total = 0;
    unsigned claimed = 0;
    simt::launch(Launch{dim3(7), dim3(96), 0}, schedule, atomics_kernel, &counter, &total, &largest, &claimed);
    EXPECT_EQ(counter, 7 * 96);
    EXPECT_EQ(total, 7ull * 96 * (7 * 96 - 1) / 2);
    EXPECT_EQ(largest, 6 * 1000 + 95);
    EXPECT_GE(claimed, 1u);  // the first block to run claims it: which one depends on the schedule
    EXPECT_LE(claimed, 7u);
  }
}

__global__ void throwing_kernel(int limit) {
  if (static_cast<int>(threadIdx.x) > limit) throw std::runtime_error("thread past the limit");
}

TEST(Simt, LaunchErrorsAndThrowingThreadsAreReported) {
  expect_violation(
      [] {
        simt::launch(Launch{dim3(1), dim3(1025), 0}, kSchedules[0], throwing_kernel, 2000);
      },
      "invalid block");
  expect_violation(
      [] {
        simt::launch(Launch{dim3(1, 65536), dim3(32), 0}, kSchedules[0], throwing_kernel, 2000);
      },
      "invalid grid");
  expect_violation(
      [] {
        simt::launch(Launch{dim3(0), dim3(32), 0}, kSchedules[0], throwing_kernel, 2000);
      },
      "invalid grid");
  EXPECT_THROW(simt::launch(Launch{dim3(2), dim3(64), 0}, kSchedules[0], throwing_kernel, 40), std::runtime_error);
  simt::launch(Launch{dim3(2), dim3(64), 0}, kSchedules[0], throwing_kernel, 100);  // and the next launch runs
}

}  // namespace
