// Genome searches: the host loop of host_search.hpp over ids of the genomes met, which the space draws and mutates.
#include "search/genome_search.hpp"

#include <limits>
#include <unordered_map>

#include "core/error.hpp"
#include "core/random.hpp"
#include "search/evolution_space.hpp"
#include "search/host_search.hpp"

namespace zcnas {

size_t GenomeHash::operator()(const Genome& genome) const {
  uint64_t h = genome.size();
  for (int32_t choice : genome) h = mix64(h * 0x9e3779b97f4a7c15ULL + static_cast<uint32_t>(choice));
  return static_cast<size_t>(h);
}

namespace {

constexpr uint64_t kGenomeStepKey = 0x67656e6f6d65ULL;  // "genome"

// The random numbers of a draw or a mutation: a stream seeded by the step's one draw, so that what the step
// makes depends on (seed, run, step) only, however many numbers the space's random_genome or mutate take.
RandomStream step_stream(uint64_t draw) { return RandomStream(draw, kGenomeStepKey); }

// The archs of a genome search: every distinct canonical genome met, numbered in the order met.
class GenomeArchs {
 public:
  GenomeArchs(const SearchSpace& space, GenomeFitness& fitness, uint64_t seed)
      : space_(space), fitness_(fitness), seed_(seed) {}

  int32_t sample(int64_t run, int64_t draw) {
    RandomStream random = step_stream(evolution::sample_draw(seed_, run, draw));
    return id_of(space_.random_genome(random));
  }

  int32_t mutate(int32_t parent, uint64_t u) {
    RandomStream random = step_stream(u);
    return id_of(space_.mutate(genomes_[static_cast<size_t>(parent)], random));
  }

  std::vector<double> evaluate(const std::vector<int64_t>& ids) {
    std::vector<Genome> genomes;
    genomes.reserve(ids.size());
    for (int64_t id : ids) genomes.push_back(genomes_[static_cast<size_t>(id)]);
    return fitness_.evaluate(genomes);
  }

  // The run with its archs as strings.
  GenomeSearchRun named(const SearchRun& run) const {
    const auto names = [this](const std::vector<int64_t>& ids) {
      std::vector<std::string> out;
      out.reserve(ids.size());
      for (int64_t id : ids) out.push_back(archs_[static_cast<size_t>(id)]);
      return out;
    };
    return {run.run, archs_[static_cast<size_t>(run.winner)], run.score, names(run.population), names(run.history)};
  }

 private:
  int32_t id_of(const Genome& drawn) {
    // The space's draws are canonical already; canonical() checks that they are archs too.
    Genome genome = space_.canonical(drawn);
    const auto found = ids_.find(genome);
    if (found != ids_.end()) return found->second;
    ZCNAS_REQUIRE(genomes_.size() < static_cast<size_t>(std::numeric_limits<int32_t>::max()),
                  "a search of {} met more than 2^31-1 archs", space_.title());
    const auto id = static_cast<int32_t>(genomes_.size());
    archs_.push_back(space_.format(genome));
    ids_.emplace(genome, id);
    genomes_.push_back(std::move(genome));
    return id;
  }

  const SearchSpace& space_;
  GenomeFitness& fitness_;
  uint64_t seed_;
  std::unordered_map<Genome, int32_t, GenomeHash> ids_;
  std::vector<Genome> genomes_;     // by id
  std::vector<std::string> archs_;  // by id, in the space's notation
};

}  // namespace

std::vector<GenomeSearchRun> search_genomes(const SearchSpace& space, GenomeFitness& fitness,
                                            const SearchConfig& config, int64_t runs, int64_t first_run) {
  evolution::validate_runs(config, runs, first_run);
  GenomeArchs archs(space, fitness, config.seed);
  std::vector<GenomeSearchRun> out;
  for (const SearchRun& run : evolution::search_on_host(archs, config, runs, first_run))
    out.push_back(archs.named(run));
  return out;
}

}  // namespace zcnas
