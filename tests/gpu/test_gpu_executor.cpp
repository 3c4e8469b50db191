// The CUDA executor and backend against the CPU ones on NB201 networks: device-drawn parameters equal
// init_params bit for bit, forwards agree to a derived bound, NASWOT kernels and scores agree, and the
// oracle cases score on the GPU as the reference scored them.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "core/cuda_context.hpp"
#include "gpu_test_support.hpp"
#include "io/cifar10.hpp"
#include "io/safetensors.hpp"
#include "kernels/logdet.hpp"
#include "nn/cpu_executor.hpp"
#include "nn/cuda_executor.hpp"
#include "nn/params.hpp"
#include "scores/backend.hpp"
#include "scores/cuda_backend.hpp"
#include "spaces/nb201/nb201.hpp"
#include "test_support.hpp"

namespace zcnas {
namespace {

using test::to_device;

// Corner archs (all-none, all-skip, all-conv3x3, all-pool), the two named in SPEC.md, and seeded random ones.
std::vector<int64_t> test_archs(int random_count) {
  std::vector<int64_t> idx = {0, 6111};
  for (nb201::Op op : {nb201::Op::None, nb201::Op::Skip, nb201::Op::Conv3x3, nb201::Op::AvgPool3x3}) {
    nb201::Arch a;
    a.fill(op);
    idx.push_back(nb201::arch_to_index(a));
  }
  std::mt19937_64 rng(2024);
  for (int k = 0; k < random_count; ++k) idx.push_back(static_cast<int64_t>(rng() % nb201::kNumArchs));
  return idx;
}

Tensor cpu_forward(const Network& net, const ParamStore& params, const Tensor& input) {
  CpuExecutor<float> exec;
  return exec.forward(net, params, input);
}

// ---- device selection ---------------------------------------------------------------------------------------

TEST(CudaBackendSelection, NoDeviceIsAClearErrorNotACrash) {
  if (cuda_device_count() > 0) GTEST_SKIP() << "a CUDA device is present; this checks the machine without one";
  try {
    make_cuda_backend(0);
    FAIL() << "make_cuda_backend succeeded without a device";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--device cuda: no CUDA device is available ("), std::string::npos)
        << e.what();
  }
}

// ---- parameters ------------------------------------------------------------------------------------------------

TEST(CudaExecutor, DeviceDrawnParamsEqualInitParamsBitForBit) {
  ZCNAS_REQUIRE_GPU();
  cuda::CudaContext context(0);
  CudaExecutor exec(context);
  for (int64_t index : test_archs(2)) {
    const Network net = nb201::build_network(nb201::index_to_arch(index));
    for (uint64_t seed : {uint64_t{0}, uint64_t{12345}}) {
      exec.draw_params(net, seed);
      const ParamStore device = exec.download_params(net);
      const ParamStore host = init_params(net, seed);
      ASSERT_EQ(device.size(), host.size());
      for (const auto& [name, t] : host.tensors()) {
        const Tensor& d = device.at(name);
        ASSERT_EQ(d.shape, t.shape) << name;
        EXPECT_EQ(std::memcmp(d.data.data(), t.data.data(), t.data.size() * sizeof(float)), 0)
            << "arch " << index << " seed " << seed << " parameter " << name;
      }
    }
  }
}

// ---- forward -----------------------------------------------------------------------------------------------------

// Tolerance for logits, derived: cuDNN and the CPU GEMM sum a convolution's K <= 576 products in different
// orders, a relative difference of ~sqrt(K) u = 24 * 6e-8 = 1.4e-6 of the output's scale, which batch norm
// keeps near 1. Differences add along the longest path (<= 50 convolutions: 7e-5); ReLU and pooling are
// 1-Lipschitz, the global pool averages, and the classifier sums 64 inputs with |w| <= 1/8, so a logit moves
// by at most 64/8 * 7e-5 = 6e-4 when every error lines up. 2e-3 leaves a factor 3.
constexpr double kLogitTolerance = 2e-3;

void expect_logits_close(const Tensor& gpu, const Tensor& cpu, const std::string& what) {
  ASSERT_EQ(gpu.shape, cpu.shape) << what;
  double worst = 0.0;
  for (size_t i = 0; i < cpu.data.size(); ++i)
    worst = std::max(worst, std::fabs(static_cast<double>(gpu.data[i]) - cpu.data[i]) /
                                (1.0 + std::fabs(static_cast<double>(cpu.data[i]))));
  EXPECT_LE(worst, kLogitTolerance) << what << ": largest difference " << worst;
}

TEST(CudaExecutor, ForwardMatchesCpuExecutor) {
  ZCNAS_REQUIRE_GPU();
  cuda::CudaContext context(0);
  CudaExecutor exec(context);
  const Tensor input = synthetic_batch(16, 3);
  auto dinput = to_device(input.data);
  for (int64_t index : test_archs(4)) {
    const Network net = nb201::build_network(nb201::index_to_arch(index));
    const uint64_t seed = 100 + static_cast<uint64_t>(index);
    const ParamStore params = init_params(net, seed);
    const Tensor cpu = cpu_forward(net, params, input);

    exec.draw_params(net, seed);
    const Tensor drawn = exec.download(exec.forward(net, dinput.data(), 16));
    expect_logits_close(drawn, cpu, "arch " + std::to_string(index));

    // Uploaded parameters are the same numbers, so the same output to the bit.
    exec.upload_params(net, params);
    const Tensor uploaded = exec.download(exec.forward(net, dinput.data(), 16, true));
    EXPECT_EQ(std::memcmp(uploaded.data.data(), drawn.data.data(), drawn.data.size() * sizeof(float)), 0)
        << "arch " << index;
  }
}

TEST(CudaExecutor, RunsOnTheCallersStream) {
  ZCNAS_REQUIRE_GPU();
  cuda::CudaContext context(0);
  cuda::Stream stream = cuda::Stream::create();
  CudaExecutor exec(context, stream.get());
  EXPECT_EQ(exec.stream(), stream.get());
  nb201::NetworkOptions small;
  small.channels = 8;
  small.cells_per_stage = 1;
  const Network net = nb201::build_network(nb201::index_to_arch(6111), small);
  const Tensor input = synthetic_batch(5, 1);
  auto dinput = to_device(input.data);
  exec.draw_params(net, 9);
  expect_logits_close(exec.download(exec.forward(net, dinput.data(), 5)), cpu_forward(net, init_params(net, 9), input),
                      "small network on a borrowed stream");
}

// ---- NASWOT ------------------------------------------------------------------------------------------------------

// K counts agreeing sign bits. The CPU and GPU sum convolutions in different orders, so activations within
// rounding of zero may flip; each flip moves an entry by its tensor's multiplicity. The same bound as the
// CPU-vs-reference oracle test, whose flips have the same cause: 1e-4 of the diagonal.
void expect_kernels_close(const NaswotResult& gpu, const NaswotResult& cpu, int64_t hooked_units,
                          const std::string& what) {
  ASSERT_EQ(gpu.K.shape, cpu.K.shape) << what;
  double worst = 0.0;
  for (size_t i = 0; i < cpu.K.data.size(); ++i) worst = std::max(worst, std::fabs(gpu.K.data[i] - cpu.K.data[i]));
  EXPECT_LE(worst, 1e-4 * static_cast<double>(hooked_units)) << what << ": largest K difference " << worst;
  // Two samples with identical codes: K is exactly singular and both devices say -inf by definition.
  const int64_t n = gpu.K.shape[0];
  bool identical = false;
  for (int64_t i = 0; i < n && !identical; ++i)
    for (int64_t j = 0; j < n; ++j)
      if (i != j && gpu.K.data[static_cast<size_t>(i * n + j)] == gpu.K.data[static_cast<size_t>(i * n + i)])
        identical = true;
  if (identical) {
    EXPECT_TRUE(std::isinf(gpu.score) && gpu.score < 0) << what << ": identical codes, score " << gpu.score;
    return;
  }
  // Otherwise the score is log|det| of the GPU's own K ...
  const double own = log_abs_det_cpu(gpu.K.data.data(), n);
  if (std::isinf(own)) {
    EXPECT_TRUE(std::isinf(gpu.score) && gpu.score < 0) << what << ": " << gpu.score;
  } else {
    EXPECT_NEAR(gpu.score, own, 1e-9 * std::fabs(own)) << what;
  }
  // ... and, when no sign bit flipped, the CPU's score.
  if (worst == 0.0) {
    if (std::isinf(cpu.score)) {
      EXPECT_TRUE(std::isinf(gpu.score) && gpu.score < 0) << what << ": " << gpu.score;
    } else {
      EXPECT_NEAR(gpu.score, cpu.score, 1e-9 * std::fabs(cpu.score)) << what;
    }
  }
}

TEST(CudaBackend, NaswotMatchesCpuBackend) {
  ZCNAS_REQUIRE_GPU();
  const Tensor input = synthetic_batch(32, 5);
  std::vector<Network> nets;
  for (int64_t index : test_archs(4)) nets.push_back(nb201::build_network(nb201::index_to_arch(index)));
  std::vector<NetworkJob> jobs;
  for (size_t k = 0; k < nets.size(); ++k) jobs.push_back({&nets[k], nullptr, 1000 + k});

  const auto cpu = test::naswot_on(*make_cpu_backend(), jobs, input, true);
  const auto gpu = test::naswot_on(*make_cuda_backend(0), jobs, input, true);
  ASSERT_EQ(gpu.size(), cpu.size());
  for (size_t k = 0; k < jobs.size(); ++k) {
    EXPECT_EQ(gpu[k].hooked_tensors, cpu[k].hooked_tensors);
    EXPECT_EQ(gpu[k].hooked_units, cpu[k].hooked_units);
    expect_kernels_close(gpu[k], cpu[k], nets[k].hooked_units(), "job " + std::to_string(k));
  }
  // The all-none cell zeroes every hooked tensor: every pair agrees everywhere, K is singular.
  EXPECT_TRUE(std::isinf(gpu[2].score) && gpu[2].score < 0) << gpu[2].score;
}

// MeCo and Zen-score read tapped values and batch-norm statistics back from the device: they agree with the
// CPU's up to the convolutions' summation order (MeCo per term as the oracle test allows; Zen's log terms near
// 1e-6 relative).
TEST(CudaBackend, MecoAndZenMatchCpuBackend) {
  ZCNAS_REQUIRE_GPU();
  std::vector<Network> nets;
  for (int64_t index : test_archs(4)) nets.push_back(nb201::build_network(nb201::index_to_arch(index)));
  std::vector<NetworkJob> jobs;
  for (size_t k = 0; k < nets.size(); ++k) jobs.push_back({&nets[k], nullptr, 1000 + k, ParamScheme::Gaussian});
  const Tensor image = synthetic_batch(1, 5);
  ScoreOptions options;
  options.zen_batch = 16;
  ScoreSet set({"meco", "zen"}, options);
  const auto cpu_backend = make_cpu_backend();
  const auto gpu_backend = make_cuda_backend(0);
  const auto cpu = set.score(jobs, *cpu_backend, {&image, nullptr});
  const auto gpu = set.score(jobs, *gpu_backend, {&image, nullptr});
  for (size_t k = 0; k < jobs.size(); ++k) {
    const auto terms = static_cast<double>(nets[k].module_outputs().size());
    EXPECT_NEAR(gpu[k].values[0], cpu[k].values[0], 1e-5 * terms) << "meco, job " << k;
    if (std::isinf(cpu[k].values[1])) {
      EXPECT_EQ(gpu[k].values[1], cpu[k].values[1]) << "zen, job " << k;
    } else {
      EXPECT_NEAR(gpu[k].values[1], cpu[k].values[1], 1e-5 * std::fabs(cpu[k].values[1])) << "zen, job " << k;
    }
  }
}

// Equal kernels factorised in different batches (which lane and slot a job gets is dynamic): cuSOLVER may
// order a batch's work differently, so allow rounding, not more.
void expect_same_score(double a, double b, const std::string& what) {
  if (std::isinf(b)) {
    EXPECT_EQ(a, b) << what;
  } else {
    EXPECT_NEAR(a, b, 1e-12 * std::fabs(b)) << what;
  }
}

TEST(CudaBackend, LanesFlushesHammingMethodsAndExplicitParamsAgree) {
  ZCNAS_REQUIRE_GPU();
  nb201::NetworkOptions small;
  small.channels = 8;
  small.cells_per_stage = 1;
  const Tensor input = synthetic_batch(20, 8);
  std::vector<Network> nets;
  for (int64_t index : test_archs(10)) nets.push_back(nb201::build_network(nb201::index_to_arch(index), small));
  std::vector<ParamStore> stores;
  for (size_t k = 0; k < nets.size(); ++k) stores.push_back(init_params(nets[k], 7 * k));
  std::vector<NetworkJob> drawn, explicit_params;
  for (size_t k = 0; k < nets.size(); ++k) {
    drawn.push_back({&nets[k], nullptr, 7 * k});
    explicit_params.push_back({&nets[k], &stores[k], 0});
  }

  CudaBackendOptions options;
  options.lanes = 3;
  options.logdet_batch = 2;  // several flushes per lane
  const auto popcount = test::naswot_on(*make_cuda_backend(options), drawn, input, true);
  options.int8_hamming = true;
  const auto int8 = test::naswot_on(*make_cuda_backend(options), explicit_params, input, true);
  const auto single = test::naswot_on(*make_cuda_backend(0), {drawn[3]}, input, false);
  const auto cpu = test::naswot_on(*make_cpu_backend(), drawn, input, true);
  ASSERT_EQ(popcount.size(), nets.size());
  for (size_t k = 0; k < nets.size(); ++k) {
    // Same parameters, same forward, and two exact formulations of the same integers.
    EXPECT_EQ(popcount[k].K.data, int8[k].K.data) << "job " << k;
    expect_same_score(int8[k].score, popcount[k].score, "job " + std::to_string(k));
    expect_kernels_close(popcount[k], cpu[k], nets[k].hooked_units(), "small job " + std::to_string(k));
  }
  EXPECT_TRUE(single[0].K.data.empty());  // keep_kernel = false
  expect_same_score(single[0].score, popcount[3].score, "job 3 alone");
}

TEST(CudaBackend, Tf32ModeRunsAndKeepsTheKernelsShape) {
  ZCNAS_REQUIRE_GPU();
  CudaBackendOptions options;
  options.tf32 = true;
  options.transform_convolutions = true;
  const Network net = nb201::build_network(nb201::index_to_arch(6111));
  const Tensor input = synthetic_batch(16, 2);
  const auto r = test::naswot_on(*make_cuda_backend(options), {{&net, nullptr, 1}}, input, true);
  ASSERT_EQ(r.size(), 1u);
  for (int64_t i = 0; i < 16; ++i) EXPECT_EQ(r[0].K.data[static_cast<size_t>(i * 17)], net.hooked_units());
  EXPECT_TRUE(std::isfinite(r[0].score));
}

// ---- oracle ------------------------------------------------------------------------------------------------------

nlohmann::json load_cases() {
  std::ifstream in(test::shared_path("oracle/nb201/cases.json"));
  return nlohmann::json::parse(in);
}

double json_number(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>() == "-inf" ? -INFINITY : NAN;
  return v.get<double>();
}

class OracleOnGpu : public ::testing::TestWithParam<int> {};

TEST_P(OracleOnGpu, NaswotKernelAndScoreMatchReference) {
  ZCNAS_REQUIRE_GPU();
  ZCNAS_REQUIRE_SHARED("oracle/nb201/cases.json");
  const auto cases = load_cases();
  const auto& c = cases["cases"].at(static_cast<size_t>(GetParam()));
  const std::string dir = test::shared_path("oracle/nb201/" + c["name"].get<std::string>());
  const Network net = nb201::build_network(nb201::parse_arch(c["arch"].get<std::string>()));
  const ParamStore params = load_params(net, dir + "/weights.safetensors");
  const auto images = load_cifar10(test::shared_path("data/cifar10/" + cases["images"].get<std::string>()));
  const Tensor input =
      make_batch(images, select_by_offset(images.size(), cases["offset"].get<int64_t>(), c["batch"].get<int64_t>()),
                 Normalisation::cifar10());
  const auto r = test::naswot_on(*make_cuda_backend(0), {{&net, &params, 0}}, input, true);
  const TensorF64 K = raw_to_f64(read_safetensors(dir + "/expected.safetensors").at("K"), "K");
  ASSERT_EQ(r[0].K.shape, K.shape);
  // As tests/test_oracle.cpp: sign flips of near-zero activations, at most 1e-4 of the diagonal.
  double worst = 0.0;
  for (size_t i = 0; i < K.data.size(); ++i) worst = std::max(worst, std::fabs(r[0].K.data[i] - K.data[i]));
  EXPECT_LE(worst, 1e-4 * static_cast<double>(net.hooked_units())) << "largest K difference " << worst;
  const double expected = json_number(c["naswot"]);
  if (std::isinf(expected)) {
    EXPECT_TRUE(std::isinf(r[0].score) && r[0].score < 0) << r[0].score;
  } else {
    EXPECT_NEAR(r[0].score, expected, 1e-6 * std::fabs(expected)) << c["name"];
  }
}

INSTANTIATE_TEST_SUITE_P(Nb201, OracleOnGpu, ::testing::Range(0, 10));

}  // namespace
}  // namespace zcnas
