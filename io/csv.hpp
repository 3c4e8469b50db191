// Comma-separated tables as zcnas reads them (score tables, ground truth): fields may be quoted, with "" for a
// quote inside quotes; numbers are read as format_score (io/score_table.hpp) writes them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace zcnas {

// The fields of one line; carriage returns outside quotes are dropped. `file` names the table in messages
// (e.g. "score table 't.csv'"): throws "<file> line <line_no>: unterminated quote".
std::vector<std::string> split_csv_line(const std::string& line, const std::string& file, int64_t line_no);

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
