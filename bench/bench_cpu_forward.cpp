// CPU forward-pass profile: seconds per arch of a space for NASWOT at batch B, split by op kind and hook work.
// Usage: bench_cpu_forward [--data FILE] [--batch 128] [--index I ...] [--repeat 3] [--json OUT]
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "io/cifar10.hpp"
#include "nn/params.hpp"
#include "scores/naswot.hpp"
#include "spaces/space.hpp"

int main(int argc, char** argv) {
  using namespace zcnas;
  CLI::App app{"CPU forward profile for NASWOT"};
  std::string space_name = kDefaultSpace, data, json_out;
  int64_t batch = 128;
  int repeat = 3;
  std::vector<int64_t> indices = {0, 6111, 1462, 7581, 1951, 5234, 8233, 12347};
  app.add_option("--space", space_name, "search space")->check(CLI::IsMember(space_names()));
  app.add_option("--data", data, "CIFAR-10 binary file (default: synthetic batch)");
  app.add_option("--batch", batch, "batch size");
  app.add_option("--index", indices, "official indices in the space");
  app.add_option("--repeat", repeat, "timed repetitions per arch (median reported)");
  app.add_option("--json", json_out, "write the figures as JSON");
  CLI11_PARSE(app, argc, argv);
  try {
    Tensor input = data.empty() ? synthetic_batch(batch, 0) : [&] {
      auto images = load_cifar10(data);
      return make_batch(images, select_by_offset(images.size(), 0, batch), Normalisation::cifar10());
    }();
    const auto space = make_space(space_name);
    CpuExecutor<float> exec;
    nlohmann::json report = nlohmann::json::array();
    double total = 0;
    std::printf("| index | GMAC/sample | hooks | median s | GFLOP/s |\n|---|---|---|---|---|\n");
    for (int64_t index : indices) {
      const Network net = space->build(space->genome_of(index));
      const ParamStore params = init_params(net, 0);
      naswot_cpu(exec, net, params, input);  // warm-up: buffers, BLAS
      std::vector<double> times;
      for (int r = 0; r < repeat; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        naswot_cpu(exec, net, params, input);
        times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      }
      std::sort(times.begin(), times.end());
      const double median = times[times.size() / 2];
      const double gflop = 2.0 * static_cast<double>(net.multiply_adds()) * static_cast<double>(batch) / 1e9;
      total += median;
      std::printf("| %lld | %.3f | %lld | %.3f | %.1f |\n", static_cast<long long>(index),
                  static_cast<double>(net.multiply_adds()) / 1e9, static_cast<long long>(net.hooked_tensors()), median,
                  gflop / median);
      report.push_back({{"index", index}, {"seconds", median}, {"gflop", gflop}});
    }
    std::printf("mean %.3f s per arch over %zu archs\n\nseconds by step kind (all runs):\n", total / indices.size(),
                indices.size());
    for (size_t k = 0; k < exec.step_seconds().size(); ++k)
      if (exec.step_seconds()[k] > 0)
        std::printf("  %-56s %.3f\n", step_name(static_cast<StepKind>(k)), exec.step_seconds()[k]);
    if (!json_out.empty()) std::ofstream(json_out) << report.dump(2) << "\n";
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_cpu_forward: %s\n", e.what());
    return 1;
  }
  return 0;
}
