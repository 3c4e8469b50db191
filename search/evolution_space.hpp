// Host-side pieces shared by the searches (CPU, CUDA, genomes): the checks of their settings, the space's tables a
// mutation needs, the choice of AREA's initial population and the runs' results. Internal to search/.
#pragma once
#include <cstdint>
#include <vector>

#include "search/evolution.hpp"
#include "search/evolution_steps.hpp"
#include "spaces/space.hpp"

namespace zcnas::evolution {

// validate(config), and a range of runs that makes sense.
void validate_runs(const SearchConfig& config, int64_t runs, int64_t first_run);

// The space's mutation table (empty for a random search, which does not mutate) and the membership of a search
// domain, owned on the host.
struct HostSpace {
  // Throws for a space without an index order, or an empty or invalid domain.
  HostSpace(const SearchSpace& space, const std::vector<int64_t>& domain_indices, bool mutations);
  SpaceTables view() const;

  MutationTable mutations;
  std::vector<int32_t> domain;
  std::vector<uint8_t> in_domain;
};

// [runs * draws] flags: for each run, its `population` best draws by ranks_before (fitness, then draw order).
std::vector<uint8_t> select_initial_population(const std::vector<double>& fitness, int64_t runs, int64_t draws,
                                               int64_t population);

// The runs' results from the final state of an evolution, as both searches keep it: best[r], oldest[r]
// (the slot of run r's oldest member) and member[slot * runs + r]. The population is listed oldest first;
// history[r] (empty when not kept) is moved into run r.
std::vector<SearchRun> collect_runs(const std::vector<RunBest>& best, const std::vector<int64_t>& oldest,
                                    const std::vector<int32_t>& member, int64_t population, int64_t first_run,
                                    std::vector<std::vector<int64_t>> history);

}  // namespace zcnas::evolution
