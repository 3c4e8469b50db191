// What every space shares: genome checks, the mutation neighbours and the code tables of the searches.
#include "spaces/space.hpp"

#include <fmt/ranges.h>

#include <limits>
#include <numeric>

#include "core/error.hpp"
#include "eval/truth.hpp"

namespace zcnas {

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

std::string SearchSpace::arch_hash(const Genome& /*genome*/) const { return {}; }

GroundTruth SearchSpace::load_truth(const std::string& path) const {
  GroundTruth truth = read_truth(path);
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

void SearchSpace::check_index(int64_t index) const {
  ZCNAS_REQUIRE(enumerable(), "space {} has no index order (index {})", name(), index);
  ZCNAS_REQUIRE(index >= 0 && index < size(), "index {} is outside {} (0..{})", index, title(), size() - 1);
}

std::vector<int64_t> SearchSpace::all_indices() const {
  ZCNAS_REQUIRE(enumerable(), "space {} has no index order to list", name());
  std::vector<int64_t> indices(static_cast<size_t>(size()));
  std::iota(indices.begin(), indices.end(), int64_t{0});
  return indices;
}

std::vector<Genome> SearchSpace::neighbours(const Genome& genome) const {
  const Genome self = canonical(genome);
  const std::vector<int32_t> choices = genome_choices();
  std::vector<Genome> out;
  for_each_mutation(
      static_cast<int32_t>(choices.size()), choices.data(), [&](int32_t p) { return genome[static_cast<size_t>(p)]; },
      [&](int32_t p, int32_t c) {
        Genome child = genome;
        child[static_cast<size_t>(p)] = c;
        if (valid(child)) {
          child = canonical(child);
          if (child != self) out.push_back(std::move(child));
        }
        return false;
      });
  return out;
}

GenomeCode make_genome_code(const std::vector<int32_t>& choices) {
  ZCNAS_REQUIRE(!choices.empty() && choices.size() <= static_cast<size_t>(kMaxGenomePositions),
                "a genome of {} positions (searches take 1..{})", choices.size(), kMaxGenomePositions);
  GenomeCode g;
  g.positions = static_cast<int32_t>(choices.size());
  int64_t weight = 1;
  for (int32_t p = g.positions - 1; p >= 0; --p) {
    const int32_t n = choices[static_cast<size_t>(p)];
    ZCNAS_REQUIRE(n > 0, "genome position {} has {} choices", p, n);
    g.choices[p] = n;
    g.weight[p] = static_cast<int32_t>(weight);
    weight *= n;
    ZCNAS_REQUIRE(weight <= std::numeric_limits<int32_t>::max(), "a genome of more than 2^31-1 codes");
  }
  g.codes = static_cast<int32_t>(weight);
  return g;
}

int32_t encode_genome(const GenomeCode& code, const Genome& genome) {
  ZCNAS_REQUIRE(genome.size() == static_cast<size_t>(code.positions), "a genome of {} positions, the code has {}",
                genome.size(), code.positions);
  int32_t value = 0;
  for (int32_t p = 0; p < code.positions; ++p) {
    const int32_t c = genome[static_cast<size_t>(p)];
    ZCNAS_REQUIRE(c >= 0 && c < code.choices[p], "genome position {} holds choice {} of {}", p, c, code.choices[p]);
    value += c * code.weight[p];
  }
  return value;
}

Genome decode_genome(const GenomeCode& code, int32_t value) {
  ZCNAS_REQUIRE(value >= 0 && value < code.codes, "genome code {} is outside 0..{}", value, code.codes - 1);
  Genome genome(static_cast<size_t>(code.positions));
  for (int32_t p = 0; p < code.positions; ++p) genome[static_cast<size_t>(p)] = choice_at(code, value, p);
  return genome;
}

SpaceCodes space_codes(const SearchSpace& space) {
  ZCNAS_REQUIRE(space.enumerable(), "space {} has no index order to search", space.name());
  ZCNAS_REQUIRE(space.size() <= std::numeric_limits<int32_t>::max(), "space {} has more than 2^31-1 archs",
                space.name());
  SpaceCodes s;
  s.code = make_genome_code(space.genome_choices());
  ZCNAS_REQUIRE(s.code.codes <= kMaxSearchCodes,
                "REA and AREA mutate through a table of every genome code, and {}'s {} codes are more than the {} it "
                "takes (random search needs none)",
                space.title(), s.code.codes, kMaxSearchCodes);
  s.index_to_code.resize(static_cast<size_t>(space.size()));
  for (int64_t i = 0; i < space.size(); ++i)
    s.index_to_code[static_cast<size_t>(i)] = encode_genome(s.code, space.genome_of(i));
  s.code_to_index.resize(static_cast<size_t>(s.code.codes));
  for (int32_t c = 0; c < s.code.codes; ++c) {
    const Genome genome = decode_genome(s.code, c);
    s.code_to_index[static_cast<size_t>(c)] = space.valid(genome) ? static_cast<int32_t>(space.index_of(genome)) : -1;
  }
  return s;
}

}  // namespace zcnas
