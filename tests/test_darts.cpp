// The NDS DARTS cell space (SPEC.md §7): genotype strings in both spellings, their errors, the network's
// parameters and hooks against published figures, plans of random genotypes against the network's definition, and
// the oracle cases scored by the reference model code.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>

#include "core/random.hpp"
#include "io/safetensors.hpp"
#include "definition_check.hpp"
#include "every_score.hpp"
#include "nn/cpu_executor.hpp"
#include "nn/params.hpp"
#include "oracle_cases.hpp"
#include "scores/naswot.hpp"
#include "spaces/darts/darts.hpp"
#include "spaces/space.hpp"
#include "test_support.hpp"

namespace zcnas {
namespace {

const char* kDartsV2 =
    "sep_conv_3x3~0,sep_conv_3x3~1,sep_conv_3x3~0,sep_conv_3x3~1,sep_conv_3x3~1,skip_connect~0,skip_connect~0,"
    "dil_conv_3x3~2/max_pool_3x3~0,max_pool_3x3~1,skip_connect~2,max_pool_3x3~1,max_pool_3x3~0,skip_connect~2,"
    "skip_connect~2,max_pool_3x3~1";
const char* kDartsV2Repr =
    "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
    "('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], "
    "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
    "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])";

// A genotype drawn as NDS draws them: per node, two distinct inputs and uniform ops.
darts::Genotype random_genotype(std::mt19937& rng) {
  darts::Genotype g;
  for (darts::CellGenotype* cell : {&g.normal, &g.reduce})
    for (int step = 0; step < darts::kSteps; ++step) {
      const int node = 2 + step;
      const int a = static_cast<int>(rng() % static_cast<unsigned>(node));
      int b = static_cast<int>(rng() % static_cast<unsigned>(node - 1));
      if (b >= a) ++b;
      (*cell)[static_cast<size_t>(2 * step)] = {static_cast<darts::Op>(rng() % darts::kNumOps), a};
      (*cell)[static_cast<size_t>(2 * step + 1)] = {static_cast<darts::Op>(rng() % darts::kNumOps), b};
    }
  return g;
}

TEST(Darts, BothSpellingsParseToTheSameGenotype) {
  const darts::Genotype g = darts::parse_genotype(kDartsV2);
  EXPECT_EQ(darts::format_genotype(g), kDartsV2);
  EXPECT_EQ(darts::darts_repr(g), kDartsV2Repr);
  EXPECT_EQ(darts::format_genotype(darts::parse_genotype(kDartsV2Repr)), kDartsV2);
  // Double quotes, range() concats and loose spacing, as other printers write them.
  std::string loose = kDartsV2Repr;
  for (char& c : loose)
    if (c == '\'') c = '"';
  for (const char* concat : {"normal_concat=[2, 3, 4, 5]", "reduce_concat=[2, 3, 4, 5]"}) {
    const size_t at = loose.find(concat);
    loose.replace(at, std::string(concat).size(),
                  std::string(concat).substr(0, std::string(concat).find('=')) + " = range(2, 6)");
  }
  EXPECT_EQ(darts::format_genotype(darts::parse_genotype(loose)), kDartsV2);

  std::mt19937 rng(5);
  const auto space = make_space("darts");
  for (int k = 0; k < 200; ++k) {
    const darts::Genotype r = random_genotype(rng);
    const std::string s = darts::format_genotype(r);
    EXPECT_EQ(darts::format_genotype(darts::parse_genotype(darts::darts_repr(r))), s);
    const Genome genome = space->parse(s);
    EXPECT_TRUE(space->valid(genome));
    EXPECT_EQ(space->format(genome), s);
  }
}

// `text` with the first `from` replaced by `to`.
std::string with(std::string text, const std::string& from, const std::string& to) {
  return text.replace(text.find(from), from.size(), to);
}

void expect_error(const std::string& text, const std::string& needle) {
  const std::string error = test::error_of([&] { darts::parse_genotype(text); });
  EXPECT_NE(error.find(needle), std::string::npos) << "'" << text << "' gives: " << error;
}

TEST(Darts, BadGenotypesNameThePartThatIsWrong) {
  expect_error(with(kDartsV2, "dil_conv_3x3", "conv_7x7"), "normal pair 7 has op 'conv_7x7'");
  expect_error(with(kDartsV2, "max_pool_3x3~1", "none~1"), "reduce pair 1 has op 'none'");
  expect_error(with(kDartsV2, "sep_conv_3x3~1", "sep_conv_3x3~2"),
               "normal pair 1 (node 2) reads input 2, which does not exist yet: node 2 reads 0..1");
  expect_error("sep_conv_3x3~0,sep_conv_3x3~1", "expected the normal cell's 8 op~input tokens");
  expect_error(std::string(kDartsV2).substr(0, std::string(kDartsV2).rfind(',')), "the reduce cell has 7 op~input");
  expect_error(with(kDartsV2, "skip_connect~0", "skip_connect0"), "normal token 5 'skip_connect0' is not op~input");
  expect_error(with(kDartsV2, "skip_connect~0", "skip_connect~x"), "has input 'x', not a number");
  expect_error(with(kDartsV2Repr, "reduce_concat=[2, 3, 4, 5]", "reduce_concat=[4, 5]"), "reduce_concat is [4, 5]");
  expect_error("Genotype(normal=[('sep_conv_3x3', 0)]", "the normal cell has 1 (op, input) pairs");
}

TEST(Darts, DepthBelowThreeAndUnevenImagesAreRefused) {
  const darts::Genotype g = darts::parse_genotype(kDartsV2);
  darts::NetworkOptions o;
  o.depth = 2;
  EXPECT_NE(test::error_of([&] { darts::build_network(g, o); }).find("DARTS depth 2: the network needs at least 3"),
            std::string::npos);
  o.depth = 3;
  o.image_size = 30;
  EXPECT_NE(test::error_of([&] { darts::build_network(g, o); }).find("DARTS image size 30"), std::string::npos);
}

TEST(Darts, DartsV2HasThePublishedParametersAndHooks) {
  const darts::Genotype g = darts::parse_genotype(kDartsV2);
  darts::NetworkOptions big;
  big.width = 36;
  big.depth = 20;
  big.num_classes = 10;
  EXPECT_EQ(darts::build_network(g, big).parameter_count(), 3349342);
  const Network net = darts::build_network(g);
  EXPECT_EQ(net.hooked_tensors(), 96);
  EXPECT_EQ(net.relu_tensors(), 82);
  EXPECT_EQ(net.hooked_units(), 1843200);
}

// Plans of random genotypes (every op at both strides, factorized reductions, repeated inputs) against the
// network's definition run node by node, on a small batch, width and image.
TEST(Darts, CpuPlansMatchTheDefinitionOnRandomGenotypes) {
  std::mt19937 rng(11);
  CpuExecutor<float> exec(2);
  darts::NetworkOptions o;
  o.width = 4;
  o.depth = 3;
  o.image_size = 8;
  for (int k = 0; k < 12; ++k) {
    darts::Genotype g = random_genotype(rng);
    if (k % 3 == 0) g.reduce[1].input = g.reduce[0].input;  // the same state twice
    SCOPED_TRACE(darts::format_genotype(g));
    test::expect_cpu_plan_matches_definition(exec, darts::build_network(g, o), static_cast<uint32_t>(k));
  }
}

// Every registered score runs on DARTS networks (narrow ones) and gives a number.
TEST(Darts, EveryScoreRunsOnIt) {
  darts::NetworkOptions o;
  o.width = 4;
  o.depth = 3;
  std::mt19937 rng(2);
  std::vector<Network> nets;
  nets.push_back(darts::build_network(darts::parse_genotype(kDartsV2), o));
  nets.push_back(darts::build_network(random_genotype(rng), o));
  test::expect_every_score_runs(nets);
}

// Genome position of pair p's input in cell type t (0 normal, 1 reduce).
size_t input_position(int t, int p) { return static_cast<size_t>((t * darts::kPairs + p) * 2 + 1); }

// No node of the genome reads one state twice.
bool inputs_distinct(const Genome& g) {
  for (int t = 0; t < 2; ++t)
    for (int p = 0; p < darts::kPairs; p += 2)
      if (g[input_position(t, p)] == g[input_position(t, p + 1)]) return false;
  return true;
}

// Random archs are drawn as NDS draws them: valid, two distinct inputs per node, every op and input met, and a
// function of the stream.
TEST(Darts, RandomGenotypesAreDrawnAsNdsDrawsThem) {
  const auto space = make_space("darts");
  const std::vector<int32_t> choices = space->genome_choices();
  std::vector<std::set<int32_t>> seen(choices.size());
  RandomStream random(3, 4), again(3, 4);
  for (int k = 0; k < 400; ++k) {
    const Genome g = space->random_genome(random);
    ASSERT_TRUE(space->valid(g));
    EXPECT_TRUE(inputs_distinct(g)) << space->format(g);
    EXPECT_EQ(space->random_genome(again), g);
    for (size_t p = 0; p < g.size(); ++p) seen[p].insert(g[p]);
  }
  for (size_t p = 0; p < choices.size(); ++p) EXPECT_EQ(seen[p].size(), static_cast<size_t>(choices[p])) << p;
}

// A mutation changes one op (6 others at each of 16 pairs) or one input (to one its node does not read yet: k - 2
// of node k's k states), so DARTS-V2 has 96 + 24 children, all reachable.
TEST(Darts, MutationsChangeOneOpOrOneInputAndKeepInputsDistinct) {
  const auto space = make_space("darts");
  const Genome parent = space->parse(kDartsV2);
  RandomStream random(9, 1);
  std::set<Genome> children;
  for (int k = 0; k < 5000; ++k) {
    const Genome child = space->mutate(parent, random);
    size_t differing = 0;
    for (size_t p = 0; p < child.size(); ++p) differing += child[p] != parent[p];
    EXPECT_EQ(differing, 1u);
    EXPECT_TRUE(inputs_distinct(child)) << space->format(child);
    children.insert(child);
  }
  EXPECT_EQ(children.size(), 120u);
}

using test::json_number;

class DartsOracle : public ::testing::TestWithParam<int> {};

// The reference's K and score within SPEC.md §7's tolerances: K_ii = units, |dK| <= 1e-4 units per entry (and
// every entry an integer), |d naswot| <= 1e-6 |naswot|; hooked tensors, units and parameters exact.
TEST_P(DartsOracle, NaswotKernelAndScoreMatchReference) {
  ZCNAS_REQUIRE_SHARED("oracle/nds_darts/cases.json");
  ZCNAS_REQUIRE_SHARED("data/cifar10/data_batch_1_exact_first932.bin");
  const auto cases = test::load_oracle_cases("nds_darts");
  const auto& c = cases["cases"].at(static_cast<size_t>(GetParam()));
  const std::string name = c["name"].get<std::string>(), dir = test::shared_path("oracle/nds_darts/" + name);
  const darts::Genotype g = darts::parse_genotype(c["arch"].get<std::string>());
  EXPECT_EQ(darts::format_genotype(darts::parse_genotype(c["genotype"].get<std::string>())), c["arch"]);
  darts::NetworkOptions o;
  o.width = c["width"].get<int64_t>();
  o.depth = c["depth"].get<int>();
  const Network net = darts::build_network(g, o);
  EXPECT_EQ(net.hooked_tensors(), c["relu_count"].get<int64_t>());
  EXPECT_EQ(net.hooked_units(), c["relu_units"].get<int64_t>());
  EXPECT_EQ(net.parameter_count(), c["params"].get<int64_t>());

  const ParamStore params = load_params(net, dir + "/weights.safetensors");
  const Tensor input = test::oracle_batch(cases, c["batch"].get<int64_t>());
  CpuExecutor<float> exec;
  const NaswotResult r = naswot_cpu(exec, net, params, input);
  const TensorF64 K = raw_to_f64(read_safetensors(dir + "/expected.safetensors").at("K"), "K");
  for (double k : r.K.data) ASSERT_EQ(k, std::round(k)) << "K holds counts";
  const double units = static_cast<double>(net.hooked_units());
  const double worst = test::largest_kernel_difference(r.K, K, units);
  const double expected = json_number(c["naswot"]);
  std::printf("[ darts    ] %s: naswot %.10f (reference %.10f), largest K difference %g of %g units\n", name.c_str(),
              r.score, expected, worst, units);
  EXPECT_LE(worst, 1e-4 * units);
  EXPECT_NEAR(r.score, expected, 1e-6 * std::fabs(expected));
}

INSTANTIATE_TEST_SUITE_P(Public, DartsOracle, ::testing::Range(0, 6));

}  // namespace
}  // namespace zcnas
