// The per-run steps of random search, REA and AREA, written once for the host searches (host_search.hpp) and the
// CUDA kernels (evolution_kernels.cuh), so that both make the same draws and the same choices. Every random
// number is counter_random_u64(seed, stream key + run, counter) with a counter fixed by the step, never by
// the order in which runs or threads execute. No CUDA header here: ZCNAS_HOST_DEVICE marks the functions.
#pragma once
#include <cstdint>

#include "core/random.hpp"
#include "search/fitness_order.hpp"

namespace zcnas::evolution {

constexpr uint64_t kSampleKey = 0x72616e646f6dULL;  // "random": random search and initial populations
constexpr uint64_t kEvolveKey = 0x65766f6c7665ULL;  // "evolve": tournaments and mutations

// Where the search may go; host or device pointers. Archs are official indices of the space; a mutation
// changes one choice of the arch's genome (the space's MutationTable, spaces/space.hpp).
struct SpaceTables {
  const int32_t* mutations;  // [space size][mutations_per_arch] child index or -1; null for random search
  int32_t mutations_per_arch;
  const uint8_t* in_domain;      // [space size] 1 when the fitness can score the index
  const int32_t* domain;         // [domain_size] the indices that can be scored, ascending
  int64_t domain_size;
};

// One run's population: slot k at index[k * stride], fitness[k * stride] (runs are interleaved, so that
// neighbouring GPU threads read neighbouring words). The slot at `oldest` dies next.
struct PopulationView {
  int32_t* index;
  double* fitness;
  int64_t stride;
  int64_t size;
};

// The best arch a run has evaluated; the first of equals stays.
struct RunBest {
  int32_t index;
  double fitness;
};

ZCNAS_HOST_DEVICE inline void consider(RunBest& best, int32_t index, double fitness) {
  if (best.index < 0 || better_fitness(fitness, best.fitness)) best = {index, fitness};
}

// The random bits that initial draw `draw` of run `run` is made from.
ZCNAS_HOST_DEVICE inline uint64_t sample_draw(uint64_t seed, int64_t run, int64_t draw) {
  return counter_random_u64(seed, kSampleKey + static_cast<uint64_t>(run), static_cast<uint64_t>(draw));
}

// Draw `draw` of run `run`'s uniform sampler over the domain: a position in SpaceTables::domain.
// random_search() uses the same draws, so AREA starts from exactly the archs a random search would score.
ZCNAS_HOST_DEVICE inline int64_t sample_position(uint64_t seed, int64_t run, int64_t draw, int64_t domain_size) {
  return static_cast<int64_t>(sample_draw(seed, run, draw) % static_cast<uint64_t>(domain_size));
}

// The order that picks AREA's initial population: better fitness first, then earlier draw. A strict total
// order, so every sort agrees on it.
ZCNAS_HOST_DEVICE inline bool ranks_before(double fitness_a, int64_t draw_a, double fitness_b, int64_t draw_b) {
  if (better_fitness(fitness_a, fitness_b)) return true;
  if (better_fitness(fitness_b, fitness_a)) return false;
  return draw_a < draw_b;
}

// Fills the population from the run's initial draws [draws] (in draw order, so the first drawn dies first)
// and tracks the best of them. `selected` marks the draws that join (AREA's best P); null means all.
ZCNAS_HOST_DEVICE inline void start_population(const int32_t* samples, const double* fitness, const uint8_t* selected,
                                               int64_t draws, PopulationView population, int64_t& oldest,
                                               RunBest& best) {
  int64_t filled = 0;
  for (int64_t s = 0; s < draws; ++s) {
    consider(best, samples[s], fitness[s]);
    if (population.size > 0 && (selected == nullptr || selected[s] != 0) && filled < population.size) {
      population.index[filled * population.stride] = samples[s];
      population.fitness[filled * population.stride] = fitness[s];
      ++filled;
    }
  }
  oldest = 0;
}

// Cycle `cycle` uses counters cycle*(S+1) .. cycle*(S+1)+S of the run's evolve stream: S tournament draws,
// then one mutation draw.
ZCNAS_HOST_DEVICE inline uint64_t evolve_draw(uint64_t seed, int64_t run, int64_t cycle, int64_t tournament,
                                              int64_t k) {
  return counter_random_u64(seed, kEvolveKey + static_cast<uint64_t>(run),
                            static_cast<uint64_t>(cycle * (tournament + 1) + k));
}

// Tournament selection (Real et al. 2019): S members drawn uniformly with replacement; the fittest wins,
// the first drawn of equals.
ZCNAS_HOST_DEVICE inline int64_t tournament_slot(const PopulationView& population, int64_t tournament, uint64_t seed,
                                                 int64_t run, int64_t cycle) {
  int64_t winner = -1;
  for (int64_t k = 0; k < tournament; ++k) {
    const auto slot =
        static_cast<int64_t>(evolve_draw(seed, run, cycle, tournament, k) % static_cast<uint64_t>(population.size));
    if (winner < 0 ||
        better_fitness(population.fitness[slot * population.stride], population.fitness[winner * population.stride]))
      winner = slot;
  }
  return winner;
}

// Mutation: one genome position's choice changes to a different one, uniformly over the other archs that the
// fitness can score (all of them for live scoring or a full-space table), in the mutation table's order. When
// none can be scored (a sparse table), the child is a uniform draw from the domain instead. `u` is the cycle's
// mutation draw.
ZCNAS_HOST_DEVICE inline int32_t mutate(const SpaceTables& space, int32_t parent, uint64_t u) {
  const int32_t* row = space.mutations + static_cast<int64_t>(parent) * space.mutations_per_arch;
  // Mutation k's index when it is another arch the fitness can score, else -1.
  const auto admissible = [&](int32_t k) {
    const int32_t child = row[k];
    return child >= 0 && child != parent && space.in_domain[child] != 0 ? child : -1;
  };
  int count = 0;
  for (int32_t k = 0; k < space.mutations_per_arch; ++k) count += admissible(k) >= 0;
  if (count == 0) return space.domain[u % static_cast<uint64_t>(space.domain_size)];
  int pick = static_cast<int>(u % static_cast<uint64_t>(count));
  for (int32_t k = 0; k < space.mutations_per_arch; ++k) {
    const int32_t child = admissible(k);
    if (child >= 0 && pick-- == 0) return child;
  }
  return parent;  // not reached: `count` children are admissible
}

// One REA cycle's child for one run: the tournament's winner, mutated by mutation(parent, u) with the cycle's
// mutation draw u.
template <typename Mutation>
ZCNAS_HOST_DEVICE inline int32_t propose_child(const PopulationView& population, int64_t tournament, uint64_t seed,
                                               int64_t run, int64_t cycle, const Mutation& mutation) {
  const int64_t parent = tournament_slot(population, tournament, seed, run, cycle);
  return mutation(population.index[parent * population.stride], evolve_draw(seed, run, cycle, tournament, tournament));
}

// The mutation of an enumerable space's archs: its mutation table.
struct TableMutation {
  SpaceTables space;
  ZCNAS_HOST_DEVICE int32_t operator()(int32_t parent, uint64_t u) const { return mutate(space, parent, u); }
};

ZCNAS_HOST_DEVICE inline int32_t propose_child(const SpaceTables& space, const PopulationView& population,
                                               int64_t tournament, uint64_t seed, int64_t run, int64_t cycle) {
  return propose_child(population, tournament, seed, run, cycle, TableMutation{space});
}

// Regularisation: the child replaces the oldest member.
ZCNAS_HOST_DEVICE inline void replace_oldest(PopulationView population, int64_t& oldest, int32_t child,
                                             double fitness) {
  population.index[oldest * population.stride] = child;
  population.fitness[oldest * population.stride] = fitness;
  oldest = oldest + 1 == population.size ? 0 : oldest + 1;
}

}  // namespace zcnas::evolution
