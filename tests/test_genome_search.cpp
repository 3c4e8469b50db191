// Searches of a space without an index order, over its genomes: the space's random genomes and one-choice
// mutations, on NB201 without its index order and with only its connected cells valid.
#include <gtest/gtest.h>

#include <set>

#include "core/random.hpp"
#include "search_fixtures.hpp"
#include "test_support.hpp"

namespace zcnas {
namespace {

using test::error_of;
using test::positions_differing;
using test::UnboundedNb201;

std::vector<Genome> draws(const SearchSpace& space, RandomStream random, int count) {
  std::vector<Genome> out;
  for (int k = 0; k < count; ++k) out.push_back(space.random_genome(random));
  return out;
}

TEST(RandomGenome, IsAlwaysValidCoversEveryChoiceAndFollowsItsStream) {
  const UnboundedNb201 space;
  // 3,000 draws: without the redraws, about 65 of them would cut the input from the output.
  const std::vector<Genome> genomes = draws(space, RandomStream(7, 1), 3000);
  std::vector<std::set<int32_t>> choices(6);
  for (const Genome& g : genomes) {
    ASSERT_TRUE(space.valid(g)) << space.format(space.canonical(g));
    for (size_t p = 0; p < g.size(); ++p) choices[p].insert(g[p]);
  }
  for (const auto& seen : choices) EXPECT_EQ(seen.size(), 5u);
  // Uniform over 15,284 archs, 3,000 draws give about 2,720 distinct ones.
  EXPECT_GT(std::set<Genome>(genomes.begin(), genomes.end()).size(), 2600u);
  EXPECT_EQ(draws(space, RandomStream(7, 1), 20), std::vector<Genome>(genomes.begin(), genomes.begin() + 20));
  EXPECT_NE(draws(space, RandomStream(8, 1), 20), std::vector<Genome>(genomes.begin(), genomes.begin() + 20));
  EXPECT_NE(draws(space, RandomStream(7, 2), 20), std::vector<Genome>(genomes.begin(), genomes.begin() + 20));
}

TEST(GenomeMutation, ChangesOnePositionToAnotherChoiceAndSkipsInvalidChildren) {
  const UnboundedNb201 space;
  const Genome single_path{3, 0, 0, 0, 3, 0};  // 0 -> 1 -> 3 and nothing else
  ASSERT_TRUE(space.valid(single_path));
  RandomStream random(1, 2);
  std::set<Genome> children;
  for (int k = 0; k < 500; ++k) {
    const Genome child = space.mutate(single_path, random);
    ASSERT_TRUE(space.valid(child));
    EXPECT_EQ(positions_differing(single_path, child), 1);
    children.insert(child);
  }
  // 24 one-choice changes, less the two that cut the path: every one of the 22 is drawn.
  EXPECT_EQ(children.size(), 22u);
  const std::vector<Genome> neighbours = space.neighbours(single_path);
  EXPECT_EQ(children, std::set<Genome>(neighbours.begin(), neighbours.end()));
}

TEST(GenomeDraws, SayWhyWhenTheSpaceHasNoArchOrNoOtherArchNearby) {
  struct NoArch : UnboundedNb201 {
    bool valid(const Genome&) const override { return false; }
  };
  RandomStream random(0, 0);
  EXPECT_NE(error_of([&] {
              NoArch().random_genome(random);
            }).find("space nb201-unbounded: no valid genome in 10000 random draws of its choices (5,5,5,5,5,5)"),
            std::string::npos);
  struct OneArch : UnboundedNb201 {
    bool valid(const Genome& genome) const override { return genome == Genome(6, 1); }
  };
  EXPECT_NE(error_of([&] {
              OneArch().mutate(Genome(6, 1), random);
            }).find("space nb201-unbounded: the genome (1,1,1,1,1,1) has no one-choice mutation to another arch"),
            std::string::npos);
  EXPECT_NE(error_of([&] { OneArch().mutate(Genome(6, 2), random); }).find("(2,2,2,2,2,2) is not an arch"),
            std::string::npos);
}

}  // namespace
}  // namespace zcnas
