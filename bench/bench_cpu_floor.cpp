// The CPU backend against this machine's floor, in one run. First the SGEMM rate of OpenBLAS on every core; then
// NASWOT of a fixed sample of NB201 archs, each scored in process as `zcnas score` scores it (build, init, hooked
// forward, K, log-determinant), beside its GEMM-bound floor: 2 x multiply-adds x batch / that rate. With --torch,
// the reference-style PyTorch NASWOT (bench/torch_naswot.py) times some of the same archs in the same run; with
// --zcnas, one `zcnas score` process per arch gives what a process costs beyond its arch.
// Usage: bench_cpu_floor --data FILE [--batch 128] [--archs 32] [--seed 14] [--index I ...]
//                        [--torch PYTHON] [--torch-archs 8] [--zcnas BIN] [--process-archs 4] [--json OUT]
#include <cblas.h>
#include <omp.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "api/scorer.hpp"
#include "io/input_batch.hpp"

extern "C" void openblas_set_num_threads(int num_threads);

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// The best of several square SGEMMs on every core: the rate a GEMM-bound forward could reach.
double sgemm_rate(int threads) {
  constexpr int n = 2048;
  std::vector<float> a(static_cast<size_t>(n) * n, 0.5f), b(a), c(a.size());
  openblas_set_num_threads(threads);
  double best = 1e30;
  for (int r = 0; r < 6; ++r) {  // the first warms the threads and pages
    const auto t0 = Clock::now();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
    if (r > 0) best = std::min(best, seconds_since(t0));
  }
  openblas_set_num_threads(1);  // as the CPU executor runs it: one GEMM per OpenMP thread
  return 2.0 * n * n * static_cast<double>(n) / best;
}

// A sample of distinct indices fixed by the seed (mt19937_64's output is the same on every platform).
std::vector<int64_t> sample_indices(int64_t space_size, int count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<int64_t> out;
  std::set<int64_t> seen;
  while (static_cast<int64_t>(out.size()) < std::min<int64_t>(count, space_size)) {
    const auto i = static_cast<int64_t>(rng() % static_cast<uint64_t>(space_size));
    if (seen.insert(i).second) out.push_back(i);
  }
  return out;
}

std::string join(const std::vector<int64_t>& v, const char* sep) {
  std::string s;
  for (size_t k = 0; k < v.size(); ++k) s += (k ? sep : "") + std::to_string(v[k]);
  return s;
}

// Wall seconds of a shell command; throws when it fails.
double time_command(const std::string& command) {
  const auto t0 = Clock::now();
  const int rc = std::system(command.c_str());
  const double s = seconds_since(t0);
  if (rc != 0) throw std::runtime_error("command failed (status " + std::to_string(rc) + "): " + command);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace zcnas;
  CLI::App app{"zcnas's CPU NASWOT against the GEMM-bound floor and the reference PyTorch NASWOT"};
  std::string data, torch_python, torch_script = "bench/torch_naswot.py", zcnas_bin, json_out;
  int64_t batch = 128;
  int archs = 32, torch_archs = 8, process_archs = 4;
  uint64_t seed = 14;
  std::vector<int64_t> indices;
  app.add_option("--data", data, "CIFAR-10 binary file (the first --batch images)")->required();
  app.add_option("--batch", batch, "images per forward");
  app.add_option("--archs", archs, "size of the sample of NB201 indices");
  app.add_option("--seed", seed, "seed of the sample");
  app.add_option("--index", indices, "these indices instead of a sample");
  app.add_option("--torch", torch_python, "python with torch: time bench/torch_naswot.py on the same archs");
  app.add_option("--torch-script", torch_script, "path of torch_naswot.py");
  app.add_option("--torch-archs", torch_archs, "how many of the archs (the first) PyTorch times");
  app.add_option("--zcnas", zcnas_bin, "zcnas program: time one `zcnas score` process per arch");
  app.add_option("--process-archs", process_archs, "how many of the archs (the first) get a process each");
  app.add_option("--json", json_out, "write the figures as JSON");
  CLI11_PARSE(app, argc, argv);
  try {
    const int threads = omp_get_max_threads();
    const double rate = sgemm_rate(threads);
    std::printf("SGEMM (OpenBLAS, 2048^3, %d threads): %.1f GFLOP/s\n", threads, rate / 1e9);

    ScorerSettings settings;
    settings.space = "nb201";
    settings.device = "cpu";
    Scorer scorer(settings);
    if (indices.empty()) indices = sample_indices(scorer.space().size(), archs, seed);
    BatchSource source;
    source.data = data;
    source.offset = 0;
    source.batch = batch;
    const Tensor input = load_batch(source);
    const ScoreBatches batches{&input, nullptr, nullptr};
    scorer.score({scorer.job_of_index(indices.front())}, batches);  // warm-up: buffers, threads

    std::printf("\n| index | GFLOP | seconds | floor s | time / floor |\n|---|---|---|---|---|\n");
    nlohmann::json rows = nlohmann::json::array();
    double total = 0, total_floor = 0;
    std::vector<double> own_seconds;
    for (int64_t index : indices) {
      const ArchJob job = scorer.job_of_index(index);
      const double flop =
          2.0 * static_cast<double>(scorer.space().build(job.genome, job.options).multiply_adds()) * batch;
      const auto t0 = Clock::now();
      const auto row = scorer.score({job}, batches);
      const double s = seconds_since(t0);
      const double floor = flop / rate;
      total += s;
      total_floor += floor;
      own_seconds.push_back(s);
      std::printf("| %lld | %.2f | %.4f | %.4f | %.2f |\n", static_cast<long long>(index), flop / 1e9, s, floor,
                  s / floor);
      rows.push_back({{"index", index},
                      {"gflop", flop / 1e9},
                      {"seconds", s},
                      {"floor_seconds", floor},
                      {"naswot", row.front().values.front()}});
    }
    const double n = static_cast<double>(indices.size());
    std::printf("\nmean per arch over %zu archs: %.4f s, floor %.4f s, time / floor %.2f\n", indices.size(), total / n,
                total_floor / n, total / total_floor);
    nlohmann::json report = {{"sgemm_gflops", rate / 1e9},
                             {"threads", threads},
                             {"batch", batch},
                             {"data", data},
                             {"archs", rows},
                             {"mean_seconds", total / n},
                             {"mean_floor_seconds", total_floor / n},
                             {"time_over_floor", total / total_floor}};

    if (!zcnas_bin.empty()) {
      const size_t k = std::min(indices.size(), static_cast<size_t>(std::max(0, process_archs)));
      double process = 0, own = 0;
      for (size_t i = 0; i < k; ++i) {
        process += time_command(zcnas_bin + " score --space nb201 --device cpu --index " + std::to_string(indices[i]) +
                                " --data '" + data + "' --offset 0 --batch " + std::to_string(batch) +
                                " --format jsonl >/dev/null 2>&1");
        own += own_seconds[i];
      }
      std::printf("zcnas score as a process, %zu archs: %.4f s per arch, %.4f s beyond the arch's in-process time\n", k,
                  process / static_cast<double>(k), (process - own) / static_cast<double>(k));
      report["process_seconds"] = process / static_cast<double>(k);
      report["process_fixed_seconds"] = (process - own) / static_cast<double>(k);
    }

    if (!torch_python.empty()) {
      const size_t k = std::min(indices.size(), static_cast<size_t>(std::max(1, torch_archs)));
      const std::vector<int64_t> some(indices.begin(), indices.begin() + static_cast<std::ptrdiff_t>(k));
      // Beside --json's report, or a temporary file removed once read.
      const std::string out = json_out.empty() ? (std::filesystem::temp_directory_path() /
                                                  ("bench_cpu_floor_torch." + std::to_string(getpid()) + ".json"))
                                                     .string()
                                               : json_out + ".torch.json";
      time_command(torch_python + " " + torch_script + " --index " + join(some, ",") + " --data '" + data +
                   "' --offset 0 --batch " + std::to_string(batch) + " --threads " + std::to_string(threads) +
                   " --warmup 1 --json '" + out + "' >/dev/null");
      std::ifstream f(out);
      const auto doc = nlohmann::json::parse(f);
      if (json_out.empty()) std::filesystem::remove(out);
      double torch_total = 0, own = 0;
      for (size_t i = 0; i < k; ++i) {
        torch_total += doc.at("results").at(i).at("seconds").get<double>();
        own += own_seconds[i];
      }
      std::printf("PyTorch %s NASWOT, the first %zu archs: %.4f s per arch; zcnas %.4f s: %.1fx faster\n",
                  doc.at("torch").get<std::string>().c_str(), k, torch_total / static_cast<double>(k),
                  own / static_cast<double>(k), torch_total / own);
      report["torch_seconds"] = torch_total / static_cast<double>(k);
      report["torch_archs"] = k;
      report["speedup_over_torch"] = torch_total / own;
    }
    if (!json_out.empty()) std::ofstream(json_out) << report.dump(2) << "\n";
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_cpu_floor: %s\n", e.what());
    return 1;
  }
  return 0;
}
