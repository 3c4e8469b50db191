// Random search with a counter-based sampler: run r's draws depend on (seed, r) only.
#include "search/random_search.hpp"

#include "core/error.hpp"
#include "search/evolution_steps.hpp"

namespace zcnas {

RandomSearchRun random_search(Fitness& fitness, int64_t samples, uint64_t seed, int64_t run) {
  ZCNAS_REQUIRE(samples > 0, "random search needs at least one sample, got {}", samples);
  const auto& domain = fitness.domain();
  ZCNAS_REQUIRE(!domain.empty(), "random search over an empty set of archs");
  RandomSearchRun r;
  for (int64_t s = 0; s < samples; ++s)
    r.samples.push_back(
        domain[static_cast<size_t>(evolution::sample_position(seed, run, s, static_cast<int64_t>(domain.size())))]);
  const std::vector<double> scores = fitness.evaluate(r.samples);
  size_t best = 0;
  for (size_t k = 1; k < scores.size(); ++k)
    if (better_fitness(scores[k], scores[best])) best = k;
  r.winner = r.samples[best];
  r.score = scores[best];
  return r;
}

}  // namespace zcnas
