// `zcnas search`: NASWOT's random search, REA and AREA over a space, with live scoring (the engine) or a
// precomputed score table as fitness; R independent runs, on the GPU when there is one. With the ground
// truth it reports every run's winner and mean ± std of the winners' accuracies, and the search time. A space
// without an index order is searched over its genomes on the host, scored live, and reports arch strings only.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <optional>

#include "api/search.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "eval/score_table_reader.hpp"
#include "eval/search_summary.hpp"
#include "eval/truth.hpp"
#include "io/score_table.hpp"
#include "scores/score_set.hpp"

namespace zcnas::cli {
namespace {

struct SearchOptions {
  DataOptions data;
  EngineOptions engine;
  std::string algorithm = "random";
  std::optional<int64_t> samples;  // random: N (default 100); AREA: M (default 1000)
  int64_t population = 10;
  int64_t sample_size = 3;
  std::optional<int64_t> cycles;
  std::optional<int64_t> budget;
  int64_t runs = 10;
  uint64_t search_seed = 0;
  std::string fitness_table;
  std::string score_column;
  std::string truth;
  std::string json;
};

SearchConfig make_config(const SearchOptions& o) {
  return search_config(
      {parse_search_algorithm(o.algorithm), o.samples, o.cycles, o.budget, o.population, o.sample_size, o.search_seed});
}

// The score of a live search, refused before anything is loaded when it needs a batch of its own.
ScorerSettings live_settings(const SearchOptions& o) {
  ScorerSettings settings = engine_settings(o.engine);
  settings.scores = {o.score_column.empty() ? "naswot" : o.score_column};
  ZCNAS_REQUIRE(!ScoreSet(settings.scores).needs().constant_weight_batch,
                "--score-column '{}': live scoring gives a score the search's batch only; score the space with "
                "zcnas score and search its table with --fitness-table",
                settings.scores[0]);
  return settings;
}

// Live scoring: the Scorer on the search's batch (loaded only when the score reads one), with progress on stderr.
struct LiveScoring {
  LiveScoring(const SearchOptions& o, const SearchConfig& config)
      : scorer(live_settings(o)),
        input(scorer.needs().main_batch ? load_input(o.data) : Tensor()),
        progress(evaluations_per_run(config) * o.runs, "scored (at most)") {
    for (const auto& note : scorer.notes()) std::fprintf(stderr, "zcnas: %s\n", note.c_str());
  }

  SearchFitness fitness() {
    return {nullptr, &scorer, {scorer.needs().main_batch ? &input : nullptr, nullptr, nullptr}, [this](int64_t n) {
              progress.advance(n);
            }};
  }
  const std::string& score_name() const { return scorer.settings().scores[0]; }
  // The search JSON's "fitness".
  nlohmann::ordered_json json(int64_t networks_scored) const {
    return {{"live", device_name(scorer.device())}, {"column", score_name()}, {"networks_scored", networks_scored}};
  }

  Scorer scorer;
  Tensor input;
  Progress progress;
};

// What a search ends with: its winners, and what the report says beside them.
struct SearchReport {
  std::string score_name;
  SearchOutcome outcome;
  nlohmann::ordered_json fitness;         // the JSON's "fitness": a table's, or live scoring's
  const GroundTruth* truth = nullptr;     // with --truth: the winners' accuracies follow their scores
  std::vector<AccuracySummary> accuracy;  // of the winners, per dataset of the truth
};

// The winners as CSV on stdout, the time and the winners' accuracies on stderr, all of it as JSON to --json.
int write_report(const SearchOptions& o, const SearchConfig& config, const SearchReport& report) {
  std::string truth_columns;
  if (report.truth)
    for (const auto& d : report.truth->datasets) truth_columns += "," + d;
  const SearchOutcome& outcome = report.outcome;
  std::printf("run,%swinner_arch,%s%s\n", outcome.indexed ? "winner_index," : "", report.score_name.c_str(),
              truth_columns.c_str());
  nlohmann::ordered_json winners = nlohmann::ordered_json::array();
  for (const SearchWinner& r : outcome.winners) {
    std::printf("%lld,", static_cast<long long>(r.run));
    if (r.index) std::printf("%lld,", static_cast<long long>(*r.index));
    std::printf("%s,%s", r.arch.c_str(), format_score(r.score).c_str());
    nlohmann::ordered_json w = {{"run", r.run}};
    if (r.index) w["index"] = *r.index;
    w["arch"] = r.arch;
    w["score"] =
        std::isfinite(r.score) ? nlohmann::ordered_json(r.score) : nlohmann::ordered_json(format_score(r.score));
    if (report.truth)
      for (const auto& d : report.truth->datasets) {
        const double acc = report.truth->column(d)[static_cast<size_t>(*r.index)];
        std::printf(",%.4f", acc);
        w[d] = acc;
      }
    std::printf("\n");
    winners.push_back(std::move(w));
  }
  std::fflush(stdout);

  nlohmann::ordered_json j;
  j["search"] = config_json(config);
  j["runs"] = o.runs;
  j["device"] = device_name(outcome.device);
  j["fitness"] = report.fitness;
  j["seconds"] = outcome.seconds;
  std::fprintf(stderr, "zcnas: %lld runs in %.3f s (%.3f s per run)", static_cast<long long>(o.runs), outcome.seconds,
               outcome.seconds / static_cast<double>(o.runs));
  if (outcome.networks_scored)
    std::fprintf(stderr, ", %lld networks scored", static_cast<long long>(*outcome.networks_scored));
  std::fprintf(stderr, "\n");
  if (report.truth) {
    j["winner_accuracy"] = nlohmann::ordered_json::array();
    for (const AccuracySummary& s : report.accuracy) {
      if (s.runs == 0)
        std::fprintf(stderr, "zcnas: no winner has a %s %s in the ground truth\n", s.dataset.c_str(),
                     report.truth->measure.c_str());
      else
        std::fprintf(stderr, "zcnas: winner %s %s: %.2f +- %.2f %% (mean +- sample std over %lld runs%s)\n",
                     s.dataset.c_str(), report.truth->measure.c_str(), s.mean, s.std, static_cast<long long>(s.runs),
                     s.runs < o.runs ? fmt::format(" of {}; the other winners have none", o.runs).c_str() : "");
      j["winner_accuracy"].push_back(summary_json(s));
    }
  }
  j["winners"] = std::move(winners);
  if (!o.json.empty()) {
    std::ofstream out(o.json);
    ZCNAS_REQUIRE(static_cast<bool>(out), "cannot write '{}'", o.json);
    out << j.dump(2) << "\n";
  }
  return 0;
}

// The search of an enumerable space: over its indices, on the GPU when there is one, with live scoring or a score
// table, and the winners' accuracies when there is a ground truth.
int search_indices(const SearchOptions& o, const SearchConfig& config, const SearchSpace& space) {
  std::optional<GroundTruth> truth;
  if (!o.truth.empty()) truth = space.load_truth(o.truth);

  std::optional<TableFitness> table;
  std::optional<LiveScoring> live;
  if (!o.fitness_table.empty()) {
    table.emplace(read_score_table(o.fitness_table, space), o.score_column);
    std::fprintf(stderr, "zcnas: fitness: column '%s' of '%s' (%zu archs%s)\n", table->column().c_str(),
                 o.fitness_table.c_str(), table->domain().size(),
                 static_cast<int64_t>(table->domain().size()) < space.size()
                     ? "; the search samples and mutates among these rows only"
                     : "");
  } else {
    live.emplace(o, config);
  }

  const DeviceChoice device = parse_device(o.engine.device);
  std::fprintf(stderr, "zcnas: %s search, %lld runs of %lld evaluations, on the %s\n",
               search_algorithm_name(config.algorithm), static_cast<long long>(o.runs),
               static_cast<long long>(evaluations_per_run(config)),
               resolve_device(device) == Device::Cuda ? "GPU" : "CPU");
  SearchReport report;
  report.outcome =
      search_space(space, config, o.runs, device, table ? SearchFitness{&*table, nullptr, {}, {}} : live->fitness());
  if (table) {
    report.score_name = table->column();
    report.fitness = {{"table", o.fitness_table}, {"column", table->column()}, {"rows", table->domain().size()}};
  } else {
    live->progress.finish();
    report.score_name = live->score_name();
    report.fitness = live->json(*report.outcome.networks_scored);
  }
  if (truth) {
    report.truth = &*truth;
    report.accuracy = summarize_winners(report.outcome.runs, *truth);
  }
  return write_report(o, config, report);
}

// The search of a space without an index order: over its genomes on the host, scored live on the chosen backend.
int search_genomes_live(const SearchOptions& o, const SearchConfig& config, const SearchSpace& space) {
  ZCNAS_REQUIRE(o.fitness_table.empty(),
                "--fitness-table: score tables are keyed by index and {} has no index order; search it with live "
                "scoring (leave --fitness-table out)",
                space.title());
  ZCNAS_REQUIRE(o.truth.empty(),
                "--truth: {} has no ground truth to read (a ground truth is read by index, and the space has no "
                "index order); search it without --truth",
                space.title());
  LiveScoring live(o, config);
  std::fprintf(stderr,
               "zcnas: %s search of %s over its genomes (it has no index order), %lld runs of %lld evaluations, on "
               "the CPU; networks scored on %s\n",
               search_algorithm_name(config.algorithm), space.title().c_str(), static_cast<long long>(o.runs),
               static_cast<long long>(evaluations_per_run(config)), device_name(live.scorer.device()));
  SearchReport report;
  report.outcome = search_space(space, config, o.runs, parse_device(o.engine.device), live.fitness());
  live.progress.finish();
  report.score_name = live.score_name();
  report.fitness = live.json(*report.outcome.networks_scored);
  return write_report(o, config, report);
}

int run_search(const SearchOptions& o) {
  const SearchConfig config = make_config(o);
  const auto space = make_space(o.engine.space);
  return space->enumerable() ? search_indices(o, config, *space) : search_genomes_live(o, config, *space);
}

}  // namespace

void register_search(CLI::App& app, std::function<int()>& action) {
  auto opts = std::make_shared<SearchOptions>();
  auto* cmd = app.add_subcommand("search", "random search, REA or AREA with a zero-cost score");
  add_engine_options(*cmd, opts->engine);
  add_data_options(*cmd, opts->data);
  cmd->add_option("--algorithm", opts->algorithm, "random (NASWOT's search), rea or area")
      ->check(CLI::IsMember({"random", "rea", "area"}));
  cmd->add_option("--samples,-n", opts->samples,
                  "random: archs sampled per run, with replacement (default 100); area: the random sample M whose "
                  "best P start the population (default 1000)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--population", opts->population, "REA/AREA population P")->check(CLI::PositiveNumber);
  cmd->add_option("--sample-size", opts->sample_size, "REA/AREA tournament size S")->check(CLI::PositiveNumber);
  auto* cycles = cmd->add_option("--cycles", opts->cycles, "REA/AREA children per run (default 100)")
                     ->check(CLI::NonNegativeNumber);
  cmd->add_option("--budget", opts->budget,
                  "fitness evaluations per run, initial draws included: sets N (random) or the cycles (REA/AREA)")
      ->check(CLI::PositiveNumber)
      ->excludes(cycles);
  cmd->add_option("--runs,-r", opts->runs, "independent runs")->check(CLI::PositiveNumber);
  cmd->add_option("--search-seed", opts->search_seed, "seed of the searches' draws");
  cmd->add_option("--fitness-table", opts->fitness_table,
                  "score table to use as fitness instead of live scoring (a space with an index order)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--score-column", opts->score_column,
                  "the table's score column (default: its only one); without --fitness-table, the score computed live "
                  "(default naswot)");
  cmd->add_option("--truth", opts->truth,
                  "the space's ground-truth table: report the winners' accuracies (a space with an index order)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--json", opts->json, "write the settings, winners and summary as JSON");
  cmd->callback([opts, &action] { action = [opts] { return run_search(*opts); }; });
}

}  // namespace zcnas::cli
