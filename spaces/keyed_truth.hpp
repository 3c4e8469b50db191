// Ground-truth tables whose rows name their arch (SearchSpace::read_truth of the spaces whose tables need not
// follow the index order or cover the whole space): key columns name each row's arch, every other column is
// one dataset's accuracy, the dataset named by its column. An empty value or "nan" means the table has no value
// there; the archs a table lacks have accuracy NaN (eval/truth.hpp).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "eval/truth.hpp"
#include "io/csv.hpp"
#include "spaces/space.hpp"

namespace zcnas {

struct TruthKey {
  std::string column;  // its name in the header
  // The index of the arch a field names; throws saying why it names none.
  std::function<int64_t(const std::string& field)> index_of;
};

// The keys of score tables (eval/score_table_reader.hpp): `index`, the official index, and `arch`, an arch string.
TruthKey index_key(const SearchSpace& space);
TruthKey arch_key(const SearchSpace& space);

// Reads the table after its header: the columns of `keys` that the header has (at least one) are its keys and
// must name one arch on each row; an arch may appear once. truth.arch holds the field of the first of `keys` the
// table has, as written.
// Throws naming the file, line and field of a bad value.
GroundTruth read_keyed_truth(const SearchSpace& space, CsvReader& csv, const std::vector<std::string>& header,
                             const std::vector<TruthKey>& keys);
// The same for the table in `path`.
GroundTruth read_keyed_truth(const SearchSpace& space, const std::string& path, const std::vector<TruthKey>& keys);

}  // namespace zcnas
