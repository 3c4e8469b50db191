// Score table reader: CSV (quoted fields allowed) and JSON Lines.
#include "eval/score_table_reader.hpp"

#include <cctype>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/error.hpp"
#include "eval/naslib_zc.hpp"
#include "io/csv.hpp"

namespace zcnas {

ScoreRow ScoreTable::row(int64_t r, const SearchSpace& space) const {
  const auto k = static_cast<size_t>(r);
  ScoreRow out{
      index.at(k), space.enumerable() ? space.arch_of(index[k]) : arch.at(k), {}, seconds.empty() ? 0.0 : seconds[k]};
  for (const auto& column : values) out.values.push_back(column[k]);
  return out;
}

size_t ScoreTable::column_position(const std::string& name) const {
  if (name.empty() && columns.size() == 1) return 0;
  for (size_t c = 0; c < columns.size(); ++c)
    if (columns[c] == name) return c;
  std::string names;
  for (const auto& c : columns) names += (names.empty() ? "" : ", ") + c;
  if (name.empty())
    throw Error(fmt::format("score table '{}' has {} score columns ({}): name one", path, columns.size(), names));
  throw Error(fmt::format("score table '{}' has no score column '{}' (it has: {})", path, name, names));
}

namespace {

int64_t parse_index(const std::string& text, const std::string& context, const SearchSpace& space) {
  return in_context(context, [&] { return space.parse_index(text); });
}

// The arch's index; none in a space without an index order, where the arch is only checked.
std::optional<int64_t> index_of_arch(const std::string& text, const std::string& context, const SearchSpace& space) {
  return in_context(context, [&]() -> std::optional<int64_t> {
    if (space.enumerable()) return space.index_of_arch(text);
    space.parse(text);
    return std::nullopt;
  });
}

// Collects rows and checks that each arch appears once.
class TableBuilder {
 public:
  TableBuilder(std::string path, const SearchSpace& space) : space_(space) { table_.path = std::move(path); }
  ScoreTable& table() { return table_; }

  // index and/or arch (at least one); both present must name the same arch.
  void add_row(int64_t line, std::optional<int64_t> index, std::optional<int64_t> arch_index,
               const std::string& arch_text, std::vector<double> values, std::optional<double> seconds) {
    if (index && arch_index)
      ZCNAS_REQUIRE(*index == *arch_index, "score table '{}' line {}: index {} is not arch '{}' (that is index {})",
                    table_.path, line, *index, arch_text, *arch_index);
    ZCNAS_REQUIRE(index || arch_index, "score table '{}' line {}: space {} has no index order: rows need an index",
                  table_.path, line, space_.name());
    const int64_t i = index ? *index : *arch_index;
    const auto [it, inserted] = first_line_.emplace(i, line);
    ZCNAS_REQUIRE(inserted, "score table '{}' line {}: index {} already appears on line {}", table_.path, line, i,
                  it->second);
    table_.index.push_back(i);
    if (!space_.enumerable()) table_.arch.push_back(arch_text.empty() ? "" : space_.format(space_.parse(arch_text)));
    for (size_t c = 0; c < values.size(); ++c) table_.values[c].push_back(values[c]);
    if (seconds) table_.seconds.push_back(*seconds);
    table_.line.push_back(line);
  }

 private:
  const SearchSpace& space_;
  ScoreTable table_;
  std::map<int64_t, int64_t> first_line_;
};

ScoreTable read_csv(std::ifstream& in, const std::string& path, const SearchSpace& space) {
  TableBuilder builder(path, space);
  ScoreTable& t = builder.table();
  CsvReader csv(in, fmt::format("score table '{}'", path));
  const std::vector<std::string> header = csv.header();
  const int64_t line_no = csv.line_no();
  const std::string line = csv.line();
  std::optional<size_t> index_col, arch_col, seconds_col;
  std::vector<size_t> score_cols;
  for (size_t c = 0; c < header.size(); ++c) {
    const std::string& h = header[c];
    auto claim = [&](std::optional<size_t>& slot) {
      ZCNAS_REQUIRE(!slot, "score table '{}' line {}: column '{}' appears twice", path, line_no, h);
      slot = c;
    };
    if (h == "index")
      claim(index_col);
    else if (h == "arch")
      claim(arch_col);
    else if (h == "seconds")
      claim(seconds_col);
    else {
      ZCNAS_REQUIRE(!h.empty(), "score table '{}' line {}: column {} has no name", path, line_no, c + 1);
      for (const auto& name : t.columns)
        ZCNAS_REQUIRE(name != h, "score table '{}' line {}: column '{}' appears twice", path, line_no, h);
      score_cols.push_back(c);
      t.columns.push_back(h);
    }
  }
  ZCNAS_REQUIRE(index_col || arch_col, "score table '{}': the header '{}' has neither an 'index' nor an 'arch' column",
                path, line);
  ZCNAS_REQUIRE(!score_cols.empty(), "score table '{}': the header '{}' has no score column", path, line);
  t.values.resize(score_cols.size());

  std::vector<std::string> fields;
  while (csv.next(fields)) {
    auto context = [&](size_t c) { return csv_field(csv.file(), csv.line_no(), c, header[c]); };
    std::optional<int64_t> index, arch_index;
    if (index_col) index = parse_index(fields[*index_col], context(*index_col), space);
    if (arch_col) arch_index = index_of_arch(fields[*arch_col], context(*arch_col), space);
    std::vector<double> values;
    for (size_t c : score_cols) values.push_back(parse_number(fields[c], context(c)));
    std::optional<double> seconds;
    if (seconds_col) seconds = parse_number(fields[*seconds_col], context(*seconds_col));
    builder.add_row(csv.line_no(), index, arch_index, arch_col ? fields[*arch_col] : std::string(), std::move(values),
                    seconds);
  }
  return std::move(t);
}

// A JSON value as a score: a number, or the strings "-inf", "inf", "nan" that zcnas writes for non-finite ones.
double json_score(const nlohmann::ordered_json& v, const std::string& context) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) return parse_number(v.get<std::string>(), context);
  throw Error(fmt::format("{}: {} is not a number", context, v.dump()));
}

ScoreTable read_jsonl(std::ifstream& in, const std::string& path, const SearchSpace& space) {
  TableBuilder builder(path, space);
  ScoreTable& t = builder.table();
  std::string line;
  int64_t line_no = 0;
  bool has_index = false, has_arch = false, has_seconds = false, first = true;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line == "\r") continue;
    nlohmann::ordered_json row;
    try {
      row = nlohmann::ordered_json::parse(line);
    } catch (const std::exception& e) {
      throw Error(fmt::format("score table '{}' line {} is not JSON: {}", path, line_no, e.what()));
    }
    ZCNAS_REQUIRE(row.is_object(), "score table '{}' line {} is not a JSON object", path, line_no);
    if (first) {
      // The first row fixes the columns, in its key order.
      for (const auto& item : row.items()) {
        if (item.key() == "index")
          has_index = true;
        else if (item.key() == "arch")
          has_arch = true;
        else if (item.key() == "seconds")
          has_seconds = true;
        else
          t.columns.push_back(item.key());
      }
      ZCNAS_REQUIRE(has_index || has_arch, "score table '{}' line {}: a row needs an 'index' or an 'arch' key", path,
                    line_no);
      ZCNAS_REQUIRE(!t.columns.empty(), "score table '{}' line {}: the row has no score key", path, line_no);
      t.values.resize(t.columns.size());
      first = false;
    }
    auto context = [&](const std::string& key) {
      return fmt::format("score table '{}' line {}, key '{}'", path, line_no, key);
    };
    auto field = [&](const std::string& key) -> const nlohmann::ordered_json& {
      ZCNAS_REQUIRE(row.contains(key), "score table '{}' line {} has no key '{}' (the first row has it)", path, line_no,
                    key);
      return row.at(key);
    };
    std::optional<int64_t> index, arch_index;
    std::string arch_text;
    if (has_index) {
      const auto& v = field("index");
      ZCNAS_REQUIRE(v.is_number_integer(), "{}: {} is not an integer", context("index"), v.dump());
      index = parse_index(std::to_string(v.get<int64_t>()), context("index"), space);
    }
    if (has_arch) {
      const auto& v = field("arch");
      ZCNAS_REQUIRE(v.is_string(), "{}: {} is not an arch string", context("arch"), v.dump());
      arch_text = v.get<std::string>();
      arch_index = index_of_arch(arch_text, context("arch"), space);
    }
    std::vector<double> values;
    for (const auto& c : t.columns) values.push_back(json_score(field(c), context(c)));
    std::optional<double> seconds;
    if (has_seconds) seconds = json_score(field("seconds"), context("seconds"));
    const size_t expected_keys = t.columns.size() + has_index + has_arch + has_seconds;
    ZCNAS_REQUIRE(row.size() == expected_keys, "score table '{}' line {} has {} keys, the first row has {}", path,
                  line_no, row.size(), expected_keys);
    builder.add_row(line_no, index, arch_index, arch_text, std::move(values), seconds);
  }
  ZCNAS_REQUIRE(!first, "score table '{}' is empty", path);
  return std::move(t);
}

}  // namespace

ScoreTable read_score_table(const std::string& path, const SearchSpace& space) {
  std::ifstream in(path, std::ios::binary);
  ZCNAS_REQUIRE(in, "cannot open score table '{}'", path);
  char first = 0;
  while (in.get(first) && std::isspace(static_cast<unsigned char>(first))) {
  }
  in.clear();
  in.seekg(0);
  if (first != '{') return read_csv(in, path, space);
  if (is_naslib_zc_file(path)) return read_naslib_zc_scores(path, space);
  return read_jsonl(in, path, space);
}

}  // namespace zcnas
