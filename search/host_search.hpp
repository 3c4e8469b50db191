// The search loop on the host, written once for both kinds of arch a search holds: the indices of an enumerable
// space (search_cpu, the CPU twin of the device search) and the genomes of any space (search_genomes). Either way
// the populations hold int32 ids, as the steps of evolution_steps.hpp take them; an `Archs` says what an id is:
//   int32_t sample(int64_t run, int64_t draw)                       run `run`'s initial draw `draw`
//   int32_t mutate(int32_t parent, uint64_t u)                      a child of `parent` made from the draw u
//   std::vector<double> evaluate(const std::vector<int64_t>& ids)   a fitness per id, in order
// Internal to search/.
#pragma once
#include <cstdint>
#include <vector>

#include "core/error.hpp"
#include "search/evolution.hpp"
#include "search/evolution_space.hpp"
#include "search/evolution_steps.hpp"

namespace zcnas::evolution {

// Runs first_run .. first_run+runs-1 of a validated config. Each generation is one archs.evaluate() call: the
// initial draws of all runs, then one child per run per cycle.
template <typename Archs>
std::vector<SearchRun> search_on_host(Archs& archs, const SearchConfig& config, int64_t runs, int64_t first_run) {
  const int64_t draws = initial_draws(config);
  const int64_t population = config.algorithm == SearchAlgorithm::Random ? 0 : config.population;
  const int64_t cycles = config.algorithm == SearchAlgorithm::Random ? 0 : config.cycles;
  const auto evaluate = [&archs](const std::vector<int64_t>& ids) {
    std::vector<double> fitness = archs.evaluate(ids);
    ZCNAS_REQUIRE(fitness.size() == ids.size(), "fitness returned {} scores for {} archs", fitness.size(), ids.size());
    return fitness;
  };

  // Generation 0: every run's initial draws, scored together.
  std::vector<int64_t> samples(static_cast<size_t>(runs * draws));
  for (int64_t r = 0; r < runs; ++r)
    for (int64_t s = 0; s < draws; ++s) samples[static_cast<size_t>(r * draws + s)] = archs.sample(first_run + r, s);
  const std::vector<double> sample_fitness = evaluate(samples);
  const std::vector<int32_t> samples32(samples.begin(), samples.end());
  std::vector<uint8_t> selected;
  if (config.algorithm == SearchAlgorithm::Area && population < draws)
    selected = select_initial_population(sample_fitness, runs, draws, population);

  // Populations interleaved by run, [slot][run], as on the device.
  std::vector<int32_t> member(static_cast<size_t>(population * runs));
  std::vector<double> member_fitness(static_cast<size_t>(population * runs));
  std::vector<int64_t> oldest(static_cast<size_t>(runs), 0);
  std::vector<RunBest> best(static_cast<size_t>(runs), RunBest{-1, 0.0});
  auto view = [&](int64_t r) { return PopulationView{member.data() + r, member_fitness.data() + r, runs, population}; };
  for (int64_t r = 0; r < runs; ++r)
    start_population(samples32.data() + r * draws, sample_fitness.data() + r * draws,
                     selected.empty() ? nullptr : selected.data() + r * draws, draws, view(r),
                     oldest[static_cast<size_t>(r)], best[static_cast<size_t>(r)]);

  std::vector<std::vector<int64_t>> history(config.keep_history ? static_cast<size_t>(runs) : 0);
  for (size_t r = 0; r < history.size(); ++r)
    history[r].assign(samples.begin() + static_cast<int64_t>(r) * draws,
                      samples.begin() + static_cast<int64_t>(r + 1) * draws);

  // One generation per cycle: a child per run, scored together, replaces that run's oldest member.
  const auto mutation = [&archs](int32_t parent, uint64_t u) { return archs.mutate(parent, u); };
  std::vector<int64_t> children(static_cast<size_t>(runs));
  for (int64_t c = 0; c < cycles; ++c) {
    for (int64_t r = 0; r < runs; ++r)
      children[static_cast<size_t>(r)] =
          propose_child(view(r), config.tournament, config.seed, first_run + r, c, mutation);
    const std::vector<double> child_fitness = evaluate(children);
    for (int64_t r = 0; r < runs; ++r) {
      const auto child = static_cast<int32_t>(children[static_cast<size_t>(r)]);
      const double f = child_fitness[static_cast<size_t>(r)];
      replace_oldest(view(r), oldest[static_cast<size_t>(r)], child, f);
      consider(best[static_cast<size_t>(r)], child, f);
      if (config.keep_history) history[static_cast<size_t>(r)].push_back(child);
    }
  }

  return collect_runs(best, oldest, member, population, first_run, std::move(history));
}

}  // namespace zcnas::evolution
