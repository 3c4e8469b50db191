// NAS-Bench-101 networks (SPEC.md §5): vertex channels, the reference's weight law, hooks and parameter counts,
// every plan of random cells against the network's definition, and the oracle cells scored by the reference.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "every_score.hpp"
#include "io/cifar10.hpp"
#include "io/safetensors.hpp"
#include "definition_check.hpp"
#include "nn/cpu_executor.hpp"
#include "nn/params.hpp"
#include "oracle_cases.hpp"
#include "reference_network.hpp"
#include "scores/epsilon.hpp"
#include "scores/naswot.hpp"
#include "spaces/nb101/nb101_cell.hpp"
#include "spaces/nb101/nb101_network.hpp"
#include "test_support.hpp"

namespace zcnas {
namespace {

using nb101::Cell;

// CSV row 446 (SPEC.md §5): seven vertices, a truncation in every stack.
const char* kRow446 =
    "0110000000100100001000000010000000100000010000000:input,conv1x1-bn-relu,maxpool3x3,conv1x1-bn-relu,"
    "conv1x1-bn-relu,conv3x3-bn-relu,output";
// The nasbench README's Inception-like cell.
const char* kInception =
    "0111010000000100000010000100000000100000010000000:input,conv1x1-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,"
    "conv3x3-bn-relu,maxpool3x3,output";

TEST(Nb101Network, VertexChannelsFollowTheSpecExamples) {
  const Cell cell = nb101::parse_cell(kRow446);
  EXPECT_EQ(nb101::vertex_channels(cell, 16, 16), (std::vector<int64_t>{16, 6, 5, 5, 5, 5, 16}));
  EXPECT_EQ(nb101::vertex_channels(cell, 16, 32), (std::vector<int64_t>{16, 11, 11, 10, 11, 10, 32}));
  EXPECT_EQ(nb101::vertex_channels(cell, 32, 64), (std::vector<int64_t>{32, 22, 21, 21, 21, 21, 64}));
  EXPECT_EQ(nb101::vertex_channels(nb101::parse_cell("0100:input,output"), 16, 32), (std::vector<int64_t>{16, 32}));
}

// Channels never grow along an edge, differ by at most one, and the output's feeders add up to its channels.
TEST(Nb101Network, VertexChannelsKeepTheirInvariantsOnRandomCells) {
  std::mt19937 rng(3);
  int cells = 0;
  while (cells < 2000) {
    Cell c;
    c.vertices = 2 + static_cast<int>(rng() % 6);
    for (int v = 0; v < c.vertices; ++v) {
      c.ops[static_cast<size_t>(v)] = static_cast<nb101::Op>(rng() % 3);
      for (int d = v + 1; d < c.vertices; ++d) c.successors[static_cast<size_t>(v)] |= (rng() % 2) << d;
    }
    const auto pruned = nb101::prune(c);
    if (!pruned || pruned->num_edges() > nb101::kMaxEdges) continue;
    ++cells;
    const int V = pruned->vertices;
    for (int64_t out : {16, 32, 64, 128, 512}) {
      const auto ch = nb101::vertex_channels(*pruned, out / 2, out);
      int64_t fed = 0;
      for (int v = 1; v < V - 1; ++v) {
        if (pruned->has_edge(v, V - 1)) fed += ch[static_cast<size_t>(v)];
        for (int d = v + 1; d < V - 1; ++d)
          if (pruned->has_edge(v, d)) {
            EXPECT_GE(ch[static_cast<size_t>(v)], ch[static_cast<size_t>(d)]) << nb101::format_cell(*pruned);
            EXPECT_LE(ch[static_cast<size_t>(v)], ch[static_cast<size_t>(d)] + 1) << nb101::format_cell(*pruned);
          }
      }
      if (V > 2) {
        EXPECT_EQ(fed, out) << nb101::format_cell(*pruned);
      }
    }
  }
}

// SPEC.md §5: one hooked tensor per ConvBnRelu, 1 + 9 (n_conv + n_in); units 16*1024 + sum over stacks of
// 3 * HW * (channels of the hooked vertices and projections).
TEST(Nb101Network, HooksCountEveryConvBnReluOnce) {
  for (const char* arch : {kRow446, kInception, "0100:input,output", "011001000:input,maxpool3x3,output"}) {
    SCOPED_TRACE(arch);
    const Cell cell = nb101::parse_cell(arch);
    const int V = cell.vertices;
    int conv = 0, in = 0;
    for (int v = 1; v < V - 1; ++v) conv += cell.ops[static_cast<size_t>(v)] != nb101::Op::MaxPool3x3;
    for (int v = 1; v < V; ++v) in += cell.has_edge(0, v);
    const Network net = nb101::build_network(cell, {});
    EXPECT_EQ(net.hooked_tensors(), 1 + 9 * (conv + in));
    EXPECT_EQ(net.relu_tensors(), net.hooked_tensors());
    int64_t units = 16 * 1024;
    const int64_t hw[] = {1024, 256, 64}, out[] = {16, 32, 64};
    for (int s = 0; s < 3; ++s) {
      const auto ch = nb101::vertex_channels(cell, out[s], out[s]);  // the stack's later cells; the first's
      const auto first = nb101::vertex_channels(cell, s == 0 ? 16 : out[s] / 2, out[s]);  // differ in C_in only
      ASSERT_EQ(ch, [&] {
        auto c = first;
        c[0] = out[s];
        return c;
      }());
      int64_t hooked = 0;
      for (int v = 1; v < V; ++v) {
        if (v < V - 1 && cell.ops[static_cast<size_t>(v)] != nb101::Op::MaxPool3x3)
          hooked += ch[static_cast<size_t>(v)];
        if (cell.has_edge(0, v)) hooked += ch[static_cast<size_t>(v)];
      }
      units += 3 * hw[s] * hooked;
    }
    EXPECT_EQ(net.hooked_units(), units);
  }
}

// _initialize_weights: conv N(0, 2 / (k k C_out)), batch norm 1 and 0, linear N(0, 0.01^2) and bias 0.
TEST(Nb101Network, DefaultWeightsFollowTheReferenceLaw) {
  const Network net = nb101::build_network(nb101::parse_cell(kRow446), {});
  const ParamStore params = init_params(net, 5);
  for (const ParamSpec& spec : net.params()) {
    const auto& v = params.at(spec.name).data;
    double sum = 0, sq = 0;
    for (float x : v) sum += x, sq += static_cast<double>(x) * x;
    const double n = static_cast<double>(v.size()), mean = sum / n, std = std::sqrt(sq / n - mean * mean);
    const bool conv = spec.shape.size() == 4, bn = spec.name.find("conv_bn_relu.1.") != std::string::npos;
    if (conv) {
      const double expected = std::sqrt(2.0 / static_cast<double>(spec.shape[0] * spec.shape[2] * spec.shape[3]));
      if (n >= 2000) {
        EXPECT_NEAR(std / expected, 1.0, 0.08) << spec.name;
      }
    } else if (bn) {
      EXPECT_EQ(sum, spec.role == ParamRole::Weight ? n : 0.0) << spec.name;
    } else if (spec.name == "classifier.weight") {
      EXPECT_NEAR(std / 0.01, 1.0, 0.5) << spec.name;  // 64 draws
    } else {
      EXPECT_EQ(spec.name, "classifier.bias");
      EXPECT_EQ(sq, 0.0);
    }
  }
}

// Every plan of random cells (truncations, concatenations, max-pools, projections to the output) against the
// network's definition run node by node, on a small batch, stem and image.
TEST(Nb101Network, CpuPlansMatchTheDefinitionOnRandomCells) {
  std::mt19937 rng(7);
  CpuExecutor<float> exec(2);
  int cells = 0;
  while (cells < 40) {
    Cell c;
    c.vertices = 3 + static_cast<int>(rng() % 5);
    for (int v = 0; v < c.vertices; ++v) {
      c.ops[static_cast<size_t>(v)] = static_cast<nb101::Op>(rng() % 3);
      for (int d = v + 1; d < c.vertices; ++d) c.successors[static_cast<size_t>(v)] |= (rng() % 3 == 0) << d;
    }
    const auto pruned = nb101::prune(c);
    if (!pruned || pruned->num_edges() > nb101::kMaxEdges) continue;
    ++cells;
    SCOPED_TRACE(nb101::format_cell(*pruned));
    nb101::NetworkOptions o;
    o.stem_channels = 5;  // odd: uneven splits and truncations in every stack
    o.image_size = 8;
    o.cells_per_stack = 2;
    test::expect_cpu_plan_matches_definition(exec, nb101::build_network(*pruned, o), static_cast<uint32_t>(cells));
  }
}

// Every registered score runs on NB101 networks (narrow ones: stem 4) and gives a number; epsilon's
// float32 pass is NaN there, as in the reference (SPEC.md §5), and float64 gives a value.
TEST(Nb101Network, EveryScoreRunsOnIt) {
  nb101::NetworkOptions o;
  o.stem_channels = 4;
  std::vector<Network> nets;
  for (const char* arch : {kRow446, kInception, "0100:input,output"})
    nets.push_back(nb101::build_network(nb101::parse_cell(arch), o));
  test::expect_every_score_runs(nets);
}

// The benchmark's own networks (stem 128, 10 labels) have the nasbench parameter counts: its README's cell,
// and the `params` column (millions) of the first rows of the NASLib table.
TEST(Nb101Network, BenchmarkNetworksHaveThePublishedParameterCounts) {
  nb101::NetworkOptions o;
  o.stem_channels = 128;
  o.num_classes = 10;
  const Cell inception = nb101::parse_cell(kInception);
  EXPECT_EQ(nb101::cell_hash(inception), "28cfc7874f6d200472e1a9dcd8650aa0");
  EXPECT_EQ(nb101::build_network(inception, o).parameter_count(), 2694282);

  ZCNAS_REQUIRE_SHARED("data/nb101/naslib_zc_subset.csv");
  std::ifstream csv(test::shared_path("data/nb101/naslib_zc_subset.csv"));
  std::string line;
  std::getline(csv, line);
  for (int row = 0; row < 20 && std::getline(csv, line); ++row) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string x; std::getline(ss, x, ',');) f.push_back(x);
    ASSERT_EQ(f.size(), 14u) << line;
    const Cell cell = nb101::parse_cell(f[0] + ":" + f[1]);
    EXPECT_EQ(nb101::build_network(cell, o).parameter_count(), std::llround(std::stod(f[13]) * 1e6)) << line;
  }
}

const char* kOracle = "oracle/nb101";

nlohmann::json load_cases() { return test::load_oracle_cases("nb101"); }
using test::json_number;
using test::oracle_batch;

Cell oracle_cell(const nlohmann::json& c) {
  std::string ops;
  for (const auto& op : c["ops"]) ops += (ops.empty() ? "" : ",") + op.get<std::string>();
  return nb101::parse_cell(c["matrix"].get<std::string>() + ":" + ops);
}

class Nb101Oracle : public ::testing::TestWithParam<int> {};

// The cell as the reference pruned, hashed and sized it, and its K and score within SPEC.md §5's tolerances:
// K_ii = units exactly, |dK| <= 5e-4 units, |d naswot| <= 5e-4. The cell the reference crashes on included.
TEST_P(Nb101Oracle, NaswotKernelAndScoreMatchReference) {
  ZCNAS_REQUIRE_SHARED("oracle/nb101/cases.json");
  ZCNAS_REQUIRE_SHARED("data/cifar10/data_batch_1_exact_first932.bin");
  const auto cases = load_cases();
  const auto& c = cases["cases"].at(static_cast<size_t>(GetParam()));
  const std::string name = c["name"].get<std::string>(), dir = test::shared_path(std::string(kOracle) + "/" + name);
  const Cell cell = oracle_cell(c);
  EXPECT_EQ(nb101::matrix_string(cell), c["pruned_matrix"].get<std::string>());
  EXPECT_EQ(cell.vertices, c["num_vertices"].get<int>());
  EXPECT_EQ(cell.num_edges(), c["num_edges"].get<int>());
  EXPECT_EQ(nb101::cell_hash(cell), c["hash"].get<std::string>());
  EXPECT_EQ(nb101::reference_fails(cell), c["reference_fails"].get<bool>());
  const int64_t in[] = {16, 16, 32}, out[] = {16, 32, 64};
  for (size_t s = 0; s < 3; ++s)
    EXPECT_EQ(nb101::vertex_channels(cell, in[s], out[s]), c["vertex_channels"][s].get<std::vector<int64_t>>());

  const Network net = nb101::build_network(cell, {});
  EXPECT_EQ(net.hooked_tensors(), c["relu_count"].get<int64_t>());
  EXPECT_EQ(net.hooked_units(), c["relu_units"].get<int64_t>());
  EXPECT_EQ(net.parameter_count(), c["params"].get<int64_t>());

  const ParamStore params = load_params(net, dir + "/weights.safetensors");
  const Tensor input = oracle_batch(cases, c["batch"].get<int64_t>());
  CpuExecutor<float> exec;
  const NaswotResult r = naswot_cpu(exec, net, params, input);
  const TensorF64 K = raw_to_f64(read_safetensors(dir + "/expected.safetensors").at("K"), "K");
  const double units = static_cast<double>(net.hooked_units());
  const double worst = test::largest_kernel_difference(r.K, K, units);
  const double expected = json_number(c["naswot"]);
  std::printf("[ nb101    ] %s: naswot %.10f (reference %.10f), largest K difference %g of %g units%s\n", name.c_str(),
              r.score, expected, worst, units, nb101::reference_fails(cell) ? ", reference fails" : "");
  EXPECT_LE(worst, 5e-4 * units);
  EXPECT_NEAR(r.score, expected, 5e-4);
}

// epsilon's formula on NB101 (SPEC.md §5): NaN in float32 (the w = 1e-7 pass underflows to 0 through ten or
// more ConvBnRelus); in float64 the reference's value, within 1e-9 where the two passes agree to rounding
// (~1e-15), else 1e-4 relative.
TEST_P(Nb101Oracle, EpsilonMatchesReference) {
  ZCNAS_REQUIRE_SHARED("oracle/nb101/cases.json");
  ZCNAS_REQUIRE_SHARED("data/cifar10/data_batch_1_exact_first932.bin");
  const auto cases = load_cases();
  const auto& c = cases["cases"].at(static_cast<size_t>(GetParam()));
  const Network net = nb101::build_network(oracle_cell(c), {});
  const Tensor input = oracle_batch(cases, c["eps_batch"].get<int64_t>());
  CpuExecutor<float> exec32;
  EXPECT_TRUE(std::isnan(json_number(c["epsilon"])));
  EXPECT_TRUE(std::isnan(epsilon_cpu(exec32, net, input)));
  CpuExecutor<double> exec64;
  const double mine = epsilon_cpu(exec64, net, input), expected = json_number(c["epsilon_f64"]);
  std::printf("[ nb101    ] %s: epsilon float64 %.15g (reference %.15g)\n", c["name"].get<std::string>().c_str(), mine,
              expected);
  if (std::fabs(expected) < 1e-12) {
    EXPECT_LE(std::fabs(mine - expected), 1e-9);
  } else {
    EXPECT_LE(std::fabs(mine - expected), 1e-4 * std::fabs(expected));
  }
}

INSTANTIATE_TEST_SUITE_P(Public, Nb101Oracle, ::testing::Range(0, 8));

}  // namespace
}  // namespace zcnas
