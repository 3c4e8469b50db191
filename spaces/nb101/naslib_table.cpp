// NASLib's NB101 zero-cost table: rows looked up in the space, and their means per cell.
#include "spaces/nb101/naslib_table.hpp"

#include <fmt/ranges.h>

#include <fstream>
#include <map>
#include <optional>

#include "core/error.hpp"
#include "io/csv.hpp"

namespace zcnas::nb101 {

namespace {

std::optional<size_t> find_column(const std::vector<std::string>& header, const std::string& name) {
  for (size_t c = 0; c < header.size(); ++c)
    if (header[c] == name) return c;
  return std::nullopt;
}

}  // namespace

size_t NaslibTable::column_position(const std::string& name) const {
  const auto c = find_column(columns, name);
  ZCNAS_REQUIRE(c.has_value(), "NASLib table '{}' has no column '{}' (it has: {})", path, name,
                fmt::join(columns, ", "));
  return *c;
}

bool is_naslib_header(const std::vector<std::string>& header) { return find_column(header, kNaslibMatrix).has_value(); }

NaslibTable read_naslib_table(const SearchSpace& space, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  ZCNAS_REQUIRE(in, "cannot open NASLib table '{}'", path);
  CsvReader csv(in, fmt::format("NASLib table '{}'", path));
  const std::vector<std::string> header = csv.header();
  for (const char* name : {kNaslibMatrix, kNaslibOps, kNaslibAccuracy})
    ZCNAS_REQUIRE(find_column(header, name).has_value(), "{}: the header '{}' has no column '{}'", csv.file(),
                  csv.line(), name);
  const size_t m = *find_column(header, kNaslibMatrix), o = *find_column(header, kNaslibOps);
  NaslibTable t;
  t.path = path;
  std::vector<size_t> value_columns;
  for (size_t c = 0; c < header.size(); ++c)
    if (c != m && c != o) {
      ZCNAS_REQUIRE(find_column(header, header[c]) == c, "{}: column '{}' appears twice in the header", csv.file(),
                    header[c]);
      value_columns.push_back(c);
      t.columns.push_back(header[c]);
    }
  t.values.resize(value_columns.size());

  std::vector<std::string> fields;
  while (csv.next(fields)) {
    const std::string& matrix = fields[m];
    ZCNAS_REQUIRE(matrix.size() == 49 && matrix.find_first_not_of("01") == std::string::npos,
                  "{}: '{}' is not a 7x7 matrix (49 digits 0 or 1, row-major)",
                  csv_field(csv.file(), csv.line_no(), m, header[m]), matrix);
    const std::string cell = matrix + ":" + fields[o];
    const std::string where = fmt::format("{} line {}, columns {} and {} ({}, {})", csv.file(), csv.line_no(), m + 1,
                                          o + 1, header[m], header[o]);
    t.index.push_back(in_context(where, [&] { return space.index_of_arch(cell); }));
    t.cell.push_back(cell);
    for (size_t k = 0; k < value_columns.size(); ++k) {
      const size_t c = value_columns[k];
      t.values[k].push_back(parse_number(fields[c], csv_field(csv.file(), csv.line_no(), c, header[c])));
    }
    t.line.push_back(csv.line_no());
  }
  return t;
}

NaslibCells naslib_cells(const NaslibTable& table) {
  std::map<int64_t, std::vector<size_t>> rows_of;  // cell index -> its rows, in file order
  for (size_t r = 0; r < table.index.size(); ++r) rows_of[table.index[r]].push_back(r);
  NaslibCells cells;
  cells.values.resize(table.columns.size());
  for (const auto& [index, rows] : rows_of) {
    cells.index.push_back(index);
    cells.rows.push_back(static_cast<int64_t>(rows.size()));
    cells.cell.push_back(table.cell[rows.front()]);
    for (size_t c = 0; c < table.columns.size(); ++c) {
      // Deviations from the first row: rows that agree (the cell's params, flops) average to their value exactly.
      const double first = table.values[c][rows.front()];
      double deviation = 0.0;
      for (size_t r : rows) deviation += table.values[c][r] - first;
      cells.values[c].push_back(first + deviation / static_cast<double>(rows.size()));
    }
  }
  return cells;
}

}  // namespace zcnas::nb101
