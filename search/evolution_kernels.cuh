// The device search's kernels, their launch shapes and AREA's initial ranking, on the steps of
// evolution_steps.hpp. One thread per run (or per initial draw); populations are interleaved by run. The
// orchestration is search/evolution_device.hpp. Internal linkage: the emulated tests compile these same
// functions for the host, and run the ranking on Thrust's CPP system.
#pragma once
#include <thrust/sequence.h>
#include <thrust/sort.h>

#include <cstdint>

#include "kernels/device_utils.cuh"
#include "search/evolution_steps.hpp"

namespace zcnas::evolution {
namespace {

constexpr int kEvolutionThreads = 128;

// Every run's initial draws: [runs, draws]. With a score table (score_by_index non-null) their fitness too.
__global__ void draw_initial_kernel(SpaceTables space, uint64_t seed, int64_t first_run, int64_t runs, int64_t draws,
                                    const double* score_by_index, int32_t* samples, double* sample_fitness) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= runs * draws) return;
  const int64_t r = i / draws, s = i % draws;
  const int32_t index = space.domain[sample_position(seed, first_run + r, s, space.domain_size)];
  samples[i] = index;
  if (score_by_index != nullptr) sample_fitness[i] = score_by_index[index];
}

inline cuda::LaunchShape per_draw_launch(int64_t runs, int64_t draws) {
  return cuda::one_thread_per_item(runs * draws, kEvolutionThreads);
}

// Sorts draw ids by run, then by ranks_before within the run: the first P ids of each run's segment are
// AREA's initial population.
struct InitialRanking {
  const double* fitness;
  int64_t draws;
  ZCNAS_HOST_DEVICE bool operator()(int32_t a, int32_t b) const {
    const int64_t run_a = a / draws, run_b = b / draws;
    if (run_a != run_b) return run_a < run_b;
    return ranks_before(fitness[a], a - run_a * draws, fitness[b], b - run_b * draws);
  }
};

// ranked[0, count) = the draw ids 0..count-1 in InitialRanking's order. The policy says where: the CUDA
// system on the search's stream, or the CPP system in the emulated tests.
template <typename Policy>
void rank_initial_draws(const Policy& policy, int32_t* ranked, int64_t count, const InitialRanking& ranking) {
  thrust::sequence(policy, ranked, ranked + count);
  thrust::sort(policy, ranked, ranked + count, ranking);
}

// selected[d] = 1 for the draws d among each run's first `population` ranked ones.
__global__ void mark_selected_kernel(const int32_t* ranked, int64_t runs, int64_t draws, int64_t population,
                                     uint8_t* selected) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= runs * population) return;
  const int64_t r = i / population, k = i % population;
  selected[ranked[r * draws + k]] = 1;
}

inline cuda::LaunchShape per_member_launch(int64_t runs, int64_t population) {
  return cuda::one_thread_per_item(runs * population, kEvolutionThreads);
}

// One thread per run: the population from the initial draws, the best so far, the history's first part.
__global__ void start_population_kernel(const int32_t* samples, const double* sample_fitness, const uint8_t* selected,
                                        int64_t runs, int64_t draws, int64_t population, int32_t* member,
                                        double* member_fitness, int64_t* oldest, RunBest* best, int32_t* history,
                                        int64_t history_stride) {
  const int64_t r = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= runs) return;
  RunBest b{-1, 0.0};
  int64_t head = 0;
  start_population(samples + r * draws, sample_fitness + r * draws,
                   selected != nullptr ? selected + r * draws : nullptr, draws,
                   PopulationView{member + r, member_fitness + r, runs, population}, head, b);
  oldest[r] = head;
  best[r] = b;
  if (history != nullptr)
    for (int64_t s = 0; s < draws; ++s) history[r * history_stride + s] = samples[r * draws + s];
}

// With a score table: every cycle of every run, without leaving the device.
__global__ void evolve_table_kernel(SpaceTables space, const double* score_by_index, uint64_t seed, int64_t first_run,
                                    int64_t runs, int64_t population, int64_t tournament, int64_t cycles,
                                    int32_t* member, double* member_fitness, int64_t* oldest, RunBest* best,
                                    int32_t* history, int64_t history_stride, int64_t history_start) {
  const int64_t r = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= runs) return;
  const PopulationView view{member + r, member_fitness + r, runs, population};
  int64_t head = oldest[r];
  RunBest b = best[r];
  for (int64_t c = 0; c < cycles; ++c) {
    const int32_t child = propose_child(space, view, tournament, seed, first_run + r, c);
    const double f = score_by_index[child];
    replace_oldest(view, head, child, f);
    consider(b, child, f);
    if (history != nullptr) history[r * history_stride + history_start + c] = child;
  }
  oldest[r] = head;
  best[r] = b;
}

// With live scoring, one generation in two halves: propose (here), score on the host, then insert.
__global__ void propose_children_kernel(SpaceTables space, uint64_t seed, int64_t first_run, int64_t runs,
                                        int64_t population, int64_t tournament, int64_t cycle, int32_t* member,
                                        double* member_fitness, int32_t* children) {
  const int64_t r = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= runs) return;
  // Reads the population only; the insert half changes it.
  const PopulationView view{member + r, member_fitness + r, runs, population};
  children[r] = propose_child(space, view, tournament, seed, first_run + r, cycle);
}

__global__ void insert_children_kernel(const int32_t* children, const double* child_fitness, int64_t runs,
                                       int64_t population, int32_t* member, double* member_fitness, int64_t* oldest,
                                       RunBest* best, int32_t* history, int64_t history_stride, int64_t history_at) {
  const int64_t r = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= runs) return;
  int64_t head = oldest[r];
  replace_oldest(PopulationView{member + r, member_fitness + r, runs, population}, head, children[r], child_fitness[r]);
  oldest[r] = head;
  consider(best[r], children[r], child_fitness[r]);
  if (history != nullptr) history[r * history_stride + history_at] = children[r];
}

// start_population_kernel, evolve_table_kernel, propose_children_kernel, insert_children_kernel.
inline cuda::LaunchShape per_run_launch(int64_t runs) { return cuda::one_thread_per_item(runs, kEvolutionThreads); }

}  // namespace
}  // namespace zcnas::evolution
