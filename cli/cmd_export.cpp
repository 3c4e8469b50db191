// `zcnas export --naslib`: a score table as NASLib's zc_<space>.json (NAS-Bench-Suite-Zero's layout), with each
// dataset's accuracy from the ground truth, so that NASLib's zero-cost code reads zcnas's scores.
#include <cstdio>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "core/error.hpp"
#include "eval/naslib_zc.hpp"
#include "eval/score_table_reader.hpp"

namespace zcnas::cli {
namespace {

struct ExportOptions {
  std::string space = kDefaultSpace;
  std::string scores;
  std::string truth;
  std::vector<std::string> datasets;
  bool naslib = false;
  std::string out;
};

int run_export(const ExportOptions& o) {
  ZCNAS_REQUIRE(o.naslib, "zcnas export: name the format (--naslib)");
  const auto space = make_space(o.space);
  const std::string out = o.out.empty() ? naslib_zc_file_name(*space) : o.out;
  const ScoreTable table = read_score_table(o.scores, *space);
  std::optional<GroundTruth> truth;
  if (!o.truth.empty()) truth = space->load_truth(o.truth);
  std::vector<std::string> datasets = o.datasets;
  if (datasets.empty() && !truth) datasets.push_back("cifar10");
  write_naslib_zc(out, *space, table, truth ? &*truth : nullptr, datasets);
  std::fprintf(stderr, "zcnas: wrote '%s': %lld archs, %zu proxies, %s\n", out.c_str(),
               static_cast<long long>(table.rows()), table.columns.size(),
               truth ? "val_accuracy from the ground truth" : "no accuracies (no --truth)");
  return 0;
}

}  // namespace

void register_export(CLI::App& app, std::function<int()>& action) {
  auto opts = std::make_shared<ExportOptions>();
  auto* cmd =
      app.add_subcommand("export", "a score table in another tool's format (--naslib: NASLib's zc_<space>.json)");
  add_space_option(*cmd, opts->space);
  cmd->add_flag("--naslib", opts->naslib,
                "NAS-Bench-Suite-Zero's zc_<space>.json: {dataset: {arch tuple: {proxy: {score, time}, "
                "val_accuracy}}}, NASLib's names and units (naswot is nwot; params and flops in millions)")
      ->required();
  cmd->add_option("--scores", opts->scores, "score table (CSV or JSON Lines, as `zcnas score` writes it)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--truth", opts->truth, "the space's ground truth: each dataset's accuracy as val_accuracy")
      ->check(CLI::ExistingFile);
  cmd->add_option("--dataset", opts->datasets,
                  "dataset sections to write (repeatable; default: every dataset of --truth, or cifar10 without one)");
  cmd->add_option("--out,-o", opts->out, "the file to write (default zc_<NASLib's space name>.json)");
  cmd->callback([opts, &action] { action = [opts] { return run_export(*opts); }; });
}

}  // namespace zcnas::cli
