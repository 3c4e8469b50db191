// NASLib's zc_<space>.json, written from and read as score tables.
#include "eval/naslib_zc.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.hpp"
#include "io/csv.hpp"
#include "io/score_table.hpp"

namespace zcnas {
namespace {

// A proxy that NASLib names or measures otherwise: its value there is zcnas's divided by `unit`.
struct ProxyName {
  const char* zcnas;
  const char* naslib;
  double unit;
};
constexpr std::array<ProxyName, 3> kProxyNames = {
    {{"naswot", "nwot", 1.0}, {"params", "params", 1e6}, {"flops", "flops", 1e6}}};

ProxyName proxy_of_zcnas(const std::string& name) {
  for (const auto& p : kProxyNames)
    if (name == p.zcnas) return p;
  return {nullptr, nullptr, 1.0};
}

ProxyName proxy_of_naslib(const std::string& name) {
  for (const auto& p : kProxyNames)
    if (name == p.naslib) return p;
  return {nullptr, nullptr, 1.0};
}

constexpr const char* kAccuracy = "val_accuracy";
constexpr const char* kId = "id";

// A number as Python's json module writes it: NaN, Infinity and -Infinity for the non-finite ones.
std::string json_number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return format_score(v);
}

std::string json_string(const std::string& s) { return nlohmann::json(s).dump(); }

// Python's json writes NaN, Infinity and -Infinity bare, which strict JSON parsers refuse: outside strings they
// become the strings "nan", "inf" and "-inf" that score values accept.
std::string quote_non_finite(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size())
        out += text[++i];
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    bool replaced = false;
    for (const auto& [token, value] :
         {std::pair{"-Infinity", "\"-inf\""}, std::pair{"Infinity", "\"inf\""}, std::pair{"NaN", "\"nan\""}}) {
      const std::string_view t(token);
      if (text.compare(i, t.size(), t) == 0) {
        out += value;
        i += t.size() - 1;
        replaced = true;
        break;
      }
    }
    if (!replaced) out += c;
  }
  return out;
}

double json_value(const nlohmann::ordered_json& v, const std::string& context) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) return parse_number(v.get<std::string>(), context);
  throw Error(fmt::format("{}: {} is not a number", context, v.dump()));
}

std::string datasets_of(const nlohmann::ordered_json& zc) {
  std::string names;
  for (const auto& item : zc.items()) names += (names.empty() ? "" : ", ") + item.key();
  return names;
}

}  // namespace

nlohmann::ordered_json read_naslib_zc_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  ZCNAS_REQUIRE(in, "cannot open NASLib zero-cost table '{}'", path);
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::ordered_json zc;
  try {
    zc = nlohmann::ordered_json::parse(quote_non_finite(text.str()));
  } catch (const std::exception& e) {
    throw Error(fmt::format("NASLib zero-cost table '{}' is not JSON: {}", path, e.what()));
  }
  ZCNAS_REQUIRE(zc.is_object() && !zc.empty(), "NASLib zero-cost table '{}' is not an object of datasets", path);
  for (const auto& [dataset, section] : zc.items())
    ZCNAS_REQUIRE(section.is_object(), "NASLib zero-cost table '{}': dataset '{}' is not an object of archs", path,
                  dataset);
  return zc;
}

std::string naslib_dataset(const std::string& dataset) { return dataset == "imagenet16" ? "ImageNet16-120" : dataset; }
std::string dataset_of_naslib(const std::string& naslib) { return naslib == "ImageNet16-120" ? "imagenet16" : naslib; }

std::string naslib_zc_file_name(const SearchSpace& space) {
  const std::string name = space.naslib_name();
  if (name.empty()) space.naslib_key({});  // throws, naming the space
  return "zc_" + name + ".json";
}

void write_naslib_zc(const std::string& path, const SearchSpace& space, const ScoreTable& table,
                     const GroundTruth* truth, const std::vector<std::string>& datasets) {
  std::vector<std::string> sections = datasets;
  if (sections.empty()) {
    ZCNAS_REQUIRE(truth != nullptr,
                  "a NASLib zero-cost table without a ground truth needs the dataset to file it under");
    sections = truth->datasets;
  }
  if (truth)
    for (const auto& d : sections) truth->column(d);  // throws listing the truth's datasets
  std::vector<std::string> keys;
  for (int64_t r = 0; r < table.rows(); ++r)
    keys.push_back(space.naslib_key(space.genome_of(table.index[static_cast<size_t>(r)])));

  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    ZCNAS_REQUIRE(out, "cannot write NASLib zero-cost table '{}'", tmp);
    out << "{";
    for (size_t d = 0; d < sections.size(); ++d) {
      out << (d ? ",\n" : "\n") << json_string(naslib_dataset(sections[d])) << ": {";
      const std::vector<double>* accuracy = truth ? &truth->column(sections[d]) : nullptr;
      for (int64_t r = 0; r < table.rows(); ++r) {
        const auto k = static_cast<size_t>(r);
        const double seconds = table.seconds.empty() ? NAN : table.seconds[k];
        out << (r ? ",\n  " : "\n  ") << json_string(keys[k]) << ": {\"" << kId << "\": " << table.index[k];
        for (size_t c = 0; c < table.columns.size(); ++c) {
          const ProxyName p = proxy_of_zcnas(table.columns[c]);
          out << ", " << json_string(p.naslib ? p.naslib : table.columns[c])
              << ": {\"score\": " << json_number(table.values[c][k] / p.unit) << ", \"time\": " << json_number(seconds)
              << "}";
        }
        if (accuracy && has_accuracy((*accuracy)[static_cast<size_t>(table.index[k])]))
          out << ", \"" << kAccuracy << "\": " << json_number((*accuracy)[static_cast<size_t>(table.index[k])]);
        out << "}";
      }
      out << "\n}";
    }
    out << "\n}\n";
    ZCNAS_REQUIRE(static_cast<bool>(out), "cannot write NASLib zero-cost table '{}'", tmp);
  }
  std::filesystem::rename(tmp, path);
}

bool is_naslib_zc_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string line;
  while (std::getline(in, line) && line.find_first_not_of(" \t\r") == std::string::npos) {
  }
  const size_t start = line.find_first_not_of(" \t\r");
  if (start == std::string::npos || line[start] != '{') return false;
  // A JSON Lines table's first line is a row of its own, with an index or an arch.
  const auto row = nlohmann::ordered_json::parse(quote_non_finite(line), nullptr, false);
  return !(row.is_object() && (row.contains("index") || row.contains("arch")));
}

ScoreTable read_naslib_zc_scores(const std::string& path, const SearchSpace& space, const std::string& dataset) {
  const nlohmann::ordered_json zc = read_naslib_zc_json(path);
  std::string name = naslib_dataset(dataset);
  if (name.empty()) name = zc.contains("cifar10") || zc.size() != 1 ? "cifar10" : zc.begin().key();
  ZCNAS_REQUIRE(zc.contains(name), "NASLib zero-cost table '{}' has no dataset '{}' (it has: {})", path, name,
                datasets_of(zc));
  const auto& section = zc.at(name);
  ZCNAS_REQUIRE(!section.empty(), "NASLib zero-cost table '{}': dataset '{}' has no archs", path, name);

  ScoreTable table;
  table.path = path;
  std::vector<std::string> proxies;  // NASLib's names, in the first entry's order
  for (const auto& [key, value] : section.begin()->items())
    if (value.is_object() && value.contains("score")) proxies.push_back(key);
  ZCNAS_REQUIRE(!proxies.empty(), "NASLib zero-cost table '{}': arch '{}' of '{}' has no proxy", path,
                section.begin().key(), name);
  for (const auto& p : proxies) {
    const ProxyName known = proxy_of_naslib(p);
    table.columns.push_back(known.zcnas ? known.zcnas : p);
  }
  table.values.resize(proxies.size());

  std::map<int64_t, std::pair<std::string, std::vector<double>>> rows;  // index order
  for (const auto& [key, entry] : section.items()) {
    const std::string where = fmt::format("NASLib zero-cost table '{}', dataset '{}', arch '{}'", path, name, key);
    ZCNAS_REQUIRE(entry.is_object(), "{}: not an object", where);
    const int64_t index = in_context(where, [&] { return space.index_of(space.parse_naslib_key(key)); });
    std::vector<double> values;
    for (const auto& p : proxies) {
      ZCNAS_REQUIRE(entry.contains(p) && entry.at(p).is_object() && entry.at(p).contains("score"),
                    "{}: no proxy '{}' (the first arch has it)", where, p);
      values.push_back(json_value(entry.at(p).at("score"), where + ", " + p) * proxy_of_naslib(p).unit);
    }
    const auto [it, inserted] = rows.emplace(index, std::pair{key, std::move(values)});
    ZCNAS_REQUIRE(inserted, "{}: the same arch (index {}) as key '{}'", where, index, it->second.first);
  }
  int64_t line = 0;
  for (const auto& [index, row] : rows) {
    table.index.push_back(index);
    for (size_t c = 0; c < proxies.size(); ++c) table.values[c].push_back(row.second[c]);
    table.line.push_back(++line);  // the entry's place in index order: the file has no lines of rows
  }
  return table;
}

GroundTruth read_naslib_zc_truth(const std::string& path, const SearchSpace& space) {
  const nlohmann::ordered_json zc = read_naslib_zc_json(path);
  std::vector<std::string> datasets;
  for (const auto& item : zc.items()) datasets.push_back(dataset_of_naslib(item.key()));
  GroundTruth truth = empty_truth(space.size(), datasets, "validation accuracy (NASLib)");
  size_t d = 0;
  for (const auto& [name, section] : zc.items()) {
    for (const auto& [key, entry] : section.items()) {
      const std::string where = fmt::format("NASLib zero-cost table '{}', dataset '{}', arch '{}'", path, name, key);
      const int64_t index = in_context(where, [&] { return space.index_of(space.parse_naslib_key(key)); });
      if (entry.is_object() && entry.contains(kAccuracy))
        truth.accuracy[d][static_cast<size_t>(index)] = json_value(entry.at(kAccuracy), where + ", val_accuracy");
      if (truth.arch[static_cast<size_t>(index)].empty()) truth.arch[static_cast<size_t>(index)] = space.arch_of(index);
    }
    ++d;
  }
  return truth;
}

}  // namespace zcnas
