// NB101 ground-truth tables: NASLib's zero-cost table and tables keyed by cell hash.
#include "spaces/nb101/nb101_truth.hpp"

#include <cmath>
#include <fstream>
#include <unordered_map>

#include "core/error.hpp"
#include "io/csv.hpp"
#include "spaces/nb101/md5.hpp"
#include "spaces/nb101/naslib_table.hpp"

namespace zcnas::nb101 {

namespace {

constexpr const char* kHash = "hash";

GroundTruth empty_truth(const SearchSpace& space, std::vector<std::string> datasets, std::string measure) {
  GroundTruth truth;
  truth.accuracy.assign(datasets.size(), std::vector<double>(static_cast<size_t>(space.size()), NAN));
  truth.datasets = std::move(datasets);
  truth.arch.resize(static_cast<size_t>(space.size()));
  truth.measure = std::move(measure);
  return truth;
}

GroundTruth naslib_truth(const SearchSpace& space, const std::string& path) {
  const NaslibTable table = read_naslib_table(space, path);
  const NaslibCells cells = naslib_cells(table);
  GroundTruth truth = empty_truth(space, {"cifar10"}, "validation accuracy");  // SPEC.md §5
  const std::vector<double>& accuracy = cells.values[table.column_position(kNaslibAccuracy)];
  for (size_t k = 0; k < cells.index.size(); ++k) {
    const auto i = static_cast<size_t>(cells.index[k]);
    truth.accuracy[0][i] = accuracy[k];
    truth.arch[i] = cells.cell[k];
  }
  return truth;
}

GroundTruth hash_truth(const SearchSpace& space, CsvReader& csv, const std::vector<std::string>& header,
                       size_t hash_column) {
  std::vector<size_t> value_columns;
  std::vector<std::string> datasets;
  for (size_t c = 0; c < header.size(); ++c) {
    if (c == hash_column) continue;
    ZCNAS_REQUIRE(!header[c].empty(), "{}: column {} of the header has no name", csv.file(), c + 1);
    for (const std::string& d : datasets)
      ZCNAS_REQUIRE(d != header[c], "{}: column '{}' appears twice in the header", csv.file(), header[c]);
    value_columns.push_back(c);
    datasets.push_back(header[c]);
  }
  ZCNAS_REQUIRE(!value_columns.empty(), "{}: the header '{}' has a '{}' column but no accuracy column", csv.file(),
                csv.line(), kHash);
  GroundTruth truth = empty_truth(space, datasets, "accuracy");

  std::unordered_map<int64_t, int64_t> first_line;  // cell index -> the line that named it
  std::vector<std::string> fields;
  while (csv.next(fields)) {
    const std::string& hash = fields[hash_column];
    const std::string where = csv_field(csv.file(), csv.line_no(), hash_column, header[hash_column]);
    Digest digest{};
    ZCNAS_REQUIRE(parse_hex(hash, digest), "{}: '{}' is not a cell hash (32 hex digits)", where, hash);
    const int64_t index = in_context(where, [&] { return space.index_of_arch(hash); });
    const auto [seen, fresh] = first_line.emplace(index, csv.line_no());
    ZCNAS_REQUIRE(fresh, "{}: cell {} (index {}) already appears on line {}", where, hash, index, seen->second);
    truth.arch[static_cast<size_t>(index)] = hash;
    for (size_t d = 0; d < value_columns.size(); ++d) {
      const size_t c = value_columns[d];
      if (fields[c].empty() || fields[c] == "nan") continue;  // no value for this cell
      const std::string context = csv_field(csv.file(), csv.line_no(), c, header[c]);
      const double v = parse_number(fields[c], context);
      ZCNAS_REQUIRE(std::isfinite(v), "{}: '{}' is not a finite accuracy", context, fields[c]);
      truth.accuracy[d][static_cast<size_t>(index)] = v;
    }
  }
  return truth;
}

}  // namespace

GroundTruth read_truth_table(const SearchSpace& space, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  ZCNAS_REQUIRE(in, "cannot open ground-truth table '{}'", path);
  CsvReader csv(in, fmt::format("ground-truth table '{}'", path));
  const std::vector<std::string> header = csv.header();
  for (size_t c = 0; c < header.size(); ++c)
    if (header[c] == kHash) return hash_truth(space, csv, header, c);
  ZCNAS_REQUIRE(is_naslib_header(header),
                "{}: the header '{}' has neither a '{}' column (a table keyed by cell hash) nor NASLib's '{},{},{}'",
                csv.file(), csv.line(), kHash, kNaslibMatrix, kNaslibOps, kNaslibAccuracy);
  return naslib_truth(space, path);
}

}  // namespace zcnas::nb101
