// Merging score tables: one row per arch, rows that two tables share checked equal.
#include "eval/score_table_merge.hpp"

#include <fmt/ranges.h>

#include <cmath>
#include <map>

#include "core/error.hpp"
#include "eval/score_table_reader.hpp"

namespace zcnas {
namespace {

// Equal as written: the same finite value, or both NaN, or the same infinity.
bool same_score(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

}  // namespace

MergedScoreTable merge_score_tables(const std::vector<std::string>& paths, const SearchSpace& space) {
  MergedScoreTable merged;
  struct Source {
    size_t table;
    int64_t line;
  };
  std::map<int64_t, std::pair<ScoreRow, Source>> rows;  // by index: the merged table's order
  for (size_t t = 0; t < paths.size(); ++t) {
    const ScoreTable table = read_score_table(paths[t], space);
    if (t == 0) merged.columns = table.columns;
    ZCNAS_REQUIRE(table.columns == merged.columns,
                  "score table '{}' has columns {}, '{}' has {}: they are not shards of one run", paths[t],
                  fmt::join(table.columns, ","), paths[0], fmt::join(merged.columns, ","));
    for (int64_t r = 0; r < table.rows(); ++r) {
      const auto k = static_cast<size_t>(r);
      ScoreRow row = table.row(r, space);
      auto [it, fresh] = rows.try_emplace(row.index, row, Source{t, table.line[k]});
      if (fresh) continue;
      const auto& [kept, from] = it->second;
      for (size_t c = 0; c < merged.columns.size(); ++c)
        ZCNAS_REQUIRE(same_score(kept.values[c], row.values[c]),
                      "arch {} has {} = {} in '{}' line {} but {} in '{}' line {}", row.index, merged.columns[c],
                      format_score(kept.values[c]), paths[from.table], from.line, format_score(row.values[c]), paths[t],
                      table.line[k]);
    }
  }
  for (auto& [index, entry] : rows) {
    merged.rows.push_back(std::move(entry.first));
    merged.table.push_back(entry.second.table);
    merged.line.push_back(entry.second.line);
  }
  return merged;
}

}  // namespace zcnas
