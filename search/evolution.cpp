// Index searches on the host: the CPU twin of evolution_cuda.cu, the host loop (host_search.hpp) over the indices of
// the fitness's domain; and the settings, checks and results that every search shares.
#include "search/evolution.hpp"

#include <algorithm>
#include <numeric>

#include "core/error.hpp"
#include "search/evolution_space.hpp"
#include "search/evolution_steps.hpp"
#include "search/host_search.hpp"

namespace zcnas {

SearchAlgorithm parse_search_algorithm(const std::string& text) {
  if (text == "random") return SearchAlgorithm::Random;
  if (text == "rea") return SearchAlgorithm::Rea;
  if (text == "area") return SearchAlgorithm::Area;
  throw Error(fmt::format("unknown search algorithm '{}' (use random, rea or area)", text));
}

const char* search_algorithm_name(SearchAlgorithm algorithm) {
  switch (algorithm) {
    case SearchAlgorithm::Random:
      return "random";
    case SearchAlgorithm::Rea:
      return "rea";
    case SearchAlgorithm::Area:
      return "area";
  }
  return "?";
}

int64_t initial_draws(const SearchConfig& c) { return c.algorithm == SearchAlgorithm::Rea ? c.population : c.samples; }

int64_t evaluations_per_run(const SearchConfig& c) {
  return initial_draws(c) + (c.algorithm == SearchAlgorithm::Random ? 0 : c.cycles);
}

void validate(const SearchConfig& c) {
  const char* name = search_algorithm_name(c.algorithm);
  if (c.algorithm == SearchAlgorithm::Random) {
    ZCNAS_REQUIRE(c.samples > 0, "random search needs at least one sample per run, got {}", c.samples);
    return;
  }
  ZCNAS_REQUIRE(c.population > 0, "{} needs a population of at least 1, got {}", name, c.population);
  ZCNAS_REQUIRE(c.tournament > 0, "{} needs a tournament (sample) size of at least 1, got {}", name, c.tournament);
  ZCNAS_REQUIRE(c.tournament <= c.population, "{}: the tournament size {} exceeds the population {}", name,
                c.tournament, c.population);
  ZCNAS_REQUIRE(c.cycles >= 0, "{} needs a non-negative number of cycles, got {}", name, c.cycles);
  if (c.algorithm == SearchAlgorithm::Area)
    ZCNAS_REQUIRE(c.samples >= c.population, "AREA picks its population of {} from {} random samples: need M >= P",
                  c.population, c.samples);
}

SearchConfig search_config(const SearchRequest& r) {
  ZCNAS_REQUIRE(!r.budget || !r.cycles, "give the cycles or a budget, not both (both set the cycles)");
  SearchConfig c;
  c.algorithm = r.algorithm;
  c.population = r.population;
  c.tournament = r.tournament;
  c.seed = r.seed;
  c.samples = r.samples.value_or(c.algorithm == SearchAlgorithm::Area ? 1000 : 100);
  c.cycles = r.cycles.value_or(100);
  if (r.budget) {
    if (c.algorithm == SearchAlgorithm::Random) {
      ZCNAS_REQUIRE(!r.samples, "random search: give the samples or a budget, not both (both set N)");
      c.samples = *r.budget;
    } else {
      const int64_t initial = initial_draws(c);
      ZCNAS_REQUIRE(*r.budget >= initial, "budget {} is smaller than the {} archs {} draws before evolving", *r.budget,
                    initial, search_algorithm_name(c.algorithm));
      c.cycles = *r.budget - initial;
    }
  }
  validate(c);
  return c;
}

namespace evolution {

void validate_runs(const SearchConfig& config, int64_t runs, int64_t first_run) {
  validate(config);
  ZCNAS_REQUIRE(runs >= 0 && first_run >= 0, "search runs {}..{} make no sense", first_run, first_run + runs - 1);
}

namespace {
int64_t checked_size(const SearchSpace& space) {
  ZCNAS_REQUIRE(space.enumerable(), "searches draw official indices: {} has no index order", space.title());
  return space.size();
}
}  // namespace

HostSpace::HostSpace(const SearchSpace& space, const std::vector<int64_t>& domain_indices, bool mutations)
    : mutations(mutations ? mutation_table(space) : MutationTable{}),
      in_domain(static_cast<size_t>(checked_size(space)), 0) {
  ZCNAS_REQUIRE(!domain_indices.empty(), "search over an empty set of archs");
  for (int64_t i : domain_indices) {
    ZCNAS_REQUIRE(i >= 0 && i < space.size(), "search domain holds index {}, outside {}", i, space.title());
    ZCNAS_REQUIRE(in_domain[static_cast<size_t>(i)] == 0, "search domain holds index {} twice", i);
    in_domain[static_cast<size_t>(i)] = 1;
    domain.push_back(static_cast<int32_t>(i));
  }
}

SpaceTables HostSpace::view() const {
  return {mutations.child.empty() ? nullptr : mutations.child.data(), mutations.per_arch, in_domain.data(),
          domain.data(), static_cast<int64_t>(domain.size())};
}

std::vector<uint8_t> select_initial_population(const std::vector<double>& fitness, int64_t runs, int64_t draws,
                                               int64_t population) {
  std::vector<uint8_t> selected(static_cast<size_t>(runs * draws), 0);
  std::vector<int64_t> order(static_cast<size_t>(draws));
  for (int64_t r = 0; r < runs; ++r) {
    const double* f = fitness.data() + r * draws;
    std::iota(order.begin(), order.end(), int64_t{0});
    std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return ranks_before(f[a], a, f[b], b); });
    for (int64_t k = 0; k < population; ++k)
      selected[static_cast<size_t>(r * draws + order[static_cast<size_t>(k)])] = 1;
  }
  return selected;
}

std::vector<SearchRun> collect_runs(const std::vector<RunBest>& best, const std::vector<int64_t>& oldest,
                                    const std::vector<int32_t>& member, int64_t population, int64_t first_run,
                                    std::vector<std::vector<int64_t>> history) {
  const auto runs = static_cast<int64_t>(best.size());
  std::vector<SearchRun> out(static_cast<size_t>(runs));
  for (int64_t r = 0; r < runs; ++r) {
    SearchRun& run = out[static_cast<size_t>(r)];
    run.run = first_run + r;
    run.winner = best[static_cast<size_t>(r)].index;
    run.score = best[static_cast<size_t>(r)].fitness;
    for (int64_t k = 0; k < population; ++k)
      run.population.push_back(
          member[static_cast<size_t>(((oldest[static_cast<size_t>(r)] + k) % population) * runs + r)]);
    if (!history.empty()) run.history = std::move(history[static_cast<size_t>(r)]);
  }
  return out;
}

namespace {

// The archs of search_cpu: indices of the fitness's domain, mutated through the space's mutation table.
struct IndexArchs {
  const SpaceTables& tables;
  Fitness& fitness;
  uint64_t seed;

  int32_t sample(int64_t run, int64_t draw) const {
    return tables.domain[sample_position(seed, run, draw, tables.domain_size)];
  }
  int32_t mutate(int32_t parent, uint64_t u) const { return evolution::mutate(tables, parent, u); }
  std::vector<double> evaluate(const std::vector<int64_t>& indices) const { return fitness.evaluate(indices); }
};

}  // namespace
}  // namespace evolution

std::vector<SearchRun> search_cpu(const SearchSpace& search_space, Fitness& fitness, const SearchConfig& config,
                                  int64_t runs, int64_t first_run) {
  using namespace evolution;
  validate_runs(config, runs, first_run);
  const HostSpace space(search_space, fitness.domain(), config.algorithm != SearchAlgorithm::Random);
  const SpaceTables tables = space.view();
  IndexArchs archs{tables, fitness, config.seed};
  return search_on_host(archs, config, runs, first_run);
}

#if !defined(ZCNAS_WITH_CUDA)
std::vector<SearchRun> search_device(const SearchSpace&, Fitness&, const SearchConfig&, int64_t, int64_t, int) {
  throw Error("search_device: this build of zcnas has no CUDA support (configure with nvcc and cuDNN present)");
}
#endif

}  // namespace zcnas
