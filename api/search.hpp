// Searching a space as every front end does: an enumerable space over its indices (on the GPU when the device
// choice gives one) with a score table or live scoring as fitness; a space without an index order over its genomes
// on the host, with live scoring. Live scoring is the Scorer's: each arch scored once per search.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/scorer.hpp"
#include "core/device.hpp"
#include "search/evolution.hpp"
#include "search/genome_search.hpp"
#include "search/table_fitness.hpp"

namespace zcnas {

// What a search maximises: a score table's column, or else the first score of a Scorer on its batches.
struct SearchFitness {
  TableFitness* table = nullptr;
  Scorer* scorer = nullptr;
  ScoreBatches batches;
  std::function<void(int64_t)> scored;  // live: hears how many archs each generation scored (for progress)
};

// A run's winner; an index where the space has an index order.
struct SearchWinner {
  int64_t run = 0;
  std::optional<int64_t> index;
  std::string arch;
  double score = 0.0;
};

struct SearchOutcome {
  bool indexed = false;  // searched over indices: the winners have one
  std::vector<SearchWinner> winners;
  std::vector<SearchRun> runs;               // an index search's runs (final populations, histories)
  std::vector<GenomeSearchRun> genome_runs;  // a genome search's runs
  Device device = Device::Cpu;               // where the search ran
  std::optional<int64_t> networks_scored;    // live fitness: the archs scored
  double seconds = 0.0;
};

// Runs 0..runs-1. A table searches the space's indices (and throws for a space without an index order); live
// scoring searches the indices of an enumerable space and the genomes of another.
SearchOutcome search_space(const SearchSpace& space, const SearchConfig& config, int64_t runs, DeviceChoice device,
                           const SearchFitness& fitness);

}  // namespace zcnas
