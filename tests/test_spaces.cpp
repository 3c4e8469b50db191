// The SearchSpace interface with NB201 behind it: the registry, arch strings and their errors, index <->
// arch <-> genome over the whole space, validity and canonical form, mutation neighbours, the network
// builder, and the generic mutation reproducing NB201's op-tuple mutation draw for draw.
#include <gtest/gtest.h>

#include <set>

#include "core/error.hpp"
#include "search/evolution_space.hpp"
#include "search_fixtures.hpp"
#include "spaces/nb201/nb201.hpp"
#include "test_support.hpp"

namespace zcnas {
namespace {

using test::error_of;
using test::nb201_space;
using test::positions_differing;

TEST(SpaceRegistry, FindsNb201ByName) {
  const auto space = make_space("nb201");
  EXPECT_EQ(space->name(), "nb201");
  EXPECT_EQ(space->size(), 15625);
  EXPECT_TRUE(space->enumerable());
  EXPECT_EQ(space->genome_choices(), std::vector<int32_t>(6, 5));
  const auto names = space_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "nb201"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), kDefaultSpace), names.end());
}

TEST(SpaceRegistry, UnknownNameIsNamedWithTheKnownOnes) {
  const std::string message = error_of([] { make_space("darts-xl"); });
  EXPECT_NE(message.find("'darts-xl'"), std::string::npos) << message;
  EXPECT_NE(message.find("nb201"), std::string::npos) << message;
}

TEST(Nb201Space, ParseErrorsNameTheString) {
  const SearchSpace& space = nb201_space();
  for (const std::string bad : {"|nor_conv_5x5~0|+|none~0|none~1|+|none~0|none~1|none~2|", "|none~0|+|none~0|",
                                "not an arch", "|none~0|+|none~0|none~2|+|none~0|none~1|none~2|"}) {
    const std::string message = error_of([&] { space.parse(bad); });
    EXPECT_NE(message.find("'" + bad + "'"), std::string::npos) << message;
    EXPECT_EQ(error_of([&] { space.index_of_arch(bad); }), message);
  }
  EXPECT_NE(error_of([&] { space.genome_of(15625); }).find("15625"), std::string::npos);
  EXPECT_NE(error_of([&] { space.check_index(-1); }).find("index -1 is outside NB201"), std::string::npos);
  EXPECT_NO_THROW(space.check_index(15624));
}

TEST(Nb201Space, IndexArchGenomeRoundTripsOverTheWholeSpace) {
  const SearchSpace& space = nb201_space();
  std::set<Genome> seen;
  for (int64_t i : space.all_indices()) {
    const Genome genome = space.genome_of(i);
    ASSERT_TRUE(space.valid(genome));
    ASSERT_EQ(space.canonical(genome), genome);
    ASSERT_TRUE(seen.insert(genome).second) << "index " << i << " repeats a genome";
    const std::string arch = space.format(genome);
    ASSERT_EQ(arch, nb201::format_arch(nb201::index_to_arch(i)));
    ASSERT_EQ(space.parse(arch), genome);
    ASSERT_EQ(space.index_of(genome), i);
    ASSERT_EQ(space.index_of_arch(arch), i);
    ASSERT_EQ(space.arch_of(i), arch);
  }
}

// Each arch's row: its 24 one-op changes, edge by edge and ops ascending, every one another arch.
TEST(Nb201Space, MutationTableRowsAreTheNeighboursInOrder) {
  const SearchSpace& space = nb201_space();
  const MutationTable table = mutation_table(space);
  ASSERT_EQ(table.per_arch, 24);
  ASSERT_EQ(table.child.size(), 15625u * 24u);
  for (int64_t i = 0; i < 15625; i += 97) {
    std::vector<int64_t> expected;
    for (const Genome& g : space.neighbours(space.genome_of(i))) expected.push_back(space.index_of(g));
    const std::vector<int64_t> row(table.child.begin() + i * 24, table.child.begin() + (i + 1) * 24);
    EXPECT_EQ(row, expected) << i;
  }
}

TEST(Nb201Space, ValidityAndCanonicalForm) {
  const SearchSpace& space = nb201_space();
  EXPECT_TRUE(space.valid({0, 1, 2, 3, 4, 0}));
  for (const Genome& bad : {Genome{0, 1, 2, 3, 4}, Genome{0, 1, 2, 3, 4, 0, 0}, Genome{0, 1, 2, 3, 5, 0},
                            Genome{0, -1, 2, 3, 4, 0}, Genome{}}) {
    EXPECT_FALSE(space.valid(bad));
    EXPECT_THROW(space.canonical(bad), Error);
    EXPECT_THROW(space.index_of(bad), Error);
    EXPECT_THROW(space.format(bad), Error);
  }
  EXPECT_EQ(space.canonical({4, 3, 2, 1, 0, 4}), (Genome{4, 3, 2, 1, 0, 4}));
}

TEST(Nb201Space, MutationNeighboursAreTwentyFourOneChoiceAway) {
  const SearchSpace& space = nb201_space();
  for (int64_t index : {0, 6111, 15624, 1234}) {
    const Genome genome = space.genome_of(index);
    const std::vector<Genome> neighbours = space.neighbours(genome);
    ASSERT_EQ(neighbours.size(), 24u) << index;
    EXPECT_EQ(std::set<Genome>(neighbours.begin(), neighbours.end()).size(), 24u);
    for (const Genome& n : neighbours) EXPECT_EQ(positions_differing(genome, n), 1);
    // Position by position, first position first, choices ascending.
    std::vector<Genome> expected;
    for (size_t p = 0; p < genome.size(); ++p)
      for (int32_t c = 0; c < 5; ++c)
        if (c != genome[p]) {
          expected.push_back(genome);
          expected.back()[p] = c;
        }
    EXPECT_EQ(neighbours, expected) << index;
  }
  EXPECT_EQ(space.neighbours({0, 0, 0, 0, 0, 0}).front(), (Genome{1, 0, 0, 0, 0, 0}));
  EXPECT_EQ(space.neighbours({0, 0, 0, 0, 0, 0}).back(), (Genome{0, 0, 0, 0, 0, 4}));
}

TEST(Nb201Space, BuildsTheSameNetworkAsNb201WithGenericOptions) {
  const SearchSpace& space = nb201_space();
  auto same = [](const Network& a, const Network& b) {
    ASSERT_EQ(a.params().size(), b.params().size());
    for (size_t k = 0; k < a.params().size(); ++k) EXPECT_EQ(a.params()[k].name, b.params()[k].name);
    EXPECT_EQ(a.nodes().size(), b.nodes().size());
    EXPECT_EQ(a.parameter_count(), b.parameter_count());
    EXPECT_EQ(a.multiply_adds(), b.multiply_adds());
    EXPECT_EQ(a.hooked_tensors(), b.hooked_tensors());
  };
  for (int64_t index : {0, 6111, 1835}) {
    same(space.build(space.genome_of(index)), nb201::build_network(nb201::index_to_arch(index)));
    BuildOptions generic;
    generic.channels = 8;
    generic.depth = 2;
    generic.num_classes = 7;
    generic.image_size = 16;
    nb201::NetworkOptions own;
    own.channels = 8;
    own.cells_per_stage = 2;
    own.num_classes = 7;
    own.image_size = 16;
    same(space.build(space.genome_of(index), generic), nb201::build_network(nb201::index_to_arch(index), own));
  }
}

// NB201's mutation before spaces were a plug-in: op tuples as base-5 numbers, edge by edge, op by op.
int32_t nb201_op_tuple_mutation(const std::vector<uint8_t>& in_domain, const std::vector<int32_t>& domain,
                                int32_t parent, uint64_t u) {
  auto index_of = [](int32_t lex) { return static_cast<int32_t>(nb201::arch_to_index(nb201::arch_from_lex(lex))); };
  const auto lex = static_cast<int32_t>(nb201::lex_index(nb201::index_to_arch(parent)));
  std::vector<int32_t> admissible;
  for (int32_t e = 0, weight = 3125; e < 6; ++e, weight /= 5) {
    const int32_t op = (lex / weight) % 5;
    for (int32_t o = 0; o < 5; ++o) {
      const int32_t child = index_of(lex + (o - op) * weight);
      if (o != op && in_domain[static_cast<size_t>(child)] != 0) admissible.push_back(child);
    }
  }
  if (admissible.empty()) return domain[u % domain.size()];
  return admissible[u % admissible.size()];
}

TEST(GenericMutation, DrawsWhatNb201sOpTupleMutationDrew) {
  // The whole space, and every third arch (partial and empty neighbourhoods).
  for (int64_t step : {1, 3}) {
    std::vector<int64_t> domain;
    for (int64_t i = 0; i < 15625; i += step) domain.push_back(i);
    const evolution::HostSpace space(nb201_space(), domain, true);
    for (int32_t parent = 0; parent < 15625; parent += 7)
      for (uint64_t u : {uint64_t{0}, uint64_t{5}, uint64_t{23}, uint64_t{24}, uint64_t{0x9e3779b97f4a7c15}})
        ASSERT_EQ(evolution::mutate(space.view(), parent, u),
                  nb201_op_tuple_mutation(space.in_domain, space.domain, parent, u))
            << "parent " << parent << " draw " << u << " step " << step;
  }
}

}  // namespace
}  // namespace zcnas
