// `zcnas naslib`: NASLib's proxy values from its NB101 zero-cost table as a zcnas score table, so that `zcnas
// eval` and `zcnas combine` take them as they take zcnas's own scores, against the same ground truth. One row
// per cell: a cell in several rows of NASLib's table gets the mean of their values.
#include <cmath>
#include <cstdio>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "io/score_table.hpp"
#include "spaces/nb101/naslib_table.hpp"

namespace zcnas::cli {
namespace {

struct NaslibOptions {
  std::string table;
  std::string out;
};

int run_naslib(const NaslibOptions& o) {
  const auto space = make_space("nb101");
  const nb101::NaslibTable table = nb101::read_naslib_table(*space, o.table);
  const nb101::NaslibCells cells = nb101::naslib_cells(table);
  std::vector<std::string> columns;
  std::vector<size_t> proxies;
  for (size_t c = 0; c < table.columns.size(); ++c)
    if (table.columns[c] != nb101::kNaslibAccuracy) {
      columns.push_back(table.columns[c]);
      proxies.push_back(c);
    }
  ZCNAS_REQUIRE(!proxies.empty(), "NASLib table '{}' has no proxy column", o.table);
  std::vector<ScoreRow> rows;
  int64_t repeated = 0;
  for (size_t k = 0; k < cells.index.size(); ++k) {
    ScoreRow row;
    row.index = cells.index[k];
    row.arch = space->arch_of(row.index);
    for (size_t c : proxies) row.values.push_back(cells.values[c][k]);
    row.seconds = NAN;  // NASLib's table has no times
    rows.push_back(std::move(row));
    repeated += cells.rows[k] > 1 ? 1 : 0;
  }
  write_score_table(o.out, columns, rows);
  std::fprintf(stderr,
               "zcnas: %lld rows of '%s' are %zu cells (%lld of them in several rows, their values averaged); "
               "wrote '%s'\n",
               static_cast<long long>(table.rows()), o.table.c_str(), rows.size(), static_cast<long long>(repeated),
               o.out.c_str());
  return 0;
}

}  // namespace

void register_naslib(CLI::App& app, std::function<int()>& action) {
  auto opts = std::make_shared<NaslibOptions>();
  auto* cmd = app.add_subcommand(
      "naslib", "NASLib's NB101 proxy values as a score table (one row per cell), for zcnas eval --space nb101");
  cmd->add_option("table", opts->table,
                  "NASLib's NB101 zero-cost table (matrix_7x7_rowmajor,ops,val_accuracy, then the proxies)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out,-o", opts->out, "the score table to write (.jsonl writes JSON Lines)")->required();
  cmd->callback([opts, &action] { action = [opts] { return run_naslib(*opts); }; });
}

}  // namespace zcnas::cli
