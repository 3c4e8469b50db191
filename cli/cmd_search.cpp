// `zcnas search`: NASWOT's random search over NB201 with live scoring: N archs sampled with replacement,
// the best score wins, R independent runs; with the ground truth, the winners' accuracies.
#include <cmath>
#include <cstdio>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "search/random_search.hpp"
#include "search/truth.hpp"

namespace zcnas::cli {
namespace {

struct SearchOptions {
  DataOptions data;
  EngineOptions engine;
  int64_t samples = 100;
  int64_t runs = 10;
  uint64_t search_seed = 0;
  std::string truth;
};

int run_search(const SearchOptions& o) {
  std::optional<GroundTruth> truth;
  if (!o.truth.empty()) {
    truth = load_nb201_truth(o.truth);
    ZCNAS_REQUIRE(truth->size() == nb201::kNumArchs, "ground truth '{}' has {} rows, NB201 has {}", o.truth,
                  truth->size(), nb201::kNumArchs);
  }
  const Tensor input = load_input(o.data);
  auto backend = open_backend(o.engine);
  const auto net_options = network_options(o.engine);

  std::vector<int64_t> space(static_cast<size_t>(nb201::kNumArchs));
  for (int64_t i = 0; i < nb201::kNumArchs; ++i) space[static_cast<size_t>(i)] = i;
  Progress progress(o.samples * o.runs, "sampled");
  CachedFitness fitness(
      [&](const std::vector<int64_t>& indices) {
        std::vector<Network> nets;
        for (int64_t i : indices) nets.push_back(nb201::build_network(nb201::index_to_arch(i), net_options));
        std::vector<NetworkJob> jobs;
        for (const auto& n : nets) jobs.push_back({&n, nullptr, o.engine.init_seed});
        std::vector<double> scores;
        for (const auto& r : backend->naswot(jobs, input, false)) scores.push_back(r.score);
        return scores;
      },
      space);

  const auto t0 = Clock::now();
  std::vector<std::vector<double>> winner_acc(truth ? truth->datasets.size() : 0);
  std::printf("run,winner_index,winner_arch,naswot%s\n", truth ? ",cifar10,cifar100,imagenet16" : "");
  for (int64_t run = 0; run < o.runs; ++run) {
    const RandomSearchRun r = random_search(fitness, o.samples, o.search_seed, run);
    progress.advance(o.samples);
    std::printf("%lld,%lld,%s,%.10g", static_cast<long long>(run), static_cast<long long>(r.winner),
                nb201::format_arch(nb201::index_to_arch(r.winner)).c_str(), r.score);
    if (truth) {
      for (const char* d : {"cifar10", "cifar100", "imagenet16"}) {
        const double acc = truth->column(d)[static_cast<size_t>(r.winner)];
        std::printf(",%.4f", acc);
        for (size_t k = 0; k < truth->datasets.size(); ++k)
          if (truth->datasets[k] == d) winner_acc[k].push_back(acc);
      }
    }
    std::printf("\n");
    std::fflush(stdout);
  }
  progress.finish();
  const double elapsed = seconds_since(t0);
  std::fprintf(stderr, "zcnas: %lld runs of %lld samples: %lld networks scored in %.2f s (%.3f s per network)\n",
               static_cast<long long>(o.runs), static_cast<long long>(o.samples),
               static_cast<long long>(fitness.evaluations()), elapsed,
               elapsed / static_cast<double>(std::max<int64_t>(1, fitness.evaluations())));
  if (truth) {
    for (size_t k = 0; k < truth->datasets.size(); ++k) {
      const auto& v = winner_acc[k];
      double mean = 0, var = 0;
      for (double a : v) mean += a / static_cast<double>(v.size());
      for (double a : v) var += (a - mean) * (a - mean) / static_cast<double>(v.size());
      std::fprintf(stderr, "zcnas: winner %s test accuracy: %.2f +- %.2f %% (mean +- std over %zu runs)\n",
                   truth->datasets[k].c_str(), mean, std::sqrt(var), v.size());
    }
  }
  return 0;
}

}  // namespace

void register_search(CLI::App& app, std::function<int()>& action) {
  auto opts = std::make_shared<SearchOptions>();
  auto* cmd = app.add_subcommand("search", "random search with a zero-cost score (NASWOT's search)");
  add_engine_options(*cmd, opts->engine);
  add_data_options(*cmd, opts->data);
  cmd->add_option("--samples,-n", opts->samples, "archs sampled per run, with replacement")->check(CLI::PositiveNumber);
  cmd->add_option("--runs,-r", opts->runs, "independent runs")->check(CLI::PositiveNumber);
  cmd->add_option("--search-seed", opts->search_seed, "seed of the samplers");
  cmd->add_option("--truth", opts->truth, "NB201 ground-truth CSV: report the winners' accuracies")
      ->check(CLI::ExistingFile);
  cmd->callback([opts, &action] { action = [opts] { return run_search(*opts); }; });
}

}  // namespace zcnas::cli
