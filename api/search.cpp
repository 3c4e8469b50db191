// The searches of a space with a score table or live scoring, as the front ends run them.
#include "api/search.hpp"

#include <chrono>

#include "core/error.hpp"

namespace zcnas {
namespace {

// The fitness column of live scoring, for the archs of `jobs`.
std::vector<double> score_live(const SearchFitness& f, std::vector<ArchJob> jobs) {
  for (size_t k = 0; k < jobs.size(); ++k) jobs[k].index = static_cast<int64_t>(k);  // rows are not kept
  std::vector<double> values;
  for (const ArchRow& row : f.scorer->score(jobs, f.batches)) values.push_back(row.values[0]);
  if (f.scored) f.scored(static_cast<int64_t>(jobs.size()));
  return values;
}

}  // namespace

SearchOutcome search_space(const SearchSpace& space, const SearchConfig& config, int64_t runs, DeviceChoice device,
                           const SearchFitness& f) {
  ZCNAS_REQUIRE(f.table || f.scorer, "a search needs a fitness: a score table or a scorer");
  SearchOutcome out;
  const auto t0 = std::chrono::steady_clock::now();
  if (f.table || space.enumerable()) {
    out.indexed = true;
    std::optional<CachedFitness> live;
    if (!f.table)
      live.emplace(
          [&](const std::vector<int64_t>& indices) {
            std::vector<ArchJob> jobs;
            for (int64_t i : indices) jobs.push_back(f.scorer->job_of_index(i));
            return score_live(f, std::move(jobs));
          },
          space.all_indices());
    Fitness& fitness = f.table ? static_cast<Fitness&>(*f.table) : static_cast<Fitness&>(*live);
    out.device = resolve_device(device);
    out.runs = out.device == Device::Cuda ? search_device(space, fitness, config, runs)
                                          : search_cpu(space, fitness, config, runs);
    for (const SearchRun& r : out.runs) out.winners.push_back({r.run, r.winner, space.arch_of(r.winner), r.score});
    if (live) out.networks_scored = live->evaluations();
  } else {
    GenomeFitness fitness([&](const std::vector<Genome>& genomes) {
      std::vector<ArchJob> jobs;
      for (const Genome& g : genomes) jobs.push_back({0, g, f.scorer->settings().network});
      return score_live(f, std::move(jobs));
    });
    out.genome_runs = search_genomes(space, fitness, config, runs);
    for (const GenomeSearchRun& r : out.genome_runs) out.winners.push_back({r.run, std::nullopt, r.winner, r.score});
    out.networks_scored = fitness.evaluations();
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace zcnas
