// The NATS-Bench size space (SPEC.md §6): channel strings and the official index order over the whole space,
// parse errors, the network's parameters, hooks and units against NATS-Bench's and the formula's, the public
// oracle cases scored by the reference, every registered score on its networks, and its ground-truth tables.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <set>

#include "eval/truth.hpp"
#include "every_score.hpp"
#include "io/safetensors.hpp"
#include "nn/params.hpp"
#include "oracle_cases.hpp"
#include "scores/naswot.hpp"
#include "search_fixtures.hpp"
#include "spaces/nats_sss/nats_sss.hpp"
#include "spaces/space.hpp"
#include "test_support.hpp"

namespace zcnas {
namespace {

using nats_sss::Channels;
using test::error_of;

const SearchSpace& space() {
  static const std::unique_ptr<SearchSpace> s = make_space("nats-sss");
  return *s;
}

// SPEC.md §6: the index weighs layer k's width choice by 8^(4-k).
int64_t spec_index(const Channels& c) {
  int64_t index = 0, weight = 4096;
  for (int64_t width : c) index += (width / 8 - 1) * weight, weight /= 8;
  return index;
}

// SPEC.md §6's units per sample of the hooked tensors.
int64_t spec_units(const Channels& c) { return 12288 * c[0] + 1536 * c[1] + 2048 * c[2] + 384 * c[3] + 448 * c[4]; }

TEST(NatsSssSpace, IndexStringGenomeRoundTripsOverTheWholeSpace) {
  EXPECT_EQ(space().name(), "nats-sss");
  ASSERT_EQ(space().size(), 32768);
  EXPECT_EQ(space().genome_choices(), std::vector<int32_t>(5, 8));
  std::set<std::string> seen;
  for (int64_t i : space().all_indices()) {
    const Genome genome = space().genome_of(i);
    ASSERT_TRUE(space().valid(genome));
    const std::string arch = space().format(genome);
    ASSERT_TRUE(seen.insert(arch).second) << "index " << i << " repeats " << arch;
    const Channels channels = nats_sss::parse_channels(arch);
    for (size_t k = 0; k < channels.size(); ++k) ASSERT_EQ(channels[k], 8 * (genome[k] + 1)) << arch;
    ASSERT_EQ(spec_index(channels), i) << arch;
    ASSERT_EQ(space().parse(arch), genome);
    ASSERT_EQ(space().index_of(genome), i);
    ASSERT_EQ(space().index_of_arch(arch), i);
  }
}

TEST(NatsSssSpace, SpecExamples) {
  const std::pair<int64_t, const char*> examples[] = {{0, "8:8:8:8:8"},        {11, "8:8:8:16:32"},
                                                      {284, "8:8:40:32:40"},   {32767, "64:64:64:64:64"},
                                                      {7733, "16:64:8:56:48"}, {29848, "64:24:24:32:8"}};
  for (const auto& [index, arch] : examples) {
    EXPECT_EQ(space().arch_of(index), arch);
    EXPECT_EQ(space().index_of_arch(arch), index);
  }
}

TEST(NatsSssSpace, ParseErrorsNameTheStringAndThePart) {
  const std::pair<const char*, const char*> cases[] = {
      {"8:16:33:48:64", "NATS-SSS arch '8:16:33:48:64': channel 3 is 33, not one of 8, 16, ..., 64"},
      {"72:16:32:48:64", "channel 1 is 72, not one of 8, 16, ..., 64"},
      {"8:16:32:48:0", "channel 5 is 0, not one of"},
      {"8:-8:32:48:64", "channel 2 is -8, not one of"},
      {"8:16:32:48", "'8:16:32:48': 4 parts separated by ':', need 5"},
      {"8:16:32:48:64:8", "6 parts separated by ':', need 5"},
      {"", "'': 1 parts separated by ':', need 5"},
      {"8:16:x:48:64", "channel 3 is 'x', not a number"},
      {"8:16::48:64", "channel 3 is '', not a number"},
      {"8:16:32:48:64 ", "channel 5 is '64 ', not a number"},
      {"8:+16:32:48:64", "channel 2 is '+16', not a number"},
      {"8:16:32:48:99999999999999999999", "channel 5 is '99999999999999999999', not a number"}};
  for (const auto& [arch, expected] : cases) {
    const std::string message = error_of([&] { space().parse(arch); });
    EXPECT_NE(message.find(expected), std::string::npos) << "expected: " << expected << "\ngot: " << message;
  }
  EXPECT_NE(error_of([] { space().genome_of(32768); }).find("32768"), std::string::npos);
  EXPECT_NE(error_of([] { space().index_of({0, 1, 2, 3, 8}); }).find("not 5 widths"), std::string::npos);
  EXPECT_NE(error_of([] {
              nats_sss::channels_to_index({8, 16, 20, 32, 64});
            }).find("channel 3 is 20"),
            std::string::npos);
}

TEST(NatsSssSpace, MutationTableRowsAreTheNeighbours) {
  const MutationTable table = mutation_table(space());
  ASSERT_EQ(table.per_arch, 35);
  for (int64_t i : {int64_t{0}, int64_t{284}, int64_t{7733}, int64_t{32767}}) {
    std::vector<int64_t> expected;
    for (const Genome& g : space().neighbours(space().genome_of(i))) expected.push_back(space().index_of(g));
    const std::vector<int64_t> row(table.child.begin() + i * 35, table.child.begin() + (i + 1) * 35);
    EXPECT_EQ(row, expected) << i;
  }
}

// NATS-Bench's own parameter counts at 10 classes (SPEC.md §6: 0.011714, 0.049202, 0.144834 M).
TEST(NatsSssNetwork, ParameterCountsAreNatsBenchs) {
  BuildOptions ten;
  ten.num_classes = 10;
  EXPECT_EQ(space().build(space().genome_of(0), ten).parameter_count(), 11714);
  EXPECT_EQ(space().build(space().genome_of(11), ten).parameter_count(), 49202);
  EXPECT_EQ(space().build(space().genome_of(284), ten).parameter_count(), 144834);
}

// 39 hooked tensors (20 ReLU modules, 19 ReLUConvBN wrappers) and SPEC.md §6's units, on every 31st network and
// the extremes.
TEST(NatsSssNetwork, HooksAndUnitsFollowTheFormula) {
  for (int64_t i = 0; i < 32768; i += i == 32767 ? 1 : std::min<int64_t>(31, 32767 - i)) {
    const Channels c = nats_sss::index_to_channels(i);
    const Network net = nats_sss::build_network(c);
    ASSERT_EQ(net.hooked_tensors(), 39) << i;
    ASSERT_EQ(net.relu_tensors(), 20) << i;
    ASSERT_EQ(net.hooked_units(), spec_units(c)) << i;
    ASSERT_EQ(net.node(net.output()).channels, 1) << i;
  }
  EXPECT_EQ(spec_units({64, 64, 64, 64, 64}), 1069056);
  EXPECT_EQ(spec_units({8, 8, 40, 32, 40}), 222720);
}

// SPEC.md §6's parameter names: the width-changing skip (layers.3) is conv + bn only where its cell changes width.
std::set<std::string> spec_parameter_names(const Channels& c) {
  std::set<std::string> names = {"stem.0.weight",  "stem.1.weight",     "stem.1.bias",    "lastact.0.weight",
                                 "lastact.0.bias", "classifier.weight", "classifier.bias"};
  auto conv_bn = [&](const std::string& op) {
    for (const char* p : {".1.weight", ".2.weight", ".2.bias"}) names.insert(op + p);
  };
  for (int cell : {0, 2, 4}) {
    for (int layer : {0, 1, 2, 4, 5}) conv_bn(fmt::format("cells.{}.layers.{}.op", cell, layer));
    if (cell > 0 && c[static_cast<size_t>(cell - 1)] != c[static_cast<size_t>(cell)])
      for (const char* p : {"conv.weight", "bn.weight", "bn.bias"})
        names.insert(fmt::format("cells.{}.layers.3.{}", cell, p));
  }
  for (int block : {1, 3}) {
    for (const char* conv : {"conv_a", "conv_b"}) conv_bn(fmt::format("cells.{}.{}.op", block, conv));
    names.insert(fmt::format("cells.{}.downsample.1.weight", block));
  }
  return names;
}

TEST(NatsSssNetwork, ParameterNamesAreTheReferences) {
  for (int64_t i : {0, 11, 284, 7733, 29848, 32767}) {
    const Channels c = nats_sss::index_to_channels(i);
    const Network net = nats_sss::build_network(c);
    std::set<std::string> names;
    for (const ParamSpec& p : net.params())
      if (p.name.find(".running_") == std::string::npos) names.insert(p.name);
    EXPECT_EQ(names, spec_parameter_names(c)) << i;
  }
}

// MeCo reads the module outputs: every module with parameters returns one, once, and the FactorizedReduce's ReLU,
// which never runs, returns none.
TEST(NatsSssNetwork, ModuleOutputsCoverEveryModuleThatRuns) {
  const Network net = nats_sss::build_network(nats_sss::parse_channels("8:16:40:32:40"));
  std::set<std::string> modules;
  for (const ModuleOutput& m : net.module_outputs()) EXPECT_TRUE(modules.insert(m.name).second) << m.name;
  for (const ParamSpec& p : net.params()) {
    const std::string module = p.name.substr(0, p.name.rfind('.'));
    EXPECT_EQ(modules.count(module), 1u) << p.name;
  }
  for (const char* name : {"cells.2.layers.3", "cells.2.layers.3.conv", "cells.2.layers.3.bn", "cells.4.layers.3",
                           "cells.1.downsample", "global_pooling", ""})
    EXPECT_EQ(modules.count(name), 1u) << name;
  EXPECT_EQ(modules.count("cells.2.layers.3.relu"), 0u);
}

TEST(NatsSssNetwork, WidthAndDepthOptionsAreRefused) {
  BuildOptions wide;
  wide.channels = 16;
  EXPECT_NE(error_of([&] { space().build(space().genome_of(0), wide); }).find("-C"), std::string::npos);
  BuildOptions deep;
  deep.depth = 2;
  EXPECT_NE(error_of([&] { space().build(space().genome_of(0), deep); }).find("-N"), std::string::npos);
}

// Every registered score runs on NATS-SSS networks (the smallest, one whose skips change width, and one that
// narrows) and gives a number; small batches keep it cheap.
TEST(NatsSssNetwork, EveryScoreRunsOnIt) {
  std::vector<Network> nets;
  for (const char* arch : {"8:8:8:8:8", "8:16:40:32:40", "24:8:16:8:8"})
    nets.push_back(space().build(space().parse(arch)));
  test::expect_every_score_runs(nets);
}

// A user's table in NATS-Bench's layout: rows keyed by channel string, by index or both, a column per dataset,
// in any order and covering part of the space.
TEST(NatsSssTruth, TablesKeyedByIndexOrChannelsNameTheirDatasets) {
  test::TempDir dir;
  const std::string both = dir.file("both.csv"), by_index = dir.file("index.csv");
  std::ofstream(both) << "arch,cifar10-valid,cifar100,index\n"
                      << "64:64:64:64:64,91.5,70.25,32767\n\n"
                      << "8:8:40:32:40,83.125,,284\r\n"
                      << "8:8:8:8:8,nan,30.5,0\n";
  std::ofstream(by_index) << "index,cifar10\n11,60.75\n7733,88\n";
  const GroundTruth truth = space().load_truth(both);
  EXPECT_EQ(truth.datasets, (std::vector<std::string>{"cifar10-valid", "cifar100"}));
  EXPECT_EQ(truth.size(), 32768);
  EXPECT_EQ(truth.covered("cifar10-valid"), 2);
  EXPECT_EQ(truth.covered("cifar100"), 2);
  EXPECT_EQ(truth.column("cifar10-valid")[32767], 91.5);
  EXPECT_EQ(truth.column("cifar100")[32767], 70.25);
  EXPECT_EQ(truth.column("cifar10-valid")[284], 83.125);
  EXPECT_TRUE(std::isnan(truth.column("cifar100")[284]));
  EXPECT_TRUE(std::isnan(truth.column("cifar10-valid")[0]));
  EXPECT_EQ(truth.column("cifar100")[0], 30.5);
  EXPECT_TRUE(std::isnan(truth.column("cifar100")[1]));
  EXPECT_EQ(truth.arch[284], "8:8:40:32:40");
  EXPECT_EQ(truth.arch[1], "");

  const GroundTruth indexed = space().load_truth(by_index);
  EXPECT_EQ(indexed.datasets, std::vector<std::string>{"cifar10"});
  EXPECT_EQ(indexed.covered("cifar10"), 2);
  EXPECT_EQ(indexed.column("cifar10")[11], 60.75);
  EXPECT_EQ(indexed.column("cifar10")[7733], 88);
}

TEST(NatsSssTruth, ErrorsNameTheFileLineAndField) {
  test::TempDir dir;
  const std::string path = dir.file("truth.csv");
  const std::pair<std::string, std::string> cases[] = {
      {"arch,cifar10\n8:16:33:48:64,90\n",
       "truth.csv' line 2, column 1 (arch): NATS-SSS arch '8:16:33:48:64': channel 3 is 33, not one of 8, 16, ..., 64"},
      {"index,cifar10\n32768,90\n", "line 2, column 1 (index): index 32768 is outside NATS-SSS (0..32767)"},
      {"index,cifar10\n1.5,90\n", "line 2, column 1 (index): '1.5' is not an integer"},
      {"index,arch,cifar10\n11,8:8:8:8:8,90\n",
       "line 2, column 1 (index): '11' is index 11, but column 'arch' names index 0"},
      {"arch,cifar10\n8:8:8:8:8,90\n8:8:8:8:16,91\n8:8:8:8:8,92\n",
       "line 4, column 1 (arch): '8:8:8:8:8' (index 0) already appears on line 2"},
      {"arch,cifar10\n8:8:8:8:8,high\n", "line 2, column 2 (cifar10): 'high' is not a number"},
      {"arch,cifar10\n8:8:8:8:8,inf\n", "'inf' is not a finite accuracy"},
      {"channels,cifar10\n8:8:8:8:8,90\n", "has no 'arch' or 'index' column to name the arch of a row"},
      {"arch,index\n8:8:8:8:8,0\n", "has a 'arch' and 'index' column but no accuracy column"},
      {"arch,cifar10,cifar10\n", "column 'cifar10' appears twice"}};
  for (const auto& [text, expected] : cases) {
    std::ofstream(path) << text;
    const std::string message = error_of([&] { space().load_truth(path); });
    EXPECT_NE(message.find(expected), std::string::npos) << "expected: " << expected << "\ngot: " << message;
  }
}

const char* kOracle = "oracle/nats_sss";

TEST(NatsSssOracle, InputBatchIsBitIdentical) {
  ZCNAS_REQUIRE_SHARED("oracle/nats_sss/input.safetensors");
  ZCNAS_REQUIRE_SHARED("data/cifar10/data_batch_1_exact_first932.bin");
  test::expect_input_is_oracle_batch("nats_sss");
}

class NatsSssOracle : public ::testing::TestWithParam<int> {};

// The reference's K and score within SPEC.md §6's tolerances: hooked tensors, units and parameters exact,
// K_ii = units, |dK| <= 1e-4 units per entry, |d naswot| <= 1e-6 |naswot|.
TEST_P(NatsSssOracle, NaswotKernelAndScoreMatchReference) {
  ZCNAS_REQUIRE_SHARED("oracle/nats_sss/cases.json");
  ZCNAS_REQUIRE_SHARED("data/cifar10/data_batch_1_exact_first932.bin");
  const auto cases = test::load_oracle_cases("nats_sss");
  const auto& c = cases["cases"].at(static_cast<size_t>(GetParam()));
  const std::string name = c["name"].get<std::string>(), dir = test::shared_path(std::string(kOracle) + "/" + name);
  const Genome genome = space().parse(c["channels"].get<std::string>());
  ASSERT_EQ(space().index_of(genome), c["index"].get<int64_t>());
  const Network net = space().build(genome);
  EXPECT_EQ(net.hooked_tensors(), c["relu_count"].get<int64_t>());
  EXPECT_EQ(net.hooked_units(), c["relu_units"].get<int64_t>());
  EXPECT_EQ(net.parameter_count(), c["params"].get<int64_t>());
  BuildOptions ten;
  ten.num_classes = 10;
  EXPECT_EQ(space().build(genome, ten).parameter_count(), c["params_num_classes_10"].get<int64_t>());

  const ParamStore params = load_params(net, dir + "/weights.safetensors");
  const Tensor input = test::oracle_batch(cases, c["batch"].get<int64_t>());
  CpuExecutor<float> exec;
  const NaswotResult r = naswot_cpu(exec, net, params, input);
  const TensorF64 K = raw_to_f64(read_safetensors(dir + "/expected.safetensors").at("K"), "K");
  const double units = static_cast<double>(net.hooked_units());
  const double worst = test::largest_kernel_difference(r.K, K, units);
  const double expected = test::json_number(c["naswot"]);
  std::printf("[ nats-sss ] %s: naswot %.10f (reference %.10f), largest K difference %g of %g units\n", name.c_str(),
              r.score, expected, worst, units);
  EXPECT_LE(worst, 1e-4 * units);
  EXPECT_NEAR(r.score, expected, 1e-6 * std::fabs(expected));
}

INSTANTIATE_TEST_SUITE_P(Public, NatsSssOracle, ::testing::Range(0, 6));

}  // namespace
}  // namespace zcnas
