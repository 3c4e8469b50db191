// Ground-truth tables keyed by arch.
#include "spaces/keyed_truth.hpp"

#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <unordered_map>

#include "core/error.hpp"

namespace zcnas {
namespace {

struct KeyColumn {
  size_t column;
  const TruthKey* key;
};

std::string quoted_names(const std::vector<TruthKey>& keys) {
  std::string names;
  for (const TruthKey& k : keys) names += (names.empty() ? "'" : "' or '") + k.column;
  return names + "'";
}

}  // namespace

TruthKey index_key(const SearchSpace& space) {
  return {"index", [&space](const std::string& field) { return space.parse_index(field); }};
}

TruthKey arch_key(const SearchSpace& space) {
  return {"arch", [&space](const std::string& field) { return space.index_of_arch(field); }};
}

GroundTruth read_keyed_truth(const SearchSpace& space, CsvReader& csv, const std::vector<std::string>& header,
                             const std::vector<TruthKey>& keys) {
  std::vector<KeyColumn> key_columns;  // in the order of `keys`
  std::vector<std::string> key_names;
  for (const TruthKey& k : keys)
    for (size_t c = 0; c < header.size(); ++c)
      if (header[c] == k.column) {
        key_columns.push_back({c, &k});
        key_names.push_back(k.column);
      }
  std::vector<size_t> value_columns;
  std::vector<std::string> datasets;
  for (size_t c = 0; c < header.size(); ++c) {
    const std::string& name = header[c];
    ZCNAS_REQUIRE(!name.empty(), "{}: column {} of the header has no name", csv.file(), c + 1);
    for (size_t d = 0; d < c; ++d)
      ZCNAS_REQUIRE(header[d] != name, "{}: column '{}' appears twice in the header", csv.file(), name);
    if (std::find(key_names.begin(), key_names.end(), name) == key_names.end()) {
      value_columns.push_back(c);
      datasets.push_back(name);
    }
  }
  ZCNAS_REQUIRE(!key_columns.empty(), "{}: the header '{}' has no {} column to name the arch of a row", csv.file(),
                csv.line(), quoted_names(keys));
  ZCNAS_REQUIRE(!value_columns.empty(), "{}: the header '{}' has a '{}' column but no accuracy column", csv.file(),
                csv.line(), fmt::join(key_names, "' and '"));

  GroundTruth truth = empty_truth(space.size(), std::move(datasets), "accuracy");
  std::unordered_map<int64_t, int64_t> first_line;  // arch index -> the line that named it
  std::vector<std::string> fields;
  while (csv.next(fields)) {
    auto where = [&](size_t c) { return csv_field(csv.file(), csv.line_no(), c, header[c]); };
    const KeyColumn& first = key_columns.front();
    const int64_t index = in_context(where(first.column), [&] { return first.key->index_of(fields[first.column]); });
    for (size_t k = 1; k < key_columns.size(); ++k) {
      const KeyColumn& other = key_columns[k];
      const int64_t i = in_context(where(other.column), [&] { return other.key->index_of(fields[other.column]); });
      ZCNAS_REQUIRE(i == index, "{}: '{}' is index {}, but column '{}' names index {}", where(other.column),
                    fields[other.column], i, header[first.column], index);
    }
    const auto [seen, fresh] = first_line.emplace(index, csv.line_no());
    ZCNAS_REQUIRE(fresh, "{}: '{}' (index {}) already appears on line {}", where(first.column), fields[first.column],
                  index, seen->second);
    truth.arch[static_cast<size_t>(index)] = fields[first.column];
    for (size_t d = 0; d < value_columns.size(); ++d) {
      const size_t c = value_columns[d];
      if (fields[c].empty() || fields[c] == "nan") continue;  // no value for this arch
      const double v = parse_number(fields[c], where(c));
      ZCNAS_REQUIRE(std::isfinite(v), "{}: '{}' is not a finite accuracy", where(c), fields[c]);
      truth.accuracy[d][static_cast<size_t>(index)] = v;
    }
  }
  return truth;
}

GroundTruth read_keyed_truth(const SearchSpace& space, const std::string& path, const std::vector<TruthKey>& keys) {
  std::ifstream in(path, std::ios::binary);
  ZCNAS_REQUIRE(in, "cannot open ground-truth table '{}'", path);
  CsvReader csv(in, fmt::format("ground-truth table '{}'", path));
  const std::vector<std::string> header = csv.header();
  return read_keyed_truth(space, csv, header, keys);
}

}  // namespace zcnas
