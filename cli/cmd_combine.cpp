// `zcnas combine`: add a combined score to a score table: the mean rank of chosen score columns
// (scores/combined.hpp), written as one more column so that it can be evaluated like any single score.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "io/score_table.hpp"
#include "scores/combined.hpp"

namespace zcnas::cli {
namespace {

struct CombineOptions {
  std::string table;
  std::string columns;
  std::string out;
  std::string name;
};

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    items.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return items;
}

// One CSV line into fields; double quotes group a field and "" is a literal quote.
std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

std::string quote_csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

// A score as the table writes it: a number, or "nan", "inf", "-inf".
double parse_score_text(const std::string& text, const std::string& where) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  ZCNAS_REQUIRE(!text.empty() && end == text.c_str() + text.size(), "{}: '{}' is not a score", where, text);
  return v;
}

double parse_score_json(const nlohmann::json& v, const std::string& where) {
  if (v.is_number()) return v.get<double>();
  ZCNAS_REQUIRE(v.is_string(), "{}: {} is not a score", where, v.dump());
  return parse_score_text(v.get<std::string>(), where);
}

// The table's whole lines; a last line without a newline (a row cut by a kill) is left out, with a note.
std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  ZCNAS_REQUIRE(in.good(), "cannot read score table '{}'", path);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t keep = content.rfind('\n') == std::string::npos ? 0 : content.rfind('\n') + 1;
  if (keep < content.size())
    std::fprintf(stderr, "zcnas: '%s' ends in an unfinished row; it is left out\n", path.c_str());
  std::vector<std::string> lines;
  for (size_t pos = 0; pos < keep;) {
    const size_t eol = content.find('\n', pos);
    std::string line = content.substr(pos, eol - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    pos = eol + 1;
  }
  return lines;
}

// Writes `text` to `path` through a temporary file, so that --out may be the input table.
void replace_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    ZCNAS_REQUIRE(out.good(), "cannot write '{}'", tmp);
    out << text;
    ZCNAS_REQUIRE(out.good(), "could not write all of '{}'", tmp);
  }
  std::filesystem::rename(tmp, path);
}

std::string combine_csv(const std::string& path, const std::vector<std::string>& lines,
                        const std::vector<std::string>& columns, const std::string& name) {
  size_t first = 0;
  while (first < lines.size() && lines[first].empty()) ++first;
  ZCNAS_REQUIRE(first < lines.size(), "score table '{}' is empty", path);
  const std::vector<std::string> header = split_csv_line(lines[first]);
  ZCNAS_REQUIRE(std::find(header.begin(), header.end(), name) == header.end(),
                "score table '{}' already has a column '{}': choose another --name", path, name);
  std::vector<size_t> picked;
  for (const auto& c : columns) {
    const auto it = std::find(header.begin(), header.end(), c);
    ZCNAS_REQUIRE(it != header.end(), "score table '{}' has no column '{}' (its columns: {})", path, c, lines[first]);
    picked.push_back(static_cast<size_t>(it - header.begin()));
  }
  // The new column goes before `seconds`, where the table writer keeps its score columns.
  const auto seconds = std::find(header.begin(), header.end(), "seconds");
  const size_t insert_at = static_cast<size_t>(seconds - header.begin());

  std::vector<std::vector<std::string>> rows;
  std::vector<std::vector<double>> values(columns.size());
  for (size_t l = first + 1; l < lines.size(); ++l) {
    if (lines[l].empty()) continue;
    rows.push_back(split_csv_line(lines[l]));
    ZCNAS_REQUIRE(rows.back().size() == header.size(), "score table '{}' line {} has {} fields, the header {}", path,
                  l + 1, rows.back().size(), header.size());
    for (size_t k = 0; k < picked.size(); ++k)
      values[k].push_back(parse_score_text(
          rows.back()[picked[k]], fmt::format("score table '{}' line {} column '{}'", path, l + 1, columns[k])));
  }
  const std::vector<double> combined = mean_rank(values);

  const auto join = [&](std::vector<std::string> fields, const std::string& extra) {
    fields.insert(fields.begin() + static_cast<std::ptrdiff_t>(insert_at), extra);
    std::string line;
    for (size_t f = 0; f < fields.size(); ++f) line += (f ? "," : "") + quote_csv_field(fields[f]);
    return line + "\n";
  };
  std::string text = join(header, name);
  for (size_t r = 0; r < rows.size(); ++r) text += join(rows[r], format_score(combined[r]));
  return text;
}

std::string combine_jsonl(const std::string& path, const std::vector<std::string>& lines,
                          const std::vector<std::string>& columns, const std::string& name) {
  std::vector<nlohmann::ordered_json> rows;
  std::vector<std::vector<double>> values(columns.size());
  for (size_t l = 0; l < lines.size(); ++l) {
    if (lines[l].empty()) continue;
    try {
      rows.push_back(nlohmann::ordered_json::parse(lines[l]));
    } catch (const std::exception&) {
      throw Error(fmt::format("score table '{}' line {} is not JSON: '{}'", path, l + 1, lines[l]));
    }
    ZCNAS_REQUIRE(rows.back().is_object(), "score table '{}' line {} is not a JSON object", path, l + 1);
    ZCNAS_REQUIRE(!rows.back().contains(name), "score table '{}' line {} already has '{}': choose another --name", path,
                  l + 1, name);
    for (size_t k = 0; k < columns.size(); ++k) {
      const std::string where = fmt::format("score table '{}' line {} key '{}'", path, l + 1, columns[k]);
      ZCNAS_REQUIRE(rows.back().contains(columns[k]), "{}: missing", where);
      values[k].push_back(parse_score_json(rows.back()[columns[k]], where));
    }
  }
  ZCNAS_REQUIRE(!rows.empty(), "score table '{}' is empty", path);
  const std::vector<double> combined = mean_rank(values);
  std::string text;
  for (size_t r = 0; r < rows.size(); ++r) {
    const double v = combined[r];
    const nlohmann::ordered_json value =
        std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(format_score(v));
    nlohmann::ordered_json out;
    bool placed = false;
    for (const auto& [key, item] : rows[r].items()) {
      if (key == "seconds" && !placed) {
        out[name] = value;
        placed = true;
      }
      out[key] = item;
    }
    if (!placed) out[name] = value;
    text += out.dump() + "\n";
  }
  return text;
}

int run_combine(const CombineOptions& o) {
  const std::vector<std::string> columns = split_list(o.columns);
  for (const auto& c : columns) ZCNAS_REQUIRE(!c.empty(), "--columns '{}' has an empty name", o.columns);
  for (size_t i = 0; i < columns.size(); ++i)
    for (size_t j = i + 1; j < columns.size(); ++j)
      ZCNAS_REQUIRE(columns[i] != columns[j], "--columns '{}' names '{}' twice", o.columns, columns[i]);
  std::string name = o.name;
  if (name.empty()) {
    name = "mean_rank";
    for (const auto& c : columns) name += "_" + c;
  }
  const std::vector<std::string> lines = read_lines(o.table);
  // JSON Lines rows are objects; anything else is read as CSV with a header line.
  const auto first = std::find_if(lines.begin(), lines.end(),
                                  [](const std::string& l) { return l.find_first_not_of(" \t") != std::string::npos; });
  const bool jsonl = first != lines.end() && (*first)[first->find_first_not_of(" \t")] == '{';
  const std::string text =
      jsonl ? combine_jsonl(o.table, lines, columns, name) : combine_csv(o.table, lines, columns, name);
  replace_file(o.out, text);
  std::fprintf(stderr, "zcnas: wrote '%s' with column '%s' (mean rank of %s)\n", o.out.c_str(), name.c_str(),
               o.columns.c_str());
  return 0;
}

}  // namespace

void register_combine(CLI::App& app, std::function<int()>& action) {
  auto opts = std::make_shared<CombineOptions>();
  auto* cmd = app.add_subcommand(
      "combine", "add a combined score to a score table: the mean rank of chosen score columns (higher is better)");
  cmd->add_option("--scores", opts->table, "score table (CSV or JSON Lines) written by zcnas score")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--columns", opts->columns,
                  "comma-separated score columns to combine, e.g. naswot,epsilon; each ranks the rows ascending "
                  "(non-finite values lowest, ties averaged)")
      ->required();
  cmd->add_option("--out,-o", opts->out, "output table (may be the input table): every column plus the new one")
      ->required();
  cmd->add_option("--name", opts->name, "name of the new column (default mean_rank_<columns joined by _>)");
  cmd->callback([opts, &action] { action = [opts] { return run_combine(*opts); }; });
}

}  // namespace zcnas::cli
