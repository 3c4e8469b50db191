// NASWOT's random search: sample N archs with replacement, the best score wins; R independent runs.
#pragma once
#include <cstdint>
#include <vector>

#include "search/fitness.hpp"

namespace zcnas {

struct RandomSearchRun {
  int64_t winner = -1;  // index of the best-scoring sample
  double score = 0.0;
  std::vector<int64_t> samples;
};

// Run `run` of a search with `samples` draws from fitness.domain(), reproducible from (seed, run).
RandomSearchRun random_search(Fitness& fitness, int64_t samples, uint64_t seed, int64_t run);

}  // namespace zcnas
