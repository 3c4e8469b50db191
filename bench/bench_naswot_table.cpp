// The NASWOT table (Mellor et al., ICML 2021) from a score table: random search with N = 10, 100, 1000
// over R runs (mean ± std of the winners' test accuracies next to the published numbers), and the
// score's Kendall tau / Spearman rho with each dataset next to the published ones. Prints markdown and
// writes JSON. A subset table is searched among its own rows, and the output says so.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/device.hpp"
#include "core/error.hpp"
#include "eval/evaluation.hpp"
#include "eval/search_summary.hpp"
#include "search/evolution.hpp"
#include "search/table_fitness.hpp"
#include "spaces/space.hpp"

namespace zcnas {
namespace {

// SPEC.md §2: Mellor et al. 2021, NB201, 500 runs. Only CIFAR-10 search results are given there.
struct PublishedSearch {
  int64_t samples;
  double cifar10_mean, cifar10_std, seconds_gtx1080ti;
};
constexpr PublishedSearch kPublishedSearch[] = {
    {10, 92.44, 1.13, 3.05}, {100, 92.81, 0.99, 30.01}, {1000, 92.96, 0.81, 306.19}};
// Kendall tau (paper Fig. 3) and Spearman rho (≈, NAS-Bench-Suite-Zero) with final test accuracy.
struct PublishedCorrelation {
  const char* dataset;
  double tau, rho;
};
constexpr PublishedCorrelation kPublishedCorrelation[] = {
    {"cifar10", 0.574, 0.77}, {"cifar100", 0.611, 0.80}, {"imagenet16", 0.549, 0.77}};

struct Options {
  std::string space = kDefaultSpace, scores, truth, column, json, device = "auto";
  std::vector<int64_t> samples = {10, 100, 1000};
  int64_t runs = 500;
  uint64_t seed = 0;
  bool evolution = false;
};

struct MethodResult {
  std::string name;
  SearchConfig config;
  double seconds = 0.0;  // the table search itself, all runs
  std::vector<AccuracySummary> accuracy;
};

std::optional<PublishedSearch> published_search(const SearchConfig& c) {
  if (c.algorithm != SearchAlgorithm::Random) return std::nullopt;
  for (const auto& p : kPublishedSearch)
    if (p.samples == c.samples) return p;
  return std::nullopt;
}

std::string mean_std(const AccuracySummary& s) { return fmt::format("{:.2f} ± {:.2f}", s.mean, s.std); }

int run(const Options& o) {
  const auto space = make_space(o.space);
  const ScoreTable table = read_score_table(o.scores, *space);
  TableFitness fitness(table, o.column);
  GroundTruth truth = space->load_truth(o.truth);
  const bool on_device = resolve_device(parse_device(o.device)) == Device::Cuda;
  const int64_t rows = table.rows();
  const bool subset = rows < space->size();

  std::vector<SearchConfig> configs;
  for (int64_t n : o.samples) {
    SearchConfig c;
    c.algorithm = SearchAlgorithm::Random;
    c.samples = n;
    c.seed = o.seed;
    configs.push_back(c);
  }
  if (o.evolution) {
    SearchConfig rea;
    rea.algorithm = SearchAlgorithm::Rea;
    rea.population = 10;
    rea.tournament = 3;
    rea.cycles = 990;  // 1000 evaluations, as N = 1000
    rea.seed = o.seed;
    configs.push_back(rea);
    SearchConfig area = rea;
    area.algorithm = SearchAlgorithm::Area;
    area.samples = 1000;
    area.cycles = 100;
    configs.push_back(area);
  }

  std::vector<MethodResult> methods;
  for (const SearchConfig& c : configs) {
    MethodResult m;
    m.config = c;
    m.name = c.algorithm == SearchAlgorithm::Random ? fmt::format("NASWOT (N={})", c.samples)
             : c.algorithm == SearchAlgorithm::Rea
                 ? fmt::format("REA on the score (P={}, S={}, {} evaluations)", c.population, c.tournament,
                               evaluations_per_run(c))
                 : fmt::format("AREA (M={}, P={}, S={}, {} cycles)", c.samples, c.population, c.tournament, c.cycles);
    const auto t0 = std::chrono::steady_clock::now();
    const auto runs = on_device ? search_device(*space, fitness, c, o.runs) : search_cpu(*space, fitness, c, o.runs);
    m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    m.accuracy = summarize_winners(runs, truth);
    methods.push_back(std::move(m));
  }
  const ColumnEvaluation agreement =
      evaluate_column(fitness.column(), table.values[table.column_position(o.column)], table.index, truth, {}, {});

  // ---- markdown ----
  std::string md =
      fmt::format("# NASWOT on {} from `{}` (column `{}`)\n\n", space->title(), o.scores, fitness.column());
  if (subset)
    md += fmt::format(
        "**Subset table: {} of {} archs.** Searches sample (and mutate) among these rows only, so the numbers "
        "are not comparable with the published full-space ones.\n\n",
        rows, space->size());
  else
    md += fmt::format("Full space: {} archs.\n\n", rows);
  md += fmt::format(
      "{} runs per method, search seed {}, searched on the {}. Accuracy: {} test accuracy (`{}`), mean ± sample "
      "std over runs. Non-finite scores: {} (ranked lowest).\n\n",
      o.runs, o.seed, on_device ? "GPU" : "CPU", space->title(), o.truth, agreement.non_finite());
  const double per_arch = fitness.mean_seconds_per_arch();
  md +=
      "| Method | CIFAR-10 | published | CIFAR-100 | ImageNet16-120 | est. live search time (s) | published (s) | "
      "table search, all runs (s) |\n|---|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const MethodResult& m : methods) {
    const auto published = published_search(m.config);
    const double live = per_arch * static_cast<double>(evaluations_per_run(m.config));
    md += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {:.4f} |\n", m.name, mean_std(m.accuracy[0]),
                      published ? fmt::format("{:.2f} ± {:.2f}", published->cifar10_mean, published->cifar10_std) : "—",
                      mean_std(m.accuracy[1]), mean_std(m.accuracy[2]),
                      std::isnan(live) ? std::string("—") : fmt::format("{:.2f}", live),
                      published ? fmt::format("{:.2f}", published->seconds_gtx1080ti) : "—", m.seconds);
  }
  md += fmt::format("| Best arch in the table | {:.2f} | | {:.2f} | {:.2f} | | | |\n\n",
                    agreement.datasets[0].best_accuracy, agreement.datasets[1].best_accuracy,
                    agreement.datasets[2].best_accuracy);
  md +=
      "Estimated live search time: evaluations per run (N for random search) × the table's mean seconds per "
      "arch, an upper bound for REA/AREA, whose repeated archs are scored once";
  md += std::isnan(per_arch) ? " (the table has no seconds column).\n"
                             : fmt::format(
                                   " ({:.3f} s, as measured when the table was scored); the published times "
                                   "are the reference's on a GTX 1080 Ti.\n",
                                   per_arch);
  if (o.evolution)
    md +=
        "REA and AREA use the score as fitness (no training); the population, tournament and mutation run as "
        "`zcnas search --algorithm rea|area`.\n";
  md +=
      "\n| Correlation with test accuracy | τ-b (all rows) | published τ | ρ (all rows) | published ρ (≈) | "
      "τ-b (finite) | ρ (finite) |\n|---|---:|---:|---:|---:|---:|---:|\n";
  for (const DatasetAgreement& a : agreement.datasets) {
    const PublishedCorrelation* p = nullptr;
    for (const auto& q : kPublishedCorrelation)
      if (a.dataset == q.dataset) p = &q;
    md += fmt::format("| {} (n = {}) | {:.3f} | {} | {:.3f} | {} | {:.3f} | {:.3f} |\n", dataset_title(a.dataset),
                      agreement.rows, a.tau_b, p ? fmt::format("{:.3f}", p->tau) : "—", a.rho,
                      p ? fmt::format("{:.2f}", p->rho) : "—", a.tau_b_finite, a.rho_finite);
  }
  md +=
      "\nPublished: Mellor et al. 2021 (search table; τ from Fig. 3) and NAS-Bench-Suite-Zero (ρ), as SPEC.md §2 "
      "gives them. Published search results exist for CIFAR-10 only there.\n";
  std::fputs(md.c_str(), stdout);

  // ---- JSON ----
  if (!o.json.empty()) {
    nlohmann::ordered_json j;
    j["scores"] = o.scores;
    j["column"] = fitness.column();
    j["rows"] = rows;
    j["subset"] = subset;
    j["non_finite"] = agreement.non_finite();
    j["runs"] = o.runs;
    j["seed"] = o.seed;
    j["device"] = on_device ? "cuda" : "cpu";
    j["seconds_per_arch"] = std::isnan(per_arch) ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(per_arch);
    j["methods"] = nlohmann::ordered_json::array();
    for (const MethodResult& m : methods) {
      nlohmann::ordered_json mj;
      mj["name"] = m.name;
      mj["search"] = config_json(m.config);
      mj["table_search_seconds"] = m.seconds;
      for (const AccuracySummary& s : m.accuracy) mj["accuracy"][s.dataset] = summary_json(s);
      if (const auto p = published_search(m.config))
        mj["published"] = {{"cifar10_mean", p->cifar10_mean},
                           {"cifar10_std", p->cifar10_std},
                           {"seconds_gtx1080ti", p->seconds_gtx1080ti}};
      j["methods"].push_back(std::move(mj));
    }
    j["correlation"] = nlohmann::ordered_json::array();
    for (const DatasetAgreement& a : agreement.datasets) {
      nlohmann::ordered_json cj = {{"dataset", a.dataset},
                                   {"kendall_tau_b", a.tau_b},
                                   {"spearman_rho", a.rho},
                                   {"finite_rows", a.finite_rows},
                                   {"kendall_tau_b_finite", a.tau_b_finite},
                                   {"spearman_rho_finite", a.rho_finite}};
      for (const auto& q : kPublishedCorrelation)
        if (a.dataset == q.dataset) cj["published"] = {{"kendall_tau", q.tau}, {"spearman_rho_approx", q.rho}};
      j["correlation"].push_back(std::move(cj));
    }
    std::ofstream out(o.json);
    ZCNAS_REQUIRE(static_cast<bool>(out), "cannot write '{}'", o.json);
    out << j.dump(2) << "\n";
  }
  return 0;
}

}  // namespace
}  // namespace zcnas

int main(int argc, char** argv) {
  CLI::App app{"The NASWOT search table from a score table and the space's ground truth"};
  zcnas::Options o;
  app.add_option("--space", o.space, "search space")->check(CLI::IsMember(zcnas::space_names()));
  app.add_option("--scores", o.scores, "score table (CSV or JSON Lines)")->required()->check(CLI::ExistingFile);
  app.add_option("--truth", o.truth, "the space's ground-truth table")->required()->check(CLI::ExistingFile);
  app.add_option("--score-column", o.column, "score column (default: the table's only one)");
  app.add_option("--samples", o.samples, "N of each random search")->delimiter(',');
  app.add_option("--runs", o.runs, "runs per method")->check(CLI::PositiveNumber);
  app.add_option("--seed", o.seed, "search seed");
  app.add_flag("--evolution", o.evolution, "add REA and AREA rows (the score as fitness)");
  app.add_option("--device", o.device, "where the searches run: auto, cpu or cuda")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  app.add_option("--json", o.json, "also write the results as JSON");
  CLI11_PARSE(app, argc, argv);
  try {
    return zcnas::run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_naswot_table: error: %s\n", e.what());
    return 1;
  }
}
