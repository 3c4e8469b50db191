// NASWOT throughput through the Backend interface (CPU or CUDA): archs/s over a set of archs of a space, the
// achieved FLOP/s and convolution-operand bytes/s, and the device memory it took. Builds and runs in CPU-only
// builds too. Networks are built in chunks outside the timed region (reported separately); each chunk is
// scored by one Backend::naswot call, which returns only when its scores are on the host, so a steady clock
// around it times the device work.
//
//   bench_throughput --device cuda --all --batch 128 --repeat 3 --json out.json
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>

#include "core/error.hpp"
#include "io/cifar10.hpp"
#include "scores/backend.hpp"
#include "scores/score_set.hpp"
#include "spaces/space.hpp"
#ifdef ZCNAS_WITH_CUDA
#include <cuda_runtime_api.h>

#include "scores/cuda_backend.hpp"
#endif

namespace {

using namespace zcnas;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Bytes an executor that does not fuse convolutions must move for them: each reads its input and writes
// its output once, float32. A floor for the activation traffic, not a measurement.
int64_t conv_operand_bytes(const Network& net, int64_t batch) {
  int64_t floats = 0;
  for (const auto& n : net.nodes())
    if (n.op == OpKind::Conv) floats += batch * (net.units(n.inputs[0]) + n.channels * n.height * n.width);
  return 4 * floats;
}

size_t device_free_bytes() {
#ifdef ZCNAS_WITH_CUDA
  size_t free = 0, total = 0;
  if (cuda_device_count() > 0 && cudaMemGetInfo(&free, &total) == cudaSuccess) return free;
  cudaGetLastError();
#endif
  return 0;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n == 0 ? 0.0 : n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"NASWOT throughput of a backend on a space's networks"};
  std::string space_name = kDefaultSpace, device = "auto", json_path;
  int64_t archs = 1000, batch = 128, warmup = 64, chunk = 1024;
  int repeat = 3;
  bool all = false;
  uint64_t seed = 1;
  double peak_tflops = 0.0, peak_gbs = 0.0;
  app.add_option("--space", space_name, "search space")->check(CLI::IsMember(space_names()));
  app.add_option("--device", device, "auto | cpu | cuda")->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  app.add_option("--archs", archs, "number of random archs (distinct indices)")->check(CLI::PositiveNumber);
  app.add_flag("--all", all, "every arch of the space");
  app.add_option("--batch", batch, "images per batch")->check(CLI::PositiveNumber);
  app.add_option("--warmup", warmup, "archs scored before timing (algorithm search, allocations)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--repeat", repeat, "timed passes over the archs; the median is reported")->check(CLI::PositiveNumber);
  app.add_option("--chunk", chunk, "archs per Backend::naswot call")->check(CLI::PositiveNumber);
  app.add_option("--seed", seed, "arch choice, input batch and parameter seeds");
  app.add_option("--json", json_path, "write the results here");
  app.add_option("--peak-tflops", peak_tflops, "the device's FP32 peak, to report the fraction reached");
  app.add_option("--peak-gbs", peak_gbs, "the device's memory bandwidth in GB/s, likewise");
#ifdef ZCNAS_WITH_CUDA
  CudaBackendOptions cuda_options;
  app.add_option("--lanes", cuda_options.lanes, "CUDA: networks in flight")->check(CLI::PositiveNumber);
  app.add_option("--logdet-batch", cuda_options.logdet_batch, "CUDA: kernels per batched log-determinant")
      ->check(CLI::PositiveNumber);
  app.add_flag("--tf32", cuda_options.tf32, "CUDA: TF32 convolutions (scores move)");
  app.add_flag("--transform-conv", cuda_options.transform_convolutions, "CUDA: allow Winograd/FFT convolutions");
  app.add_flag("--int8-hamming", cuda_options.int8_hamming, "CUDA: tensor-core Hamming kernel");
#endif
  CLI11_PARSE(app, argc, argv);

  try {
    const auto space = make_space(space_name);
    std::vector<int64_t> indices = space->all_indices();
    if (!all) {
      ZCNAS_REQUIRE(archs <= space->size(), "--archs {}: space {} has {} archs", archs, space->name(), space->size());
      std::mt19937_64 rng(seed);
      std::shuffle(indices.begin(), indices.end(), rng);
      indices.resize(static_cast<size_t>(archs));
    }
    const Tensor input = synthetic_batch(batch, seed);

    const size_t free_before = device_free_bytes();
    std::string note;
    const Device where = resolve_device(parse_device(device), &note);
    if (!note.empty()) std::cerr << note << "\n";
    std::unique_ptr<Backend> backend;
#ifdef ZCNAS_WITH_CUDA
    if (where == Device::Cuda) backend = make_cuda_backend(cuda_options);
#else
    (void)where;  // resolve_device has already refused --device cuda without the CUDA backend
#endif
    if (!backend) backend = make_cpu_backend();
    std::cout << "backend: " << backend->name() << "\n";

    auto jobs_for = [&](const std::vector<Network>& nets, size_t first) {
      std::vector<NetworkJob> jobs;
      for (size_t k = 0; k < nets.size(); ++k) jobs.push_back({&nets[k], nullptr, seed + first + k});
      return jobs;
    };

    ScoreSet naswot({"naswot"});
    // Warm up: cuDNN algorithm search, arenas, handles.
    {
      std::vector<Network> nets;
      const size_t n = std::min(indices.size(), static_cast<size_t>(warmup));
      for (size_t k = 0; k < n; ++k) nets.push_back(space->build(space->genome_of(indices[k])));
      if (!nets.empty()) naswot.score(jobs_for(nets, 0), *backend, {&input, nullptr});
    }

    std::vector<double> score_seconds, build_seconds;
    double flop = 0.0, bytes = 0.0, checksum = 0.0;
    int64_t minus_inf = 0;
    for (int r = 0; r < repeat; ++r) {
      double scoring = 0.0, building = 0.0;
      for (size_t first = 0; first < indices.size(); first += static_cast<size_t>(chunk)) {
        const size_t last = std::min(indices.size(), first + static_cast<size_t>(chunk));
        auto t0 = Clock::now();
        std::vector<Network> nets;
        nets.reserve(last - first);
        for (size_t k = first; k < last; ++k) nets.push_back(space->build(space->genome_of(indices[k])));
        building += seconds_since(t0);
        const auto jobs = jobs_for(nets, first);
        t0 = Clock::now();
        const auto results = naswot.score(jobs, *backend, {&input, nullptr});
        scoring += seconds_since(t0);
        if (r == 0) {
          for (size_t k = 0; k < nets.size(); ++k) {
            flop += 2.0 * static_cast<double>(nets[k].multiply_adds()) * static_cast<double>(batch);
            bytes += static_cast<double>(conv_operand_bytes(nets[k], batch));
            if (std::isinf(results[k].values[0]))
              ++minus_inf;
            else
              checksum += results[k].values[0];
          }
        }
      }
      score_seconds.push_back(scoring);
      build_seconds.push_back(building);
      std::cout << "pass " << r + 1 << ": " << indices.size() << " archs in " << scoring << " s ("
                << static_cast<double>(indices.size()) / scoring << " archs/s), network construction " << building
                << " s\n";
    }
    const size_t free_after = device_free_bytes();

    const double t = median(score_seconds), n = static_cast<double>(indices.size());
    const double device_memory = free_before > free_after ? static_cast<double>(free_before - free_after) : 0.0;
    std::cout << "median: " << n / t << " archs/s, " << flop / t * 1e-12 << " TFLOP/s";
    if (peak_tflops > 0) std::cout << " (" << 100.0 * flop / t * 1e-12 / peak_tflops << "% of " << peak_tflops << ")";
    std::cout << ", " << bytes / t * 1e-9 << " GB/s of convolution operands";
    if (peak_gbs > 0) std::cout << " (" << 100.0 * bytes / t * 1e-9 / peak_gbs << "% of " << peak_gbs << ")";
    std::cout << ", device memory " << device_memory / (1 << 20) << " MiB, " << minus_inf << " scores -inf\n";

    if (!json_path.empty()) {
      nlohmann::json j;
      j["backend"] = backend->name();
      j["archs"] = indices.size();
      j["batch"] = batch;
      j["warmup"] = warmup;
      j["repeat"] = repeat;
      j["chunk"] = chunk;
      j["seed"] = seed;
      j["score_seconds"] = score_seconds;
      j["build_seconds"] = build_seconds;
      j["median_seconds"] = t;
      j["archs_per_s"] = n / t;
      j["archs_per_s_with_construction"] = n / (t + median(build_seconds));
      j["flop"] = flop;
      j["flop_per_s"] = flop / t;
      j["conv_operand_bytes"] = bytes;
      j["bytes_per_s"] = bytes / t;
      j["peak_tflops"] = peak_tflops;
      j["peak_gbs"] = peak_gbs;
      j["device_memory_bytes"] = device_memory;
      j["finite_score_sum"] = checksum;
      j["minus_inf_scores"] = minus_inf;
#ifdef ZCNAS_WITH_CUDA
      if (backend->name().rfind("cuda", 0) == 0)
        j["cuda"] = {{"lanes", cuda_options.lanes},
                     {"logdet_batch", cuda_options.logdet_batch},
                     {"tf32", cuda_options.tf32},
                     {"transform_convolutions", cuda_options.transform_convolutions},
                     {"int8_hamming", cuda_options.int8_hamming}};
#endif
      std::ofstream(json_path) << j.dump(2) << "\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
