// Comma-separated tables as zcnas reads them (score tables, ground truth): fields may be quoted, with "" for a
// quote inside quotes; numbers are read as format_score (io/score_table.hpp) writes them.
#pragma once
#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace zcnas {

// The fields of one line; carriage returns outside quotes are dropped. `file` names the table in messages
// (e.g. "score table 't.csv'"): throws "<file> line <line_no>: unterminated quote".
std::vector<std::string> split_csv_line(const std::string& line, const std::string& file, int64_t line_no);

// A CSV stream line by line: blank lines are skipped and lines counted, for messages.
class CsvReader {
 public:
  // `file` names the table in messages, e.g. "score table 't.csv'".
  CsvReader(std::istream& in, std::string file) : in_(in), file_(std::move(file)) {}
  // The first non-blank line's fields; throws "<file> is empty" when there is none.
  std::vector<std::string> header();
  // The next non-blank line's fields, as many as the header has (throws naming the line otherwise); false at
  // the end of the stream.
  bool next(std::vector<std::string>& fields);
  int64_t line_no() const { return line_no_; }
  const std::string& line() const { return line_; }  // the last line read, as it is
  const std::string& file() const { return file_; }

 private:
  bool next_line();

  std::istream& in_;
  std::string file_;
  std::string line_;
  int64_t line_no_ = 0;
  size_t fields_ = 0;
};

// Where a field came from, for messages: "<file> line 7, column 3 (naswot)"; `column` counts from 0.
std::string csv_field(const std::string& file, int64_t line_no, size_t column, const std::string& name);

// Runs f, prefixing the message of an Error it throws with `context` (where the value came from).
template <typename F>
auto in_context(const std::string& context, F f) {
  try {
    return f();
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", context, e.what()));
  }
}

// The whole text as a double: a decimal number, "-inf", "inf" or "nan". Throws "<context>: '<text>' is not a
// number" (or "<context>: empty value").
double parse_number(const std::string& text, const std::string& context);

}  // namespace zcnas
