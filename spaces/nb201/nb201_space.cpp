// The NB201 space: the interface over nb201.hpp, and the reader of its ground-truth table.
#include "spaces/nb201/nb201_space.hpp"

#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "eval/truth.hpp"
#include "spaces/naslib_key.hpp"
#include "spaces/nb201/nb201.hpp"

namespace zcnas::nb201 {
namespace {

// NASLib numbers the ops skip_connect, none, nor_conv_3x3, nor_conv_1x1, avg_pool_3x3, and orders the edges by
// (from, to) pairs (0,1), (0,2), (0,3), (1,2), (1,3), (2,3): string edges 0, 1, 3, 2, 4, 5.
constexpr std::array<Op, kNumOps> kNaslibOps = {Op::Skip, Op::None, Op::Conv3x3, Op::Conv1x1, Op::AvgPool3x3};
constexpr std::array<int, kNumEdges> kNaslibEdges = {0, 1, 3, 2, 4, 5};

int naslib_op(Op op) {
  for (size_t k = 0; k < kNaslibOps.size(); ++k)
    if (kNaslibOps[k] == op) return static_cast<int>(k);
  throw Error(fmt::format("NB201 op {} has no NASLib number", static_cast<int>(op)));
}

Genome genome_from(const Arch& arch) {
  Genome g;
  for (Op op : arch) g.push_back(static_cast<int32_t>(op));
  return g;
}

class Nb201Space final : public SearchSpace {
 public:
  std::string name() const override { return "nb201"; }
  std::string title() const override { return "NB201"; }
  int64_t size() const override { return kNumArchs; }
  std::vector<int32_t> genome_choices() const override { return std::vector<int32_t>(kNumEdges, kNumOps); }

  Genome parse(const std::string& arch) const override { return genome_from(parse_arch(arch)); }
  std::string format(const Genome& genome) const override { return format_arch(arch_from(genome)); }
  Genome genome_of(int64_t index) const override { return genome_from(index_to_arch(index)); }
  int64_t index_of(const Genome& genome) const override { return arch_to_index(arch_from(genome)); }

  // NASLib's tuple: its op numbers (kNaslibOps) on the edges in its order (kNaslibEdges).
  std::string naslib_name() const override { return "nasbench201"; }
  std::string naslib_key(const Genome& genome) const override {
    const Arch arch = arch_from(genome);
    std::vector<int> tuple;
    for (int e : kNaslibEdges) tuple.push_back(naslib_op(arch[static_cast<size_t>(e)]));
    return naslib_tuple(tuple);
  }
  Genome parse_naslib_key(const std::string& key) const override {
    const std::vector<int> tuple = parse_naslib_tuple(key, title());
    ZCNAS_REQUIRE(tuple.size() == kNaslibEdges.size(), "NASLib key '{}': an NB201 arch tuple has {} ops, not {}", key,
                  kNaslibEdges.size(), tuple.size());
    Arch arch{};
    for (size_t k = 0; k < tuple.size(); ++k) {
      const int op = tuple[k];
      ZCNAS_REQUIRE(op >= 0 && op < kNumOps, "NASLib key '{}': op {} is not one of NASLib's 0..{}", key, op,
                    kNumOps - 1);
      arch[static_cast<size_t>(kNaslibEdges[k])] = kNaslibOps[static_cast<size_t>(op)];
    }
    return genome_from(arch);
  }

  Network build(const Genome& genome, const BuildOptions& options) const override {
    NetworkOptions o;
    o.channels = options.channels.value_or(o.channels);
    o.cells_per_stage = options.depth.value_or(o.cells_per_stage);
    o.num_classes = options.num_classes.value_or(o.num_classes);
    o.image_size = options.image_size.value_or(o.image_size);
    return build_network(arch_from(genome), o);
  }

 protected:
  GroundTruth read_truth(const std::string& path) const override;

 private:
  Arch arch_from(const Genome& genome) const {
    ZCNAS_REQUIRE(valid(genome), "NB201: the genome ({}) is not {} ops in 0..{}", fmt::join(genome, ","), kNumEdges,
                  kNumOps - 1);
    Arch arch{};
    for (size_t e = 0; e < arch.size(); ++e) arch[e] = static_cast<Op>(genome[e]);
    return arch;
  }
};

// nb201_test_accuracy_200ep.csv: CIFAR10..., CIFAR100..., ImageNet... accuracy columns, then ArchitectureString.
GroundTruth Nb201Space::read_truth(const std::string& path) const {
  std::ifstream in(path);
  ZCNAS_REQUIRE(in, "cannot open ground-truth table '{}'", path);
  std::string line;
  ZCNAS_REQUIRE(static_cast<bool>(std::getline(in, line)), "ground-truth table '{}' is empty", path);
  std::vector<std::string> header;
  {
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) header.push_back(cell);
  }
  GroundTruth truth;
  truth.measure = "test accuracy";
  int arch_col = -1;
  std::vector<int> acc_cols;
  for (size_t c = 0; c < header.size(); ++c) {
    const std::string& h = header[c];
    if (h == "ArchitectureString" || h == "arch")
      arch_col = static_cast<int>(c);
    else if (h.rfind("CIFAR100", 0) == 0)
      acc_cols.push_back(static_cast<int>(c)), truth.datasets.push_back("cifar100");
    else if (h.rfind("CIFAR10", 0) == 0)
      acc_cols.push_back(static_cast<int>(c)), truth.datasets.push_back("cifar10");
    else if (h.rfind("ImageNet", 0) == 0)
      acc_cols.push_back(static_cast<int>(c)), truth.datasets.push_back("imagenet16");
  }
  ZCNAS_REQUIRE(arch_col >= 0 && !acc_cols.empty(),
                "ground-truth table '{}': header needs ArchitectureString and accuracy columns, got '{}'", path, line);
  truth.accuracy.resize(acc_cols.size());
  int64_t line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) cells.push_back(cell);
    ZCNAS_REQUIRE(cells.size() >= header.size() - 1 && static_cast<int>(cells.size()) > arch_col,
                  "ground-truth table '{}' line {}: {} fields, expected {}", path, line_no, cells.size(),
                  header.size());
    for (size_t k = 0; k < acc_cols.size(); ++k) {
      try {
        truth.accuracy[k].push_back(std::stod(cells[static_cast<size_t>(acc_cols[k])]));
      } catch (const std::exception&) {
        throw Error(fmt::format("ground-truth table '{}' line {}: '{}' is not a number", path, line_no,
                                cells[static_cast<size_t>(acc_cols[k])]));
      }
    }
    truth.arch.push_back(cells[static_cast<size_t>(arch_col)]);
  }
  return truth;
}

}  // namespace

std::unique_ptr<SearchSpace> make_space() { return std::make_unique<Nb201Space>(); }

}  // namespace zcnas::nb201
