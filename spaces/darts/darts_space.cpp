// The DARTS space: the interface over darts.hpp.
#include "spaces/darts/darts_space.hpp"

#include <fmt/ranges.h>

#include "core/error.hpp"
#include "eval/truth.hpp"
#include "spaces/darts/darts.hpp"
#include "spaces/darts/nds_records.hpp"

namespace zcnas::darts {
namespace {

constexpr int kCellTypes = 2;  // normal, reduce

CellGenotype& cell_of(Genotype& g, int type) { return type == 0 ? g.normal : g.reduce; }
const CellGenotype& cell_of(const Genotype& g, int type) { return type == 0 ? g.normal : g.reduce; }

Genome genome_from(const Genotype& g) {
  Genome genome;
  for (int type = 0; type < kCellTypes; ++type)
    for (const Edge& e : cell_of(g, type)) {
      genome.push_back(static_cast<int32_t>(e.op));
      genome.push_back(e.input);
    }
  return genome;
}

class DartsSpace final : public SearchSpace {
 public:
  std::string name() const override { return "darts"; }
  std::string title() const override { return "DARTS"; }
  int64_t size() const override { return kUnbounded; }

  std::vector<int32_t> genome_choices() const override {
    std::vector<int32_t> choices;
    for (int type = 0; type < kCellTypes; ++type)
      for (int p = 0; p < kPairs; ++p) {
        choices.push_back(kNumOps);
        choices.push_back(2 + p / 2);
      }
    return choices;
  }

  // As NDS draws its archs: per node, two distinct inputs among 0..k-1 in the order drawn, and uniform ops.
  Genome random_genome(RandomStream& random) const override {
    Genome genome;
    for (int type = 0; type < kCellTypes; ++type)
      for (int step = 0; step < kSteps; ++step) {
        const auto node = static_cast<uint64_t>(2 + step);
        const auto first = static_cast<int32_t>(random.below(node));
        auto second = static_cast<int32_t>(random.below(node - 1));
        if (second >= first) ++second;
        for (int32_t input : {first, second}) {
          genome.push_back(static_cast<int32_t>(random.below(kNumOps)));
          genome.push_back(input);
        }
      }
    return genome;
  }

  // One op or one input changes, uniformly over the changes that leave no node reading one state twice (as no
  // NDS arch does).
  Genome mutate(const Genome& genome, RandomStream& random) const override {
    const Genome parent = canonical(genome);
    const std::vector<int32_t> choices = genome_choices();
    std::vector<std::pair<size_t, int32_t>> changes;
    for (size_t p = 0; p < parent.size(); ++p) {
      const bool input = p % 2 == 1;
      const size_t partner = ((p / 2) ^ 1) * 2 + 1;  // the input of the node's other pair
      for (int32_t c = 0; c < choices[p]; ++c)
        if (c != parent[p] && !(input && c == parent[partner])) changes.emplace_back(p, c);
    }
    const auto& [position, choice] = changes[random.below(changes.size())];
    Genome child = parent;
    child[position] = choice;
    return child;
  }

  Genome parse(const std::string& arch) const override { return genome_from(parse_genotype(arch)); }
  std::string format(const Genome& genome) const override { return format_genotype(genotype_from(genome)); }

  Genome genome_of(int64_t index) const override {
    check_index(index);  // throws: there is no index order
    return {};
  }
  int64_t index_of(const Genome& genome) const override {
    throw Error(fmt::format("space {} has no index order (arch {})", name(), format(genome)));
  }

  Network build(const Genome& genome, const BuildOptions& options) const override {
    NetworkOptions o;
    o.width = options.channels.value_or(o.width);
    o.depth = options.depth.value_or(o.depth);
    o.num_classes = options.num_classes.value_or(o.num_classes);
    o.image_size = options.image_size.value_or(o.image_size);
    return build_network(genotype_from(genome), o);
  }

  std::vector<ArchRecord> read_records(const std::string& path) const override {
    std::vector<ArchRecord> records;
    for (const NdsRecord& r : read_nds_records(path)) {
      ArchRecord a;
      a.genome = genome_from(r.genotype);
      a.options.channels = r.width;
      a.options.depth = r.depth;
      records.push_back(std::move(a));
    }
    return records;
  }

 protected:
  // An NDS record file's test accuracies (CIFAR-10), entry i for record i.
  GroundTruth read_truth(const std::string& path) const override {
    GroundTruth truth;
    truth.datasets = {"cifar10"};
    truth.measure = "test accuracy";
    truth.accuracy.resize(1);
    for (const NdsRecord& r : read_nds_records(path)) {
      truth.accuracy[0].push_back(r.accuracy);
      truth.arch.push_back(format_genotype(r.genotype));
    }
    return truth;
  }

 private:
  Genotype genotype_from(const Genome& genome) const {
    ZCNAS_REQUIRE(valid(genome), "DARTS: the genome ({}) is not {} choices (op in 0..{}, input below its node)",
                  fmt::join(genome, ","), kGenomeLength, kNumOps - 1);
    Genotype g;
    size_t k = 0;
    for (int type = 0; type < kCellTypes; ++type)
      for (Edge& e : cell_of(g, type)) {
        e.op = static_cast<Op>(genome[k++]);
        e.input = genome[k++];
      }
    return g;
  }
};

}  // namespace

std::unique_ptr<SearchSpace> make_space() { return std::make_unique<DartsSpace>(); }

}  // namespace zcnas::darts
