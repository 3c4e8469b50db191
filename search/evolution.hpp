// Searches over the indices of an enumerable space with a fitness (live scoring or a score table): NASWOT's
// random search, regularized evolution (REA, Real et al. 2019) and NASWOT's assisted REA (AREA). Many
// independent runs advance in lockstep, one generation at a time, so that each generation's children are
// scored together. The CPU twin and the CUDA version make identical draws and choices: same seed, same result.
// A space without an index order is searched over its genomes (genome_search.hpp), with these settings.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "search/fitness.hpp"
#include "spaces/space.hpp"

namespace zcnas {

enum class SearchAlgorithm { Random, Rea, Area };
SearchAlgorithm parse_search_algorithm(const std::string& text);  // "random" | "rea" | "area"
const char* search_algorithm_name(SearchAlgorithm algorithm);

struct SearchConfig {
  SearchAlgorithm algorithm = SearchAlgorithm::Rea;
  int64_t samples = 1000;   // random: archs drawn per run (N); AREA: the random sample (M) whose best P start
  int64_t population = 10;  // P, REA and AREA
  int64_t tournament = 3;   // S: members drawn (with replacement) per tournament
  int64_t cycles = 100;     // REA and AREA: children per run after the initial population; random: unused
  uint64_t seed = 0;
  bool keep_history = false;  // record every evaluated index of every run
};

// The settings as a user gives them, with `zcnas search`'s defaults: N = 100 (random), M = 1000 (AREA), 100
// cycles (REA, AREA). A budget counts fitness evaluations per run, the initial draws included: it sets N (random)
// or the cycles (REA, AREA).
struct SearchRequest {
  SearchAlgorithm algorithm = SearchAlgorithm::Random;
  std::optional<int64_t> samples;
  std::optional<int64_t> cycles;
  std::optional<int64_t> budget;
  int64_t population = 10;
  int64_t tournament = 3;
  uint64_t seed = 0;
};
// Throws naming the setting that makes no sense (validate's, or a budget that contradicts the others).
SearchConfig search_config(const SearchRequest& request);

// Archs a run draws at random before evolving: N (random), P (REA), M (AREA).
int64_t initial_draws(const SearchConfig& config);
// Fitness evaluations per run: the initial draws plus one per cycle (a repeated arch counts each time).
int64_t evaluations_per_run(const SearchConfig& config);
// Throws naming the setting that makes no sense (e.g. AREA with M < P, a tournament larger than P).
void validate(const SearchConfig& config);

struct SearchRun {
  int64_t run = 0;
  int64_t winner = -1;  // the best-scoring arch the run evaluated, the first of equals
  double score = 0.0;
  std::vector<int64_t> population;  // final population, oldest first (empty for random search)
  std::vector<int64_t> history;     // every evaluated index in order, when keep_history
};

// Runs first_run .. first_run+runs-1 on the host. Each generation is one fitness.evaluate() call: the
// initial draws of all runs, then one child per run per cycle.
std::vector<SearchRun> search_cpu(const SearchSpace& space, Fitness& fitness, const SearchConfig& config, int64_t runs,
                                  int64_t first_run = 0);

// The same on a CUDA device: population, ages, tournaments and mutations live in device memory. With a
// TableFitness the whole search runs on the device; otherwise the children's indices come to the host once
// per generation to be scored. Throws in a build without CUDA or on a machine without a GPU.
std::vector<SearchRun> search_device(const SearchSpace& space, Fitness& fitness, const SearchConfig& config,
                                     int64_t runs, int64_t first_run = 0, int device = 0);

}  // namespace zcnas
