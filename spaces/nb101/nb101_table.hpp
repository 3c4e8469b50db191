// The whole NAS-Bench-101 space (SPEC.md §5): every labelled full DAG of 2..7 vertices and at most 9 edges in
// nasbench's generate_graphs.py order, and the 423,624 unique cells, indexed by their first appearance in that
// order. zcnas's NB101 index is that order. The table is generated in seconds and cached on disk.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "spaces/nb101/nb101_cell.hpp"

namespace zcnas::nb101 {

// The nasbench README's count of unique cells; the generated table must have exactly this many.
constexpr int64_t kNumCells = 423624;

// generate_graphs.py's edge bits: the edge x->y (x < y) is bit x + y(y-1)/2.
uint32_t edge_mask(const Cell& cell);
// Interior ops as itertools.product enumerates them: base 3, vertex 1 most significant.
int32_t labelling_of(const Cell& cell);
Cell cell_of(int vertices, uint32_t mask, int32_t labelling);

class CellTable {
 public:
  // Hashes every labelled full DAG, on every OpenMP thread; the result does not depend on their number.
  static CellTable generate();
  // Reads a file that save() wrote; throws naming the file and what is wrong with it (size, version,
  // checksum, an inconsistent table, a stored hash that rehashing does not give).
  static CellTable load(const std::filesystem::path& file);
  // Writes to a temporary file beside `file`, then renames it over `file`: a reader never sees half a table.
  void save(const std::filesystem::path& file) const;
  // load(cache_file) when it holds a valid table; else generate() and save it there (creating the folder). A
  // cache that cannot be written is skipped: the table is still returned. An empty path means no cache.
  // Processes share the cache through an flock on cache_file + ".lock": only one of them generates.
  static CellTable load_or_generate(const std::filesystem::path& cache_file);

  int64_t size() const { return static_cast<int64_t>(digests_.size()); }
  // The representative of index i (pruned: the first graph of its hash in generation order) and its hash.
  Cell cell(int64_t index) const;
  const Digest& hash(int64_t index) const { return digests_.at(static_cast<size_t>(index)); }
  // The index of a pruned cell with at most 9 edges (any vertex order); throws for any other cell.
  int64_t index_of(const Cell& pruned) const;
  // The index of the cell with this hash, if there is one.
  std::optional<int64_t> index_of_hash(const Digest& digest) const;
  // Unique cells per number of vertices: [V] for V = 0..7.
  std::vector<int64_t> count_by_vertices() const;
  int64_t labelled_graphs() const { return static_cast<int64_t>(class_of_.size()); }

 private:
  CellTable();  // the full-DAG masks of each V; no cells yet
  // Derives the representatives and the hash lookup from class_of_ and digests_; throws if they disagree.
  void index(const std::string& source);
  int64_t position_of(int vertices, uint32_t mask, int32_t labelling) const;  // -1 when not a full DAG
  Cell labelled_graph(int64_t position) const;

  std::vector<std::vector<uint32_t>> masks_;  // [V] ascending masks of the full DAGs with <= 9 edges
  std::vector<int64_t> first_;                // [V] position of V's first labelled graph
  std::vector<int32_t> class_of_;             // [labelled graph] index of its cell
  std::vector<Digest> digests_;               // [index] cell hash
  std::vector<int64_t> representative_;       // [index] position of its first labelled graph
  std::vector<int32_t> by_hash_;              // indices sorted by hash, for lookups
};

// Where the table is cached: $XDG_CACHE_HOME/zcnas, else ~/.cache/zcnas, with the format version in the file
// name; empty when neither variable is set.
std::filesystem::path default_cache_file();

}  // namespace zcnas::nb101
