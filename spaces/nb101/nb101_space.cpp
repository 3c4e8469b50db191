// NB101 as a SearchSpace: arch strings and hashes, the generated index order, the 7-vertex genome.
#include "spaces/nb101/nb101_space.hpp"

#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <optional>

#include "core/error.hpp"
#include "eval/truth.hpp"
#include "io/csv.hpp"
#include "spaces/naslib_key.hpp"
#include "spaces/nb101/nb101_network.hpp"
#include "spaces/nb101/nb101_table.hpp"
#include "spaces/nb101/nb101_truth.hpp"

namespace zcnas::nb101 {

namespace {

// NASLib's op numbers, its `op_dict` order.
constexpr std::array<const char*, 5> kNaslibLabels = {"input", "output", "maxpool3x3", "conv1x1-bn-relu",
                                                      "conv3x3-bn-relu"};

int genome_edge(int from, int to) { return from * (2 * kGenomeVertices - from - 1) / 2 + (to - from - 1); }

class Nb101Space final : public SearchSpace {
 public:
  explicit Nb101Space(std::filesystem::path cache_file) : cache_file_(std::move(cache_file)) {}

  std::string name() const override { return "nb101"; }
  std::string title() const override { return "NB101"; }
  int64_t size() const override { return kNumCells; }

  std::vector<int32_t> genome_choices() const override {
    std::vector<int32_t> choices(kGenomeEdges, 2);
    choices.insert(choices.end(), kGenomeOps, kNumOps);
    return choices;
  }

  bool valid(const Genome& genome) const override { return valid_cell(genome).has_value(); }

  Genome canonical(const Genome& genome) const override { return genome_of(index_of(genome)); }

  Genome parse(const std::string& arch) const override {
    Digest digest{};
    if (parse_hex(arch, digest)) {
      const std::optional<int64_t> index = table().index_of_hash(digest);
      ZCNAS_REQUIRE(index.has_value(), "no NB101 cell has the hash '{}'", arch);
      return genome_of(*index);
    }
    const Cell cell = parse_cell(arch);
    table().index_of(cell);  // every valid cell is in the table; this says so for one that is not
    return genome_of_cell(cell);
  }

  std::string format(const Genome& genome) const override { return format_cell(pruned_cell(genome)); }

  Genome genome_of(int64_t index) const override {
    check_index(index);
    return genome_of_cell(table().cell(index));
  }

  int64_t index_of(const Genome& genome) const override { return table().index_of(pruned_cell(genome)); }

  std::optional<int64_t> find_index(const Genome& genome) const override {
    const std::optional<Cell> cell = valid_cell(genome);
    if (!cell) return std::nullopt;
    return table().index_of(*cell);
  }

  std::string arch_hash(const Genome& genome) const override { return hex(table().hash(index_of(genome))); }

  // NASLib's tuple: the V*V row-major matrix, then each vertex's op number (kNaslibLabels). Written for the pruned
  // cell; read from any valid cell, pruned or not (NASLib's own tables hold unpruned 7-vertex cells).
  std::string naslib_name() const override { return "nasbench101"; }
  std::string naslib_key(const Genome& genome) const override {
    const Cell cell = pruned_cell(genome);
    std::vector<int> tuple;
    for (int from = 0; from < cell.vertices; ++from)
      for (int to = 0; to < cell.vertices; ++to) tuple.push_back(cell.has_edge(from, to) ? 1 : 0);
    for (int v = 0; v < cell.vertices; ++v) {
      const std::string label = v == 0                   ? "input"
                                : v == cell.vertices - 1 ? "output"
                                                         : op_string(cell.ops[static_cast<size_t>(v)]);
      const auto* it = std::find(kNaslibLabels.begin(), kNaslibLabels.end(), label);
      tuple.push_back(static_cast<int>(it - kNaslibLabels.begin()));
    }
    return naslib_tuple(tuple);
  }
  Genome parse_naslib_key(const std::string& key) const override {
    const std::vector<int> tuple = parse_naslib_tuple(key, title());
    int vertices = 0;
    while (vertices * vertices + vertices < static_cast<int>(tuple.size())) ++vertices;
    ZCNAS_REQUIRE(vertices * vertices + vertices == static_cast<int>(tuple.size()),
                  "NASLib key '{}': an NB101 arch tuple has V*V matrix entries and V ops, {} numbers are not that", key,
                  tuple.size());
    std::string matrix, ops;
    for (int k = 0; k < vertices * vertices; ++k) {
      const int bit = tuple[static_cast<size_t>(k)];
      ZCNAS_REQUIRE(bit == 0 || bit == 1, "NASLib key '{}': matrix entry {} is {}, not 0 or 1", key, k, bit);
      matrix += static_cast<char>('0' + bit);
    }
    for (int v = 0; v < vertices; ++v) {
      const int op = tuple[static_cast<size_t>(vertices * vertices + v)];
      ZCNAS_REQUIRE(op >= 0 && op < static_cast<int>(kNaslibLabels.size()),
                    "NASLib key '{}': vertex {} has op {}, not one of NASLib's 0..{}", key, v, op,
                    kNaslibLabels.size() - 1);
      ops += (v ? "," : "") + std::string(kNaslibLabels[static_cast<size_t>(op)]);
    }
    return in_context(fmt::format("NASLib key '{}'", key), [&] { return parse(matrix + ":" + ops); });
  }

  std::vector<std::string> arch_flag_names() const override { return {"reference_fails"}; }
  std::vector<bool> arch_flags(const Genome& genome) const override { return {reference_fails(pruned_cell(genome))}; }

  Network build(const Genome& genome, const BuildOptions& options) const override {
    NetworkOptions o;
    o.stem_channels = options.channels.value_or(o.stem_channels);
    o.cells_per_stack = options.depth.value_or(o.cells_per_stack);
    o.num_classes = options.num_classes.value_or(o.num_classes);
    o.image_size = options.image_size.value_or(o.image_size);
    return build_network(pruned_cell(genome), o);
  }

 protected:
  GroundTruth read_truth(const std::string& path) const override { return read_truth_table(*this, path); }

 private:
  // The genome's cell, pruned, or none when it is no valid cell.
  std::optional<Cell> valid_cell(const Genome& genome) const {
    if (!SearchSpace::valid(genome)) return std::nullopt;
    std::optional<Cell> pruned = prune(cell_of_genome(genome));
    if (!pruned || pruned->num_edges() > kMaxEdges) return std::nullopt;
    return pruned;
  }

  // The genome's cell, pruned; throws naming the genome when it is not a valid cell.
  Cell pruned_cell(const Genome& genome) const {
    ZCNAS_REQUIRE(SearchSpace::valid(genome), "NB101: the genome ({}) is not {} edge bits and {} ops",
                  fmt::join(genome, ","), kGenomeEdges, kGenomeOps);
    const std::optional<Cell> pruned = prune(cell_of_genome(genome));
    ZCNAS_REQUIRE(pruned.has_value(), "NB101: in the genome ({}) the input does not reach the output",
                  fmt::join(genome, ","));
    ZCNAS_REQUIRE(pruned->num_edges() <= kMaxEdges, "NB101: the genome ({}) has {} edges after pruning (at most {})",
                  fmt::join(genome, ","), pruned->num_edges(), kMaxEdges);
    return *pruned;
  }

  // Generated or read from the cache on first use, so that naming the space costs nothing.
  const CellTable& table() const {
    std::call_once(table_once_, [&] { table_.emplace(CellTable::load_or_generate(cache_file_)); });
    return *table_;
  }

  std::filesystem::path cache_file_;
  mutable std::once_flag table_once_;
  mutable std::optional<CellTable> table_;
};

}  // namespace

Cell cell_of_genome(const Genome& genome) {
  ZCNAS_REQUIRE(genome.size() == static_cast<size_t>(kGenomeEdges + kGenomeOps),
                "an NB101 genome has {} positions, this one {}", kGenomeEdges + kGenomeOps, genome.size());
  Cell cell;
  cell.vertices = kGenomeVertices;
  for (int from = 0; from < kGenomeVertices; ++from)
    for (int to = from + 1; to < kGenomeVertices; ++to)
      if (genome[static_cast<size_t>(genome_edge(from, to))] == 1)
        cell.successors[static_cast<size_t>(from)] =
            static_cast<uint8_t>(cell.successors[static_cast<size_t>(from)] | (1u << to));
  for (int v = 1; v <= kGenomeOps; ++v) {
    const int32_t op = genome[static_cast<size_t>(kGenomeEdges + v - 1)];
    ZCNAS_REQUIRE(op >= 0 && op < kNumOps, "NB101 genome: vertex {} has op {}, ops are 0..{}", v, op, kNumOps - 1);
    cell.ops[static_cast<size_t>(v)] = static_cast<Op>(op);
  }
  return cell;
}

Genome genome_of_cell(const Cell& cell) {
  const auto vertex = [&](int v) { return v == cell.vertices - 1 ? kGenomeVertices - 1 : v; };
  Genome genome(static_cast<size_t>(kGenomeEdges + kGenomeOps), 0);
  for (int from = 0; from < cell.vertices; ++from)
    for (int to = from + 1; to < cell.vertices; ++to)
      if (cell.has_edge(from, to)) genome[static_cast<size_t>(genome_edge(vertex(from), vertex(to)))] = 1;
  for (int v = 1; v + 1 < cell.vertices; ++v)
    genome[static_cast<size_t>(kGenomeEdges + v - 1)] = static_cast<int32_t>(cell.ops[static_cast<size_t>(v)]);
  return genome;
}

std::unique_ptr<SearchSpace> make_space(const std::filesystem::path& cache_file) {
  return std::make_unique<Nb101Space>(cache_file);
}

std::unique_ptr<SearchSpace> make_space() { return make_space(default_cache_file()); }

}  // namespace zcnas::nb101
