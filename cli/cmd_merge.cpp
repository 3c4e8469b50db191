// `zcnas merge`: the tables of a sharded run (zcnas score --shard i/n, one process or job-array task each)
// into one table, rows in index order, as a single process would have written them.
#include <fmt/ranges.h>

#include <cmath>
#include <cstdio>
#include <map>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "core/error.hpp"
#include "eval/score_table_reader.hpp"
#include "io/score_table.hpp"

namespace zcnas::cli {
namespace {

struct MergeOptions {
  std::string space = kDefaultSpace;
  std::vector<std::string> tables;
  std::string out;
};

// Equal as written: the same finite value, or both NaN, or the same infinity.
bool same_score(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

int run_merge(const MergeOptions& o) {
  const auto space = make_space(o.space);
  std::vector<std::string> columns;
  struct Source {
    size_t table;
    int64_t line;
  };
  std::map<int64_t, std::pair<ScoreRow, Source>> rows;  // by index: the merged table's order
  for (size_t t = 0; t < o.tables.size(); ++t) {
    const ScoreTable table = read_score_table(o.tables[t], *space);
    if (t == 0) columns = table.columns;
    ZCNAS_REQUIRE(table.columns == columns,
                  "score table '{}' has columns {}, '{}' has {}: they are not shards of one run", o.tables[t],
                  fmt::join(table.columns, ","), o.tables[0], fmt::join(columns, ","));
    for (int64_t r = 0; r < table.rows(); ++r) {
      const auto k = static_cast<size_t>(r);
      ScoreRow row = table.row(r, *space);
      auto [it, fresh] = rows.try_emplace(row.index, row, Source{t, table.line[k]});
      if (fresh) continue;
      // A row scored by two shards (overlapping ranges, a rerun) must have the same scores in both.
      const auto& [kept, from] = it->second;
      for (size_t c = 0; c < columns.size(); ++c)
        ZCNAS_REQUIRE(same_score(kept.values[c], row.values[c]),
                      "arch {} has {} = {} in '{}' line {} but {} in '{}' line {}", row.index, columns[c],
                      format_score(kept.values[c]), o.tables[from.table], from.line, format_score(row.values[c]),
                      o.tables[t], table.line[k]);
    }
  }
  std::vector<ScoreRow> merged;
  for (auto& [index, entry] : rows) merged.push_back(std::move(entry.first));
  write_score_table(o.out, columns, merged);
  std::fprintf(stderr, "zcnas: merged %zu rows from %zu tables into '%s'\n", merged.size(), o.tables.size(),
               o.out.c_str());
  return 0;
}

}  // namespace

void register_merge(CLI::App& app, std::function<int()>& action) {
  auto opts = std::make_shared<MergeOptions>();
  auto* cmd = app.add_subcommand(
      "merge", "merge the score tables of a sharded run (zcnas score --shard i/n) into one, rows in index order");
  add_space_option(*cmd, opts->space);
  cmd->add_option("tables", opts->tables, "the shards' score tables (CSV or JSON Lines)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out,-o", opts->out, "the merged table (.jsonl writes JSON Lines; may be one of the shards)")
      ->required();
  cmd->callback([opts, &action] { action = [opts] { return run_merge(*opts); }; });
}

}  // namespace zcnas::cli
