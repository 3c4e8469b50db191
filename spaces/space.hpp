// A search space behind one interface: arch strings, the official index order of an enumerable space, a
// genome of fixed-length categorical choices for searches, the network builder and an optional ground-truth
// reader. Each space lives in spaces/<name>/; make_space() finds one by name.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/random.hpp"
#include "nn/network.hpp"

namespace zcnas {

struct GroundTruth;  // eval/truth.hpp

// One choice per position, position p in 0..genome_choices()[p]-1.
using Genome = std::vector<int32_t>;

// Network options that each space reads with its own defaults: an option left unset takes the space's.
struct BuildOptions {
  std::optional<int64_t> channels;     // width: NB201's C; DARTS' initial channels; NB101's stem channels
  std::optional<int> depth;            // NB201's cells per stage N; DARTS' layers; NB101's cells per stack
  std::optional<int64_t> num_classes;  // classifier outputs (1 is enough for scoring)
  std::optional<int64_t> image_size;   // input height and width
};

// An arch of a file that lists archs with the settings they were trained at (NDS's records): a score table scored
// from the file numbers its rows by record, and the file's ground truth joins it by that number.
struct ArchRecord {
  Genome genome;
  BuildOptions options;
};

class SearchSpace {
 public:
  static constexpr int64_t kUnbounded = -1;

  virtual ~SearchSpace() = default;

  virtual std::string name() const = 0;   // the registry's name, e.g. "nb201"
  virtual std::string title() const = 0;  // the name in messages, e.g. "NB201"
  // Number of archs; kUnbounded for a space that is not enumerated (no index order).
  virtual int64_t size() const = 0;
  bool enumerable() const { return size() != kUnbounded; }

  // The genome: its number of positions and the number of choices at each.
  virtual std::vector<int32_t> genome_choices() const = 0;
  // True when the genome has the right length, its choices are in range and it encodes an arch.
  virtual bool valid(const Genome& genome) const;
  // The one genome of the arch's equivalent genomes that indices and strings stand for (the genome itself
  // where every arch has one genome); throws for an invalid genome.
  virtual Genome canonical(const Genome& genome) const;

  // What a search of the genomes (search/genome_search.hpp) draws and mutates; both return canonical genomes and
  // draw from `random` only, so that a search is reproducible from its seed.
  // A random arch: each position uniform over its choices, drawn again until the genome is valid. Throws naming the
  // space when 10,000 draws find no valid genome: a space whose valid genomes are rare draws its own.
  virtual Genome random_genome(RandomStream& random) const;
  // A one-choice mutation: uniform over the changes of one position to another choice that give a valid genome of
  // another arch (neighbours(), as the index searches' mutation table). Throws naming the space and the genome
  // when there is none.
  virtual Genome mutate(const Genome& genome, RandomStream& random) const;

  // Arch strings in the space's notation. parse returns a genome of the arch and throws naming the string: the
  // canonical genome, unless the string fixes more than the arch does (an NB101 matrix numbers the vertices,
  // which name the network's parameters), and then the genome of the string as written.
  virtual Genome parse(const std::string& arch) const = 0;
  virtual std::string format(const Genome& genome) const = 0;

  // The official index order of an enumerable space. Both throw naming an index outside 0..size()-1 or an
  // invalid genome; index_of accepts every genome of the arch.
  virtual Genome genome_of(int64_t index) const = 0;
  virtual int64_t index_of(const Genome& genome) const = 0;
  // index_of for a valid genome, none for another: valid and index_of in one step (a space whose checks share
  // work, NB101's pruning, does it once).
  virtual std::optional<int64_t> find_index(const Genome& genome) const;

  // The space's own name of the arch, the same for all its equivalent genomes (NB101's cell hash); "" for a
  // space without one.
  virtual std::string arch_hash(const Genome& genome) const;

  // NASLib's zero-cost tables (NAS-Bench-Suite-Zero, zc_<naslib_name>.json, eval/naslib_zc.hpp): the space's name
  // there, "" when NASLib does not cover it, and an arch's key there (spaces/naslib_key.hpp). The key functions
  // throw naming the space when NASLib does not cover it; parse_naslib_key names a key it cannot read.
  virtual std::string naslib_name() const { return {}; }
  virtual std::string naslib_key(const Genome& genome) const;
  virtual Genome parse_naslib_key(const std::string& key) const;

  // Yes/no properties of an arch that score tables carry beside the scores (NB101's reference_fails: the
  // reference code cannot score the cell); none by default.
  virtual std::vector<std::string> arch_flag_names() const { return {}; }
  virtual std::vector<bool> arch_flags(const Genome& /*genome*/) const { return {}; }

  // The untrained network, with parameter names as the space's reference code has them.
  virtual Network build(const Genome& genome, const BuildOptions& options = {}) const = 0;

  // The trained accuracies of an enumerable space's archs, entry i for index i (NaN for an arch the table does
  // not cover, where the space's tables may cover part of it), or of a record file's archs, entry i for record i
  // (a space without an index order); throws when the space has no ground truth.
  GroundTruth load_truth(const std::string& path) const;

  // The archs of a record file, in file order; throws when the space has none.
  virtual std::vector<ArchRecord> read_records(const std::string& path) const;

  // Conveniences over the above.
  std::string arch_of(int64_t index) const { return format(genome_of(index)); }
  int64_t index_of_arch(const std::string& arch) const { return index_of(parse(arch)); }
  // Throws naming the index when it is outside the space (or the space has no index order).
  void check_index(int64_t index) const;
  // The index a table's text gives (an index column): the whole text an integer, checked as check_index does (in a
  // space without an index order, any number >= 0: the writer's numbering); throws naming the text.
  int64_t parse_index(const std::string& text) const;
  // 0..size()-1; throws for a space without an index order.
  std::vector<int64_t> all_indices() const;
  // Every valid genome one choice away from `genome`, canonical, in the order of mutation_table's rows; a neighbour
  // equivalent to `genome` itself is left out.
  std::vector<Genome> neighbours(const Genome& genome) const;

 protected:
  // The space's ground-truth table with an entry per arch (NaN where the table has no value); the default
  // throws: the space has none.
  virtual GroundTruth read_truth(const std::string& path) const;
};

// The space the CLI and the benchmarks use when --space is not given.
constexpr const char* kDefaultSpace = "nb201";
// The spaces make_space knows, in the order listed to users.
std::vector<std::string> space_names();
// Throws naming the unknown name and listing the known ones.
std::unique_ptr<SearchSpace> make_space(const std::string& name);

// Every arch's one-choice mutations, as REA and AREA take them on the host and the device:
// child[index * per_arch + k] is the index of the k-th change of one position of the arch's canonical genome to
// another choice (position by position, first position first, choices ascending), -1 where that genome is no
// arch. It may be the arch itself (an NB101 edge that pruning removes again).
struct MutationTable {
  int32_t per_arch = 0;
  std::vector<int32_t> child;
};
// Throws when the space has no index order or more than 2^31-1 archs.
MutationTable mutation_table(const SearchSpace& space);

}  // namespace zcnas
