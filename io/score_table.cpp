// Score table writer with resume.
#include "io/score_table.hpp"

#include <sys/file.h>
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace zcnas {

TableFormat parse_table_format(const std::string& text) {
  if (text == "csv") return TableFormat::Csv;
  if (text == "jsonl") return TableFormat::Jsonl;
  throw Error(fmt::format("unknown table format '{}' (use csv or jsonl)", text));
}

std::string format_score(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, res.ptr);
}

namespace {

std::string quote_csv(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

ScoreTableWriter::ScoreTableWriter(const std::string& path, TableFormat format, std::vector<std::string> score_columns)
    : format_(format), columns_(std::move(score_columns)) {
  if (path.empty() || path == "-") {
    out_ = stdout;
    if (format_ == TableFormat::Csv) std::fputs((header() + "\n").c_str(), out_);
    return;
  }
  out_ = std::fopen(path.c_str(), "ab");
  ZCNAS_REQUIRE(out_ != nullptr, "cannot open score table '{}' for writing", path);
  owned_ = true;
  bool existing = false;
  try {
    // One writer per table: a second run on the same file would score the same archs twice.
    ZCNAS_REQUIRE(flock(fileno(out_), LOCK_EX | LOCK_NB) == 0,
                  "score table '{}' is being written by another process; wait for it or use another --out", path);
    existing = std::filesystem::file_size(path) > 0;
    if (existing) resume(path);
  } catch (...) {
    std::fclose(out_);  // the destructor does not run for a constructor that throws
    out_ = nullptr;
    throw;
  }
  if (!existing && format_ == TableFormat::Csv) {
    std::fputs((header() + "\n").c_str(), out_);
    std::fflush(out_);
  }
}

ScoreTableWriter::~ScoreTableWriter() {
  if (owned_ && out_) std::fclose(out_);
}

std::string table_header(const std::vector<std::string>& score_columns) {
  std::string h = "index,arch";
  for (const auto& c : score_columns) h += "," + c;
  return h + ",seconds";
}

std::string ScoreTableWriter::header() const { return table_header(columns_); }

namespace {

// The whole lines of an existing table: their indices, and where the last one ends (a row cut by a kill has no
// newline and is not one of them). Checks the CSV header, or that each JSON line has every score column.
struct TableScan {
  std::set<int64_t> done;
  size_t whole = 0;
  bool has_header = false;
};

TableScan scan_table(const std::string& path, const std::string& content, TableFormat format,
                     const std::vector<std::string>& columns, const std::string& header) {
  TableScan scan;
  scan.whole = content.rfind('\n') == std::string::npos ? 0 : content.rfind('\n') + 1;
  size_t pos = 0;
  int64_t line_no = 0;
  while (pos < scan.whole) {
    const size_t eol = content.find('\n', pos);
    const std::string line = content.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (line.empty()) continue;
    if (format == TableFormat::Csv) {
      if (!scan.has_header) {
        ZCNAS_REQUIRE(line == header, "score table '{}' has columns '{}', this run writes '{}': use another --out",
                      path, line, header);
        scan.has_header = true;
        continue;
      }
      int64_t index = 0;
      const auto res = std::from_chars(line.data(), line.data() + line.size(), index);
      ZCNAS_REQUIRE(res.ec == std::errc() && res.ptr != line.data() && *res.ptr == ',',
                    "score table '{}' line {}: no index in '{}'", path, line_no, line);
      scan.done.insert(index);
    } else {
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(line);
      } catch (const std::exception&) {
        throw Error(fmt::format("score table '{}' line {} is not JSON: '{}'", path, line_no, line));
      }
      for (const auto& c : columns)
        ZCNAS_REQUIRE(j.contains(c), "score table '{}' line {} has no '{}': this run writes other scores", path,
                      line_no, c);
      scan.done.insert(j.at("index").get<int64_t>());
    }
  }
  if (format == TableFormat::Csv && !scan.has_header && scan.whole > 0)
    throw Error(fmt::format("score table '{}' has no header line", path));
  return scan;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

void ScoreTableWriter::resume(const std::string& path) {
  const std::string content = read_file(path);
  TableScan scan = scan_table(path, content, format_, columns_, header());
  done_ = std::move(scan.done);
  if (scan.whole < content.size()) std::filesystem::resize_file(path, scan.whole);
  if (format_ == TableFormat::Csv && scan.whole == 0) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << header() << "\n";
  }
}

std::set<int64_t> finished_rows(const std::string& path, TableFormat format,
                                const std::vector<std::string>& score_columns) {
  if (!std::filesystem::exists(path)) return {};
  return scan_table(path, read_file(path), format, score_columns, table_header(score_columns)).done;
}

void ScoreTableWriter::write(const ScoreRow& row) {
  ZCNAS_REQUIRE(row.values.size() == columns_.size(), "score row for index {} has {} values, the table has {} columns",
                row.index, row.values.size(), columns_.size());
  std::string line;
  if (format_ == TableFormat::Csv) {
    line = fmt::format("{},{}", row.index, quote_csv(row.arch));
    for (double v : row.values) line += "," + format_score(v);
    line += fmt::format(",{:.6f}\n", row.seconds);
  } else {
    nlohmann::ordered_json j;
    j["index"] = row.index;
    j["arch"] = row.arch;
    for (size_t k = 0; k < columns_.size(); ++k) {
      const double v = row.values[k];
      if (std::isfinite(v)) j[columns_[k]] = v;
      else j[columns_[k]] = format_score(v);  // strict JSON has no inf/nan: strings, as the oracle files do
    }
    j["seconds"] = std::isfinite(row.seconds) ? nlohmann::ordered_json(std::round(row.seconds * 1e6) / 1e6)
                                              : nlohmann::ordered_json(format_score(row.seconds));
    line = j.dump() + "\n";
  }
  // One fwrite of the whole line, then flush: the OS holds every finished row even if we are killed.
  ZCNAS_REQUIRE(std::fwrite(line.data(), 1, line.size(), out_) == line.size(), "could not write a score row");
  std::fflush(out_);
  done_.insert(row.index);
}

void write_score_table(const std::string& path, TableFormat format, const std::vector<std::string>& score_columns,
                       const std::vector<ScoreRow>& rows) {
  const std::string tmp = path + ".tmp";
  std::filesystem::remove(tmp);
  {
    ScoreTableWriter writer(tmp, format, score_columns);
    for (const ScoreRow& row : rows) writer.write(row);
  }
  std::filesystem::rename(tmp, path);
}

void write_score_table(const std::string& path, const std::vector<std::string>& score_columns,
                       const std::vector<ScoreRow>& rows) {
  const bool jsonl = std::filesystem::path(path).extension() == ".jsonl";
  write_score_table(path, jsonl ? TableFormat::Jsonl : TableFormat::Csv, score_columns, rows);
}

}  // namespace zcnas
