// CPU depthwise convolutions (DARTS' separable and dilated ones) at CIFAR sizes: median seconds per call of
// conv2d_cpu on all threads, and the multiply-adds per second that gives.
// Usage: bench_cpu_conv [--batch 64] [--repeat 20] [--threads 0] [--size S ...] [--json OUT]
#include <omp.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "kernels/conv.hpp"

extern "C" void openblas_set_num_threads(int num_threads);

int main(int argc, char** argv) {
  using namespace zcnas;
  CLI::App app{"CPU depthwise convolution timings"};
  int64_t batch = 64;
  int repeat = 20, threads = 0;
  std::string json_out;
  std::vector<int64_t> sizes = {32, 16, 8};
  app.add_option("--batch", batch, "images per call");
  app.add_option("--size", sizes, "input sizes to time, of 32 (16 channels), 16 (32) and 8 (64)");
  app.add_option("--repeat", repeat, "timed calls per shape (median reported)");
  app.add_option("--threads", threads, "OpenMP threads (0: every core)");
  app.add_option("--json", json_out, "write the figures as JSON");
  CLI11_PARSE(app, argc, argv);
  if (threads <= 0) threads = omp_get_max_threads();
  openblas_set_num_threads(1);  // as the CPU executor runs it

  struct Case {
    int64_t channels, size;
    int kernel, stride, dilation;
  };
  // DARTS' cells on CIFAR-10 at 16 initial channels: 16 channels at 32x32, 32 at 16x16, 64 at 8x8; the first
  // depthwise convolution of a reduction cell's edge has stride 2.
  std::vector<Case> cases;
  for (const auto& [channels, size] : {std::pair<int64_t, int64_t>{16, 32}, {32, 16}, {64, 8}})
    for (int kernel : {3, 5})
      if (std::find(sizes.begin(), sizes.end(), size) != sizes.end())
        for (int dilation : {1, 2})
          for (int stride : {1, 2}) cases.push_back({channels, size, kernel, stride, dilation});

  std::mt19937 rng(1);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  ConvScratch<float> scratch;
  nlohmann::json report = nlohmann::json::array();
  std::printf("| C | HxW | k | stride | dilation | median ms | GMAC/s |\n|---|---|---|---|---|---|---|\n");
  for (const Case& c : cases) {
    ConvShape s;
    s.batch = batch;
    s.in_channels = s.out_channels = s.groups = c.channels;
    s.height = s.width = c.size;
    s.kernel = c.kernel;
    s.stride = c.stride;
    s.dilation = c.dilation;
    s.pad = c.dilation * (c.kernel - 1) / 2;
    s.out_height = s.out_width = (c.size + 2 * s.pad - c.dilation * (c.kernel - 1) - 1) / c.stride + 1;
    std::vector<float> x(static_cast<size_t>(batch * c.channels * c.size * c.size));
    std::vector<float> w(static_cast<size_t>(s.weight_numel()));
    std::vector<float> y(static_cast<size_t>(batch * c.channels * s.out_height * s.out_width));
    for (float& v : x) v = uniform(rng);
    for (float& v : w) v = uniform(rng);
    conv2d_cpu(s, x.data(), w.data(), y.data(), threads, scratch);  // warm-up: scratch, caches
    std::vector<double> times;
    for (int r = 0; r < repeat; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      conv2d_cpu(s, x.data(), w.data(), y.data(), threads, scratch);
      times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(times.begin(), times.end());
    const double median = times[times.size() / 2];
    const double macs = static_cast<double>(y.size()) * c.kernel * c.kernel;
    std::printf("| %lld | %lldx%lld | %d | %d | %d | %.3f | %.2f |\n", static_cast<long long>(c.channels),
                static_cast<long long>(c.size), static_cast<long long>(c.size), c.kernel, c.stride, c.dilation,
                median * 1e3, macs / median / 1e9);
    report.push_back({{"channels", c.channels},
                      {"size", c.size},
                      {"kernel", c.kernel},
                      {"stride", c.stride},
                      {"dilation", c.dilation},
                      {"batch", batch},
                      {"threads", threads},
                      {"seconds", median},
                      {"gmac_per_s", macs / median / 1e9}});
  }
  if (!json_out.empty()) std::ofstream(json_out) << report.dump(2) << "\n";
  return 0;
}
