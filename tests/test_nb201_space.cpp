// NB201 space: CPython's shuffle, the official index order, arch string parsing and its errors.
#include <gtest/gtest.h>

#include <numeric>

#include "core/error.hpp"
#include "eval/truth.hpp"
#include "search_fixtures.hpp"
#include "spaces/nb201/nb201.hpp"
#include "spaces/python_random.hpp"
#include "test_support.hpp"

namespace zcnas {
namespace {

TEST(PythonRandom, ShuffleMatchesCPythonTestVector) {
  // random.seed(88); x = list(range(10)); random.shuffle(x)  ->  [8, 2, 9, 4, 0, 7, 1, 5, 3, 6]
  PythonRandom rng(88);
  std::vector<int> x(10);
  std::iota(x.begin(), x.end(), 0);
  rng.shuffle(x);
  EXPECT_EQ(x, (std::vector<int>{8, 2, 9, 4, 0, 7, 1, 5, 3, 6}));
}

TEST(PythonRandom, FirstOutputsOfSeedZeroMatchCPython) {
  // random.seed(0); [random.getrandbits(32) for _ in range(3)]
  PythonRandom rng(0);
  EXPECT_EQ(rng.getrandbits(32), 3626764237U);
  EXPECT_EQ(rng.getrandbits(32), 1654615998U);
  EXPECT_EQ(rng.getrandbits(32), 3255389356U);
}

TEST(Nb201, KnownIndices) {
  EXPECT_EQ(nb201::format_arch(nb201::index_to_arch(0)),
            "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|");
  EXPECT_EQ(nb201::format_arch(nb201::index_to_arch(6111)),
            "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|");
}

TEST(Nb201, IndexArchRoundTripIsABijection) {
  std::vector<bool> seen(static_cast<size_t>(nb201::kNumArchs), false);
  for (int64_t i = 0; i < nb201::kNumArchs; ++i) {
    const auto arch = nb201::index_to_arch(i);
    const auto lex = nb201::lex_index(arch);
    ASSERT_FALSE(seen[static_cast<size_t>(lex)]) << "op tuple " << lex << " appears twice";
    seen[static_cast<size_t>(lex)] = true;
    ASSERT_EQ(nb201::arch_to_index(nb201::parse_arch(nb201::format_arch(arch))), i);
  }
}

TEST(Nb201, IndexOrderEqualsGroundTruthTable) {
  ZCNAS_REQUIRE_SHARED("data/nb201/nb201_test_accuracy_200ep.csv");
  const auto truth = test::nb201_space().load_truth(test::shared_path("data/nb201/nb201_test_accuracy_200ep.csv"));
  ASSERT_EQ(truth.size(), nb201::kNumArchs);
  for (int64_t i = 0; i < truth.size(); ++i)
    ASSERT_EQ(nb201::format_arch(nb201::index_to_arch(i)), truth.arch[static_cast<size_t>(i)]) << "index " << i;
  EXPECT_NEAR(truth.column("cifar10")[6111], 94.37, 0.01);  // the best CIFAR-10 arch (SPEC.md §3)
}

void expect_error_mentions(const std::string& arch, const std::string& needle) {
  try {
    nb201::parse_arch(arch);
    FAIL() << "'" << arch << "' was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(Nb201, MalformedArchStringsNameTheBadToken) {
  expect_error_mentions("|none~0|+|none~0|none~1|+|none~0|none~1|conv~2|", "'conv'");
  expect_error_mentions("|none~0|+|none~0|none~1|+|none~0|none~1|none~1|", "'none~1'");
  expect_error_mentions("|none~0|+|none~0|none~1|", "3 node groups");
  expect_error_mentions("|none~0|+|none~0|+|none~0|none~1|none~2|", "node 2 needs 2 edges");
  expect_error_mentions("|none0|+|none~0|none~1|+|none~0|none~1|none~2|", "'none0'");
  expect_error_mentions("", "3 node groups");
}

TEST(Nb201, IndexOutsideSpaceIsAnError) {
  EXPECT_THROW(nb201::index_to_arch(-1), Error);
  EXPECT_THROW(nb201::index_to_arch(15625), Error);
}

TEST(Nb201, NetworkMatchesReferenceCounts) {
  // Arch 0: 2 conv1x1 edges per cell -> 15 cells x 2 x 2 hooks, + 2 blocks x 2 convs x 2, + lastact = 69.
  const Network net0 = nb201::build_network(nb201::index_to_arch(0));
  EXPECT_EQ(net0.hooked_tensors(), 69);
  EXPECT_EQ(net0.hooked_units(), 651264);
  const Network net6111 = nb201::build_network(nb201::index_to_arch(6111));
  EXPECT_EQ(net6111.hooked_tensors(), 159);
  EXPECT_EQ(net6111.hooked_units(), 1511424);
  // C and N are configurable: a smaller network has fewer cells and channels.
  nb201::NetworkOptions small;
  small.channels = 8;
  small.cells_per_stage = 1;
  const Network tiny = nb201::build_network(nb201::index_to_arch(6111), small);
  EXPECT_LT(tiny.parameter_count(), net6111.parameter_count());
  EXPECT_EQ(tiny.node(tiny.output()).channels, 1);
}

}  // namespace
}  // namespace zcnas
