// `zcnas merge`: the tables of a sharded run (zcnas score --shard i/n, one process or job-array task each)
// into one table, rows in index order, as a single process would have written them.
#include <cstdio>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "eval/score_table_merge.hpp"

namespace zcnas::cli {
namespace {

struct MergeOptions {
  std::string space = kDefaultSpace;
  std::vector<std::string> tables;
  std::string out;
};

int run_merge(const MergeOptions& o) {
  const auto space = make_space(o.space);
  const MergedScoreTable merged = merge_score_tables(o.tables, *space);
  write_score_table(o.out, merged.columns, merged.rows);
  std::fprintf(stderr, "zcnas: merged %zu rows from %zu tables into '%s'\n", merged.rows.size(), o.tables.size(),
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
