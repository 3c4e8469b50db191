// What every space shares: genome checks, random genomes, mutations and their neighbours, and the mutation table
// of the index searches.
#include "spaces/space.hpp"

#include <fmt/ranges.h>

#include <charconv>
#include <limits>
#include <numeric>

#include "core/error.hpp"
#include "eval/truth.hpp"

namespace zcnas {
namespace {

// The mutations of a genome, in the order every search enumerates them: position by position, first position
// first, and at each position every other choice in ascending order.
template <typename Visit>
void for_each_mutation(const std::vector<int32_t>& choices, const Genome& genome, Visit visit) {
  for (size_t p = 0; p < choices.size(); ++p)
    for (int32_t c = 0; c < choices[p]; ++c)
      if (c != genome[p]) visit(static_cast<int32_t>(p), c);
}

std::vector<int32_t> genome_choices_checked(const SearchSpace& space) {
  std::vector<int32_t> choices = space.genome_choices();
  ZCNAS_REQUIRE(!choices.empty(), "space {} has an empty genome", space.name());
  for (int32_t c : choices) ZCNAS_REQUIRE(c >= 1, "space {}: a genome position with {} choices", space.name(), c);
  return choices;
}

Error not_in_naslib(const SearchSpace& space) {
  return Error(fmt::format("space {} has no NASLib zero-cost table (zc_<space>.json): NASLib's are nb201 and nb101",
                           space.name()));
}

}  // namespace

bool SearchSpace::valid(const Genome& genome) const {
  const std::vector<int32_t> choices = genome_choices();
  if (genome.size() != choices.size()) return false;
  for (size_t p = 0; p < genome.size(); ++p)
    if (genome[p] < 0 || genome[p] >= choices[p]) return false;
  return true;
}

Genome SearchSpace::canonical(const Genome& genome) const {
  ZCNAS_REQUIRE(valid(genome), "{}: the genome ({}) is not an arch of the space", title(), fmt::join(genome, ","));
  return genome;
}

std::optional<int64_t> SearchSpace::find_index(const Genome& genome) const {
  if (!valid(genome)) return std::nullopt;
  return index_of(genome);
}

std::string SearchSpace::arch_hash(const Genome& /*genome*/) const { return {}; }

std::string SearchSpace::naslib_key(const Genome& /*genome*/) const { throw not_in_naslib(*this); }

Genome SearchSpace::parse_naslib_key(const std::string& /*key*/) const { throw not_in_naslib(*this); }

GroundTruth SearchSpace::load_truth(const std::string& path) const {
  GroundTruth truth = read_truth(path);
  if (!enumerable()) return truth;  // one entry per record of the file
  ZCNAS_REQUIRE(truth.size() == size(), "ground truth '{}' has {} rows, {} has {}", path, truth.size(), title(),
                size());
  for (const auto& column : truth.accuracy)
    ZCNAS_REQUIRE(static_cast<int64_t>(column.size()) == size(), "ground truth '{}': a column of {} entries, {} has {}",
                  path, column.size(), title(), size());
  return truth;
}

GroundTruth SearchSpace::read_truth(const std::string& path) const {
  throw Error(fmt::format("space {} has no ground truth to read from '{}'", name(), path));
}

std::vector<ArchRecord> SearchSpace::read_records(const std::string& path) const {
  throw Error(fmt::format("space {} has no record files to read archs from ('{}')", name(), path));
}

void SearchSpace::check_index(int64_t index) const {
  ZCNAS_REQUIRE(enumerable(), "space {} has no index order (index {})", name(), index);
  ZCNAS_REQUIRE(index >= 0 && index < size(), "index {} is outside {} (0..{})", index, title(), size() - 1);
}

int64_t SearchSpace::parse_index(const std::string& text) const {
  int64_t index = 0;
  const char* end = text.data() + text.size();
  const auto parsed = std::from_chars(text.data(), end, index);
  ZCNAS_REQUIRE(!text.empty() && parsed.ec == std::errc() && parsed.ptr == end, "'{}' is not an integer", text);
  if (enumerable())
    check_index(index);
  else  // the number a writer gave the arch (a record of a file)
    ZCNAS_REQUIRE(index >= 0, "index {} is negative", index);
  return index;
}

std::vector<int64_t> SearchSpace::all_indices() const {
  ZCNAS_REQUIRE(enumerable(), "space {} has no index order to list", name());
  std::vector<int64_t> indices(static_cast<size_t>(size()));
  std::iota(indices.begin(), indices.end(), int64_t{0});
  return indices;
}

Genome SearchSpace::random_genome(RandomStream& random) const {
  constexpr int kDraws = 10000;
  const std::vector<int32_t> choices = genome_choices_checked(*this);
  Genome genome(choices.size());
  for (int draw = 0; draw < kDraws; ++draw) {
    for (size_t p = 0; p < choices.size(); ++p)
      genome[p] = static_cast<int32_t>(random.below(static_cast<uint64_t>(choices[p])));
    if (valid(genome)) return canonical(genome);
  }
  throw Error(fmt::format("space {}: no valid genome in {} random draws of its choices ({})", name(), kDraws,
                          fmt::join(choices, ",")));
}

Genome SearchSpace::mutate(const Genome& genome, RandomStream& random) const {
  std::vector<Genome> children = neighbours(genome);
  ZCNAS_REQUIRE(!children.empty(), "space {}: the genome ({}) has no one-choice mutation to another arch", name(),
                fmt::join(genome, ","));
  return std::move(children[random.below(children.size())]);
}

std::vector<Genome> SearchSpace::neighbours(const Genome& genome) const {
  const Genome self = canonical(genome);
  std::vector<Genome> out;
  for_each_mutation(genome_choices(), genome, [&](int32_t p, int32_t c) {
    Genome child = genome;
    child[static_cast<size_t>(p)] = c;
    if (valid(child)) {
      child = canonical(child);
      if (child != self) out.push_back(std::move(child));
    }
  });
  return out;
}

MutationTable mutation_table(const SearchSpace& space) {
  ZCNAS_REQUIRE(space.enumerable(), "space {} has no index order to search", space.name());
  ZCNAS_REQUIRE(space.size() <= std::numeric_limits<int32_t>::max(), "space {} has more than 2^31-1 archs",
                space.name());
  const std::vector<int32_t> choices = genome_choices_checked(space);
  MutationTable t;
  for (int32_t c : choices) t.per_arch += c - 1;
  const int64_t size = space.size(), per_arch = t.per_arch;
  t.child.assign(static_cast<size_t>(size * per_arch), -1);
  space.genome_of(0);  // a space that builds its index on first use (NB101) builds it before the threads read it
#pragma omp parallel for schedule(dynamic, 256)
  for (int64_t i = 0; i < size; ++i) {
    Genome genome = space.genome_of(i);
    int32_t* row = t.child.data() + i * per_arch;
    for_each_mutation(choices, genome, [&](int32_t p, int32_t c) {
      const int32_t now = genome[static_cast<size_t>(p)];
      genome[static_cast<size_t>(p)] = c;
      *row++ = static_cast<int32_t>(space.find_index(genome).value_or(-1));
      genome[static_cast<size_t>(p)] = now;
    });
  }
  return t;
}

}  // namespace zcnas
