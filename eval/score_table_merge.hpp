// Merging the score tables of one run split across processes (zcnas score --shard i/n, the ranks of an mpirun
// job, a resumed table) into one table with one row per arch.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "io/score_table.hpp"
#include "spaces/space.hpp"

namespace zcnas {

struct MergedScoreTable {
  std::vector<std::string> columns;  // score columns, the same in every table
  std::vector<ScoreRow> rows;        // one per arch, in index order
  std::vector<size_t> table;         // [row] the first of the tables that holds it
  std::vector<int64_t> line;         // [row] its line there
};

// Throws naming the tables when their columns differ, or when an arch in two tables (overlapping shards, a
// rerun) has different scores in them (NaN equals NaN); `seconds` may differ, the first table's is kept.
MergedScoreTable merge_score_tables(const std::vector<std::string>& paths, const SearchSpace& space);

}  // namespace zcnas
