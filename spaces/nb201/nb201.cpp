// NAS-Bench-201 space: parsing, index order (CPython's Mersenne Twister shuffle) and TinyNetwork.
#include "spaces/nb201/nb201.hpp"

#include <mutex>
#include <numeric>

#include "core/error.hpp"
#include "spaces/nb201/tiny_network.hpp"
#include "spaces/python_random.hpp"

namespace zcnas::nb201 {
namespace {

constexpr std::array<const char*, kNumOps> kOpNames = {"none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3",
                                                      "avg_pool_3x3"};

struct IndexTables {
  std::vector<int32_t> index_to_lex;
  std::vector<int32_t> lex_to_index;
};

const IndexTables& index_tables() {
  static const IndexTables tables = [] {
    IndexTables t;
    t.index_to_lex.resize(static_cast<size_t>(kNumArchs));
    std::iota(t.index_to_lex.begin(), t.index_to_lex.end(), 0);
    PythonRandom rng(88);
    rng.shuffle(t.index_to_lex);
    t.lex_to_index.resize(static_cast<size_t>(kNumArchs));
    for (size_t i = 0; i < t.index_to_lex.size(); ++i) t.lex_to_index[static_cast<size_t>(t.index_to_lex[i])] = static_cast<int32_t>(i);
    return t;
  }();
  return tables;
}

}  // namespace

const char* op_string(Op op) { return kOpNames.at(static_cast<size_t>(op)); }

Arch parse_arch(const std::string& text) {
  Arch arch{};
  // Split into groups between '+' and check each is "|tok|tok|".
  std::vector<std::string> groups;
  size_t start = 0;
  while (true) {
    const size_t plus = text.find('+', start);
    groups.push_back(text.substr(start, plus == std::string::npos ? std::string::npos : plus - start));
    if (plus == std::string::npos) break;
    start = plus + 1;
  }
  ZCNAS_REQUIRE(groups.size() == 3, "arch string '{}': expected 3 node groups separated by '+', found {}", text,
                groups.size());
  int edge = 0;
  for (int node = 1; node <= 3; ++node) {
    const std::string& g = groups[static_cast<size_t>(node - 1)];
    ZCNAS_REQUIRE(g.size() >= 2 && g.front() == '|' && g.back() == '|',
                  "arch string '{}': node {} group '{}' must start and end with '|'", text, node, g);
    std::vector<std::string> tokens;
    size_t p = 1;
    while (p < g.size()) {
      const size_t bar = g.find('|', p);
      tokens.push_back(g.substr(p, bar - p));
      p = bar + 1;
    }
    ZCNAS_REQUIRE(static_cast<int>(tokens.size()) == node, "arch string '{}': node {} needs {} edges, group '{}' has {}",
                  text, node, node, g, tokens.size());
    for (int from = 0; from < node; ++from, ++edge) {
      const std::string& tok = tokens[static_cast<size_t>(from)];
      const size_t tilde = tok.find('~');
      ZCNAS_REQUIRE(tilde != std::string::npos, "arch string '{}': token '{}' is not 'op~input'", text, tok);
      const std::string name = tok.substr(0, tilde), input = tok.substr(tilde + 1);
      ZCNAS_REQUIRE(input == std::to_string(from), "arch string '{}': token '{}' should read from node {}", text, tok,
                    from);
      int op = -1;
      for (int k = 0; k < kNumOps; ++k)
        if (name == kOpNames[static_cast<size_t>(k)]) op = k;
      ZCNAS_REQUIRE(op >= 0, "arch string '{}': unknown op '{}' in token '{}' (ops: none, skip_connect, nor_conv_1x1, "
                    "nor_conv_3x3, avg_pool_3x3)", text, name, tok);
      arch[static_cast<size_t>(edge)] = static_cast<Op>(op);
    }
  }
  return arch;
}

std::string format_arch(const Arch& arch) {
  std::string s;
  int edge = 0;
  for (int node = 1; node <= 3; ++node) {
    if (node > 1) s += '+';
    s += '|';
    for (int from = 0; from < node; ++from, ++edge) {
      s += op_string(arch[static_cast<size_t>(edge)]);
      s += '~' + std::to_string(from) + '|';
    }
  }
  return s;
}

int64_t lex_index(const Arch& arch) {
  int64_t v = 0;
  for (Op op : arch) v = v * kNumOps + static_cast<int64_t>(op);
  return v;
}

Arch arch_from_lex(int64_t lex) {
  ZCNAS_REQUIRE(lex >= 0 && lex < kNumArchs, "NB201 op-tuple position {} is outside 0..{}", lex, kNumArchs - 1);
  Arch arch{};
  for (int e = kNumEdges - 1; e >= 0; --e) {
    arch[static_cast<size_t>(e)] = static_cast<Op>(lex % kNumOps);
    lex /= kNumOps;
  }
  return arch;
}

int64_t arch_to_index(const Arch& arch) { return index_tables().lex_to_index[static_cast<size_t>(lex_index(arch))]; }

Arch index_to_arch(int64_t index) {
  ZCNAS_REQUIRE(index >= 0 && index < kNumArchs, "NB201 index {} is outside 0..{}", index, kNumArchs - 1);
  return arch_from_lex(index_tables().index_to_lex[static_cast<size_t>(index)]);
}

Network build_network(const Arch& arch, const NetworkOptions& options) {
  ZCNAS_REQUIRE(options.channels > 0 && options.cells_per_stage >= 0 && options.num_classes > 0,
                "NB201 network options: C={}, N={}, num_classes={} (need C>0, N>=0, num_classes>0)", options.channels,
                options.cells_per_stage, options.num_classes);
  ZCNAS_REQUIRE(options.image_size % 4 == 0 && options.image_size > 0, "NB201 image size {} must be a multiple of 4",
                options.image_size);
  TinyNetworkShape shape;
  shape.stem_channels = options.channels;
  shape.num_classes = options.num_classes;
  shape.image_size = options.image_size;
  int64_t channels = options.channels;
  for (int stage = 0; stage < 3; ++stage) {
    if (stage > 0) {
      channels *= 2;
      shape.layers.push_back({true, channels});
    }
    for (int c = 0; c < options.cells_per_stage; ++c) shape.layers.push_back({false, channels});
  }
  return build_tiny_network(arch, shape);
}

}  // namespace zcnas::nb201
