// NASLib's zero-cost table of NB101 cells (NAS-Bench-Suite-Zero, `../shared/data/nb101/naslib_zc_subset.csv`,
// SPEC.md §5): a row per sampled cell with `matrix_7x7_rowmajor` (the unpruned 7x7 matrix, 49 digits), `ops`
// (7 labels joined by '|'), `val_accuracy` (CIFAR-10 validation accuracy after 108 epochs) and NASLib's proxy
// values. Rows may repeat a cell: many unpruned matrices prune to one cell (55 of the 500 shared rows are the
// input->output cell), and each carries its own draw of the accuracy and proxies.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "spaces/space.hpp"

namespace zcnas::nb101 {

constexpr const char* kNaslibMatrix = "matrix_7x7_rowmajor";
constexpr const char* kNaslibOps = "ops";
constexpr const char* kNaslibAccuracy = "val_accuracy";

struct NaslibTable {
  std::string path;
  std::vector<std::string> columns;         // every numeric column in file order: val_accuracy and the proxies
  std::vector<int64_t> index;               // [row] the row's (pruned) cell in the space
  std::vector<std::string> cell;            // [row] MATRIX:OPS as the row writes it
  std::vector<std::vector<double>> values;  // [column][row]
  std::vector<int64_t> line;                // [row] line number in the file, for messages

  int64_t rows() const { return static_cast<int64_t>(index.size()); }
  // Throws listing the table's columns.
  size_t column_position(const std::string& name) const;
};

// True when a CSV header is NASLib's: it has the matrix column.
bool is_naslib_header(const std::vector<std::string>& header);

// Throws naming the file, line and field of a malformed matrix, an invalid cell or a value that is not a
// number, and the file when a column is missing.
NaslibTable read_naslib_table(const SearchSpace& space, const std::string& path);

// One row per cell of the table, in index order: each value the mean of the cell's rows, exactly their value
// when they agree.
struct NaslibCells {
  std::vector<int64_t> index;               // [cell]
  std::vector<int64_t> rows;                // [cell] how many rows of the table it has
  std::vector<std::string> cell;            // [cell] MATRIX:OPS of its first row
  std::vector<std::vector<double>> values;  // [column][cell], the table's columns
};
NaslibCells naslib_cells(const NaslibTable& table);

}  // namespace zcnas::nb101
