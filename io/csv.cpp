// CSV fields and numbers.
#include "io/csv.hpp"

#include <charconv>

#include "core/error.hpp"

namespace zcnas {

std::vector<std::string> split_csv_line(const std::string& line, const std::string& file, int64_t line_no) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char ch = line[i];
    if (quoted) {
      if (ch == '"' && i + 1 < line.size() && line[i + 1] == '"')
        fields.back() += '"', ++i;
      else if (ch == '"')
        quoted = false;
      else
        fields.back() += ch;
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == ',') {
      fields.emplace_back();
    } else if (ch != '\r') {
      fields.back() += ch;
    }
  }
  ZCNAS_REQUIRE(!quoted, "{} line {}: unterminated quote", file, line_no);
  return fields;
}

bool CsvReader::next_line() {
  while (std::getline(in_, line_)) {
    ++line_no_;
    if (!line_.empty() && line_ != "\r") return true;
  }
  return false;
}

std::vector<std::string> CsvReader::header() {
  ZCNAS_REQUIRE(next_line(), "{} is empty", file_);
  std::vector<std::string> fields = split_csv_line(line_, file_, line_no_);
  fields_ = fields.size();
  return fields;
}

bool CsvReader::next(std::vector<std::string>& fields) {
  if (!next_line()) return false;
  fields = split_csv_line(line_, file_, line_no_);
  ZCNAS_REQUIRE(fields.size() == fields_, "{} line {}: {} fields, the header has {}", file_, line_no_, fields.size(),
                fields_);
  return true;
}

std::string csv_field(const std::string& file, int64_t line_no, size_t column, const std::string& name) {
  return fmt::format("{} line {}, column {} ({})", file, line_no, column + 1, name);
}

double parse_number(const std::string& text, const std::string& context) {
  ZCNAS_REQUIRE(!text.empty(), "{}: empty value", context);
  double v = 0;
  const char* end = text.data() + text.size();
  const auto res = std::from_chars(text.data(), end, v);
  ZCNAS_REQUIRE(res.ec == std::errc() && res.ptr == end, "{}: '{}' is not a number", context, text);
  return v;
}

}  // namespace zcnas
