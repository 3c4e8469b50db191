// Searches over the genomes of a space, for a space without an index order (search_cpu and search_device draw
// indices): random search, REA and AREA on the host with the SearchConfig, tournaments, aging and AREA selection of
// the index searches (host_search.hpp); the space's random_genome draws the archs and its mutate makes the
// children. Fitness is live: each generation's new archs are scored together, each arch once.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "search/evolution.hpp"
#include "search/fitness.hpp"
#include "spaces/space.hpp"

namespace zcnas {

// A genome's hash, for maps keyed by arch.
struct GenomeHash {
  size_t operator()(const Genome& genome) const;
};

// Live fitness of archs given by their canonical genomes (what random_genome and mutate return), higher is
// better: a batch scoring function behind a cache, so that each arch is scored once.
class GenomeFitness {
 public:
  using ScoreFn = std::function<std::vector<double>(const std::vector<Genome>&)>;
  explicit GenomeFitness(ScoreFn fn) : fn_(std::move(fn)) {}
  // Scores of the genomes, in order; the ones not scored before go to the scoring function together.
  std::vector<double> evaluate(const std::vector<Genome>& genomes) { return cache_.evaluate(genomes, fn_); }
  // The number of archs scored.
  int64_t evaluations() const { return cache_.evaluations(); }

 private:
  ScoreFn fn_;
  ScoreCache<Genome, GenomeHash> cache_;
};

// A run of a genome search; archs in the space's notation.
struct GenomeSearchRun {
  int64_t run = 0;
  std::string winner;  // the best-scoring arch the run evaluated, the first of equals
  double score = 0.0;
  std::vector<std::string> population;  // final population, oldest first (empty for random search)
  std::vector<std::string> history;     // every evaluated arch in order, when keep_history
};

// Runs first_run .. first_run+runs-1 on the host, each reproducible from (config.seed, run) whatever runs go
// beside it: an initial draw, and a cycle's mutation, draw from a stream seeded by the draw that the index
// searches take at that step. Each generation is one fitness.evaluate() call: the initial draws of all runs, then
// one child per run per cycle. Any space can be searched so; an enumerable one draws other archs than search_cpu.
std::vector<GenomeSearchRun> search_genomes(const SearchSpace& space, GenomeFitness& fitness,
                                            const SearchConfig& config, int64_t runs, int64_t first_run = 0);

}  // namespace zcnas
