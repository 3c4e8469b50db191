// The reference's own numbers: input tensor bit for bit, K and log|det K| for the public oracle cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "io/cifar10.hpp"
#include "io/safetensors.hpp"
#include "nn/cpu_executor.hpp"
#include "nn/params.hpp"
#include "oracle_cases.hpp"
#include "scores/naswot.hpp"
#include "spaces/nb201/nb201.hpp"
#include "test_support.hpp"

namespace zcnas {
namespace {

const char* kOracle = "oracle/nb201";

nlohmann::json load_cases() { return test::load_oracle_cases("nb201"); }
using test::json_number;
using test::oracle_batch;

TEST(Oracle, InputBatchIsBitIdentical) {
  ZCNAS_REQUIRE_SHARED("oracle/nb201/input.safetensors");
  test::expect_input_is_oracle_batch("nb201");
}

class OracleCase : public ::testing::TestWithParam<int> {};

TEST_P(OracleCase, NaswotKernelAndScoreMatchReference) {
  ZCNAS_REQUIRE_SHARED("oracle/nb201/cases.json");
  const auto cases = load_cases();
  const auto& c = cases["cases"].at(static_cast<size_t>(GetParam()));
  const std::string dir = test::shared_path(std::string(kOracle) + "/" + c["name"].get<std::string>());
  const auto arch = nb201::parse_arch(c["arch"].get<std::string>());
  ASSERT_EQ(nb201::arch_to_index(arch), c["index"].get<int64_t>());
  const Network net = nb201::build_network(arch);
  EXPECT_EQ(net.hooked_tensors(), c["relu_count"].get<int64_t>());
  EXPECT_EQ(net.hooked_units(), c["relu_units"].get<int64_t>());

  const ParamStore params = load_params(net, dir + "/weights.safetensors");
  const Tensor input = oracle_batch(cases, c["batch"].get<int64_t>());
  CpuExecutor<float> exec;
  const NaswotResult r = naswot_cpu(exec, net, params, input);
  const TensorF64 K = raw_to_f64(read_safetensors(dir + "/expected.safetensors").at("K"), "K");
  ASSERT_EQ(r.K.shape, K.shape);

  // K counts agreeing sign bits. Summation order differs from PyTorch's, so activations within rounding of
  // zero may flip; each flip moves an entry by at most the tensor's multiplicity. Measured on the public cases: at most
  // 2e-5 of the diagonal; allow 1e-4.
  const double diag = static_cast<double>(net.hooked_units());
  double worst = 0.0;
  for (size_t i = 0; i < K.data.size(); ++i) worst = std::max(worst, std::fabs(r.K.data[i] - K.data[i]));
  EXPECT_LE(worst, 1e-4 * diag) << "largest K difference " << worst << " of diagonal " << diag;

  const double expected = json_number(c["naswot"]);
  if (std::isinf(expected)) {
    EXPECT_TRUE(std::isinf(r.score) && r.score < 0) << "score " << r.score;
  } else {
    EXPECT_NEAR(r.score, expected, 1e-6 * std::fabs(expected)) << c["name"];
  }
}

INSTANTIATE_TEST_SUITE_P(Nb201, OracleCase, ::testing::Range(0, 10));

// The float32 forward (the Winograd and direct AVX2 convolutions of kernels/conv_cpu.cpp) against the float64 one
// (im2col and DGEMM), whose signs are the reference's: only activations within rounding of zero may flip. Measured on
// the case with the most convolutions: 138 of 60.3 M hooked sign bits (2.3e-6; 184 when its 3x3 convolutions were
// direct sums, 177 when all were im2col + SGEMM); allow 1e-5.
TEST(Oracle, Float32SignsFlipOnlyNearZero) {
  ZCNAS_REQUIRE_SHARED("oracle/nb201/cases.json");
  const auto cases = load_cases();
  const std::string name = "nb201_01462";
  const auto it = std::find_if(cases["cases"].begin(), cases["cases"].end(),
                               [&](const nlohmann::json& c) { return c["name"] == name; });
  ASSERT_NE(it, cases["cases"].end());
  const Network net = nb201::build_network(nb201::parse_arch((*it)["arch"].get<std::string>()));
  const ParamStore params =
      load_params(net, test::shared_path(std::string(kOracle) + "/" + name + "/weights.safetensors"));
  const Tensor input = oracle_batch(cases, (*it)["batch"].get<int64_t>());
  CpuExecutor<float> single;
  CpuExecutor<double> exact;
  const HookedSignBits a = single.forward_sign_bits(net, params, input);
  const HookedSignBits b = exact.forward_sign_bits(net, params, input);
  ASSERT_EQ(a.groups.size(), b.groups.size());
  int64_t flipped = 0, bits = 0;
  for (size_t g = 0; g < a.groups.size(); ++g) {
    ASSERT_EQ(a.groups[g].words, b.groups[g].words);
    for (int64_t w = 0; w < a.batch * a.groups[g].words; ++w)
      flipped += __builtin_popcountll(a.groups[g].bits[w] ^ b.groups[g].bits[w]);
    bits += a.batch * a.groups[g].units;
  }
  std::printf("%s: %lld of %lld sign bits differ between float32 and float64\n", name.c_str(),
              static_cast<long long>(flipped), static_cast<long long>(bits));
  EXPECT_LE(static_cast<double>(flipped), 1e-5 * static_cast<double>(bits));
}

}  // namespace
}  // namespace zcnas
