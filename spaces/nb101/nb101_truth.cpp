// NB101 ground-truth tables: NASLib's zero-cost table and tables keyed by cell hash.
#include "spaces/nb101/nb101_truth.hpp"

#include <algorithm>
#include <fstream>

#include "core/error.hpp"
#include "io/csv.hpp"
#include "spaces/keyed_truth.hpp"
#include "spaces/nb101/md5.hpp"
#include "spaces/nb101/naslib_table.hpp"

namespace zcnas::nb101 {

namespace {

constexpr const char* kHash = "hash";

GroundTruth naslib_truth(const SearchSpace& space, const std::string& path) {
  const NaslibTable table = read_naslib_table(space, path);
  const NaslibCells cells = naslib_cells(table);
  GroundTruth truth = empty_truth(space.size(), {"cifar10"}, "validation accuracy");  // SPEC.md §5
  const std::vector<double>& accuracy = cells.values[table.column_position(kNaslibAccuracy)];
  for (size_t k = 0; k < cells.index.size(); ++k) {
    const auto i = static_cast<size_t>(cells.index[k]);
    truth.accuracy[0][i] = accuracy[k];
    truth.arch[i] = cells.cell[k];
  }
  return truth;
}

// A cell hash: 32 hex digits, the cell the space has under it.
TruthKey hash_key(const SearchSpace& space) {
  return {kHash, [&space](const std::string& field) {
            Digest digest{};
            ZCNAS_REQUIRE(parse_hex(field, digest), "'{}' is not a cell hash (32 hex digits)", field);
            return space.index_of_arch(field);
          }};
}

}  // namespace

GroundTruth read_truth_table(const SearchSpace& space, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  ZCNAS_REQUIRE(in, "cannot open ground-truth table '{}'", path);
  CsvReader csv(in, fmt::format("ground-truth table '{}'", path));
  const std::vector<std::string> header = csv.header();
  if (std::find(header.begin(), header.end(), kHash) != header.end())
    return read_keyed_truth(space, csv, header, {hash_key(space)});
  ZCNAS_REQUIRE(is_naslib_header(header),
                "{}: the header '{}' has neither a '{}' column (a table keyed by cell hash) nor NASLib's '{},{},{}'",
                csv.file(), csv.line(), kHash, kNaslibMatrix, kNaslibOps, kNaslibAccuracy);
  return naslib_truth(space, path);
}

}  // namespace zcnas::nb101
