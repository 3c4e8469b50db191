// `zcnas eval`: how good is a score? Joins a score table with the space's ground truth and reports, per score
// column and dataset, Kendall tau-b, Spearman rho, Pearson r, top-k precision and the accuracy of the
// best-scored arch; optionally a scatter plot (gnuplot) and JSON.
#include <cstdio>
#include <fstream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "core/error.hpp"
#include "eval/evaluation.hpp"
#include "eval/naslib_zc.hpp"
#include "eval/scatter_plot.hpp"
#include "eval/score_table_reader.hpp"
#include "eval/truth.hpp"

namespace zcnas::cli {
namespace {

struct EvalOptions {
  std::string space = kDefaultSpace;
  std::string scores;
  std::string truth;
  std::string dataset = "all";
  std::vector<std::string> columns;
  std::vector<std::string> leave_out;
  std::vector<double> top = {1, 5, 10};
  std::string plot;
  std::string json;
};

int run_eval(const EvalOptions& o) {
  const auto space = make_space(o.space);
  std::vector<std::string> notes;
  // NASLib's tables hold each dataset's proxies apart: --dataset picks the section.
  ScoreTable read = is_naslib_zc_file(o.scores) && o.dataset != "all"
                        ? read_naslib_zc_scores(o.scores, *space, o.dataset)
                        : read_score_table(o.scores, *space);
  const ScoreTable table = evaluated_part(*space, read, o.columns, o.leave_out, &notes);
  for (const auto& note : notes) std::fprintf(stderr, "zcnas: %s\n", note.c_str());
  const GroundTruth truth =
      is_naslib_zc_file(o.truth) ? read_naslib_zc_truth(o.truth, *space) : space->load_truth(o.truth);
  std::vector<std::string> datasets;
  if (o.dataset != "all") datasets.push_back(o.dataset);

  Evaluation evaluation = evaluate_scores(*space, table, truth, datasets, o.top);
  evaluation.truth_path = o.truth;
  std::fputs(format_evaluation(evaluation).c_str(), stdout);
  std::fflush(stdout);

  if (!o.json.empty()) {
    std::ofstream out(o.json);
    ZCNAS_REQUIRE(static_cast<bool>(out), "cannot write '{}'", o.json);
    out << evaluation_json(evaluation).dump(2) << "\n";
  }
  if (!o.plot.empty()) {
    const auto panels = evaluation_panels(table, truth, evaluation);
    plot_scatter(o.plot, panels, static_cast<int>(evaluation.columns.front().datasets.size()));
    std::fprintf(stderr, "zcnas: wrote %s (%zu panels)\n", o.plot.c_str(), panels.size());
  }
  return 0;
}

}  // namespace

void register_eval(CLI::App& app, std::function<int()>& action) {
  auto opts = std::make_shared<EvalOptions>();
  auto* cmd = app.add_subcommand("eval", "how good is a score: correlations with the space's ground truth");
  add_space_option(*cmd, opts->space);
  cmd->add_option("--scores", opts->scores,
                  "score table (CSV or JSON Lines, as `zcnas score` writes it), or NASLib's zc_<space>.json")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--truth", opts->truth,
                  "the space's ground-truth table, or a NASLib zc_<space>.json (its val_accuracy)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--dataset", opts->dataset, "one dataset of the ground truth (e.g. cifar10), or all");
  cmd->add_option("--column", opts->columns, "score column to evaluate (repeatable; default: every score column)");
  cmd->add_option("--leave-out", opts->leave_out,
                  "leave out the archs the space flags so, e.g. reference_fails on NB101 (repeatable)");
  cmd->add_option("--top", opts->top, "top-k precision at these percentages of the rows")->delimiter(',');
  cmd->add_option("--plot", opts->plot, "scatter plot of score against accuracy (.svg or .png; needs gnuplot)");
  cmd->add_option("--json", opts->json, "also write the report as JSON");
  cmd->callback([opts, &action] { action = [opts] { return run_eval(*opts); }; });
}

}  // namespace zcnas::cli
