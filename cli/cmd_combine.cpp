// `zcnas combine`: add a combined score to a score table, the mean percentile rank of chosen score columns
// (eval/combined.hpp), as one more column, so that it can be evaluated like any single score.
#include <cstdio>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "core/error.hpp"
#include "eval/combined.hpp"
#include "eval/score_table_reader.hpp"
#include "io/score_table.hpp"

namespace zcnas::cli {
namespace {

struct CombineOptions {
  std::string space = kDefaultSpace;
  std::string table;
  std::vector<std::string> columns;
  std::string out;
  std::string name;
};

int run_combine(const CombineOptions& o) {
  const auto space = make_space(o.space);
  const ScoreTable table = read_score_table(o.table, *space);
  std::string name = o.name;
  if (name.empty()) {
    name = "vote";
    for (const auto& c : o.columns) name += "_" + c;
  }
  for (const auto& c : table.columns)
    ZCNAS_REQUIRE(c != name, "score table '{}' already has a column '{}': choose another --name", o.table, name);
  std::vector<std::vector<double>> picked;
  for (size_t i = 0; i < o.columns.size(); ++i) {
    for (size_t j = 0; j < i; ++j)
      ZCNAS_REQUIRE(o.columns[i] != o.columns[j], "--columns names '{}' twice", o.columns[i]);
    picked.push_back(table.values[table.column_position(o.columns[i])]);
  }
  const std::vector<double> combined = mean_percentile_rank(picked);

  std::vector<std::string> columns = table.columns;
  columns.push_back(name);
  std::vector<ScoreRow> rows;
  for (int64_t r = 0; r < table.rows(); ++r) {
    rows.push_back(table.row(r, *space));
    rows.back().values.push_back(combined[static_cast<size_t>(r)]);
  }
  write_score_table(o.out, columns, rows);  // --out may be the input table
  std::fprintf(stderr, "zcnas: wrote '%s' with column '%s' (mean percentile rank of %zu scores)\n", o.out.c_str(),
               name.c_str(), o.columns.size());
  return 0;
}

}  // namespace

void register_combine(CLI::App& app, std::function<int()>& action) {
  auto opts = std::make_shared<CombineOptions>();
  auto* cmd = app.add_subcommand(
      "combine", "add a combined score to a score table: the mean percentile rank of chosen score columns");
  add_space_option(*cmd, opts->space);
  cmd->add_option("--scores", opts->table, "score table (CSV or JSON Lines) written by zcnas score")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--columns", opts->columns,
                  "score columns to combine, e.g. naswot,epsilon; each ranks the rows among its finite values, and "
                  "a row's combined score averages the columns where it has a finite score")
      ->required()
      ->delimiter(',');
  cmd->add_option("--out,-o", opts->out, "output table (may be the input table; .jsonl writes JSON Lines)")
      ->required();
  cmd->add_option("--name", opts->name, "name of the new column (default vote_<columns joined by _>)");
  cmd->callback([opts, &action] { action = [opts] { return run_combine(*opts); }; });
}

}  // namespace zcnas::cli
