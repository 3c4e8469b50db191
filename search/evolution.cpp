// Searches on the host: the CPU twin of evolution_cuda.cu, built from the shared steps in evolution_steps.hpp.
#include "search/evolution.hpp"

#include <algorithm>
#include <numeric>

#include "core/error.hpp"
#include "search/evolution_space.hpp"
#include "search/evolution_steps.hpp"

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

namespace evolution {

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

}  // namespace evolution

std::vector<SearchRun> search_cpu(const SearchSpace& search_space, Fitness& fitness, const SearchConfig& config,
                                  int64_t runs, int64_t first_run) {
  using namespace evolution;
  validate(config);
  ZCNAS_REQUIRE(runs >= 0 && first_run >= 0, "search runs {}..{} make no sense", first_run, first_run + runs - 1);
  const HostSpace space(search_space, fitness.domain(), config.algorithm != SearchAlgorithm::Random);
  const SpaceTables tables = space.view();
  const int64_t draws = initial_draws(config);
  const int64_t population = config.algorithm == SearchAlgorithm::Random ? 0 : config.population;
  const int64_t cycles = config.algorithm == SearchAlgorithm::Random ? 0 : config.cycles;

  // Generation 0: every run's initial draws, scored together.
  std::vector<int64_t> samples(static_cast<size_t>(runs * draws));
  for (int64_t r = 0; r < runs; ++r)
    for (int64_t s = 0; s < draws; ++s)
      samples[static_cast<size_t>(r * draws + s)] =
          tables.domain[sample_position(config.seed, first_run + r, s, tables.domain_size)];
  const std::vector<double> sample_fitness = fitness.evaluate(samples);
  ZCNAS_REQUIRE(sample_fitness.size() == samples.size(), "fitness returned {} scores for {} archs",
                sample_fitness.size(), samples.size());
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
  std::vector<int64_t> children(static_cast<size_t>(runs));
  for (int64_t c = 0; c < cycles; ++c) {
    for (int64_t r = 0; r < runs; ++r)
      children[static_cast<size_t>(r)] =
          propose_child(tables, view(r), config.tournament, config.seed, first_run + r, c);
    const std::vector<double> child_fitness = fitness.evaluate(children);
    ZCNAS_REQUIRE(child_fitness.size() == children.size(), "fitness returned {} scores for {} archs",
                  child_fitness.size(), children.size());
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

#if !defined(ZCNAS_WITH_CUDA)
std::vector<SearchRun> search_device(const SearchSpace&, Fitness&, const SearchConfig&, int64_t, int64_t, int) {
  throw Error("search_device: this build of zcnas has no CUDA support (configure with nvcc and cuDNN present)");
}
#endif

}  // namespace zcnas
