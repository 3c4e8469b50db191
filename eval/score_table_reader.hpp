// Reads the score tables that zcnas writes (io/score_table.hpp): CSV with the header
// `index,arch,<score columns...>,seconds`, or JSON Lines with the same keys. Rows are identified by index,
// by arch string (mapped to its index by the table's space), or both (then they must agree). In a space without
// an index order (DARTS) the index is the writer's numbering (a record of an NDS file) and the arch is kept as
// written.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "io/score_table.hpp"
#include "spaces/space.hpp"

namespace zcnas {

struct ScoreTable {
  std::string path;
  std::vector<std::string> columns;         // score columns: every column except index, arch and seconds
  std::vector<int64_t> index;               // [row] official index in the space (or the writer's number)
  std::vector<std::string> arch;            // [row] in a space without an index order: the arch, "" if absent
  std::vector<std::vector<double>> values;  // [column][row]; -inf, nan, inf as written
  std::vector<double> seconds;              // [row], or empty when the table has no seconds column
  std::vector<int64_t> line;                // [row] line number in the file, for messages

  int64_t rows() const { return static_cast<int64_t>(index.size()); }
  // Position of a score column; throws listing the table's columns. An empty name picks the only column.
  size_t column_position(const std::string& name) const;
  // Row r as the writer takes it (io/score_table.hpp), its arch string in the space's notation.
  ScoreRow row(int64_t r, const SearchSpace& space) const;
};

// CSV, JSON Lines or NASLib's zc_<space>.json (eval/naslib_zc.hpp: its cifar10 section, or its only one), told
// apart by their first line. Throws zcnas::Error naming the
// file, line and column of a malformed value, an unknown arch, an index outside the space or a repeated arch.
ScoreTable read_score_table(const std::string& path, const SearchSpace& space);

}  // namespace zcnas
