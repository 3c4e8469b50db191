// Score tables: one row per arch (index, arch, one column per score, seconds) as CSV or JSON Lines,
// written row by row so that an interrupted run keeps every finished row and can resume.
#pragma once
#include <cstdint>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

namespace zcnas {

enum class TableFormat { Csv, Jsonl };
TableFormat parse_table_format(const std::string& text);  // "csv" | "jsonl"

struct ScoreRow {
  int64_t index = -1;
  std::string arch;
  std::vector<double> values;  // one per score column
  double seconds = 0.0;        // NaN when unknown (a table made from another's values)
};

// The CSV header line: index,arch,<score columns...>,seconds.
std::string table_header(const std::vector<std::string>& score_columns);

// "-inf", "nan", "inf" for non-finite values, else the shortest text that reads back to the same double.
std::string format_score(double v);

class ScoreTableWriter {
 public:
  // path "" or "-" writes to stdout. With an existing file, its finished rows are kept (done() lists their
  // indices), a trailing partial row is cut off, and new rows are appended; the columns must match.
  ScoreTableWriter(const std::string& path, TableFormat format, std::vector<std::string> score_columns);
  ~ScoreTableWriter();
  ScoreTableWriter(const ScoreTableWriter&) = delete;
  ScoreTableWriter& operator=(const ScoreTableWriter&) = delete;

  const std::set<int64_t>& done() const { return done_; }
  // Writes one whole row and flushes it to the OS, so that a kill never loses a finished row.
  void write(const ScoreRow& row);

 private:
  void resume(const std::string& path);
  std::string header() const;

  TableFormat format_;
  std::vector<std::string> columns_;
  std::FILE* out_ = nullptr;
  bool owned_ = false;
  std::set<int64_t> done_;
};

// The indices of the finished rows of an existing table, read without writing to it (another process may be
// appending): whole lines only, as a resuming writer keeps them. Throws when its columns are not
// `score_columns`; a missing file has none.
std::set<int64_t> finished_rows(const std::string& path, TableFormat format,
                                const std::vector<std::string>& score_columns);

// A whole table at once: written beside `path` and renamed over it at the end, so that no reader sees half
// a table and `path` may be one of the tables the rows came from. JSON Lines when the name ends in .jsonl.
void write_score_table(const std::string& path, const std::vector<std::string>& score_columns,
                       const std::vector<ScoreRow>& rows);
// The same in the format given, whatever the name.
void write_score_table(const std::string& path, TableFormat format, const std::vector<std::string>& score_columns,
                       const std::vector<ScoreRow>& rows);

}  // namespace zcnas
