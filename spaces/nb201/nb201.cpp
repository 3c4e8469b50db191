// NAS-Bench-201 space: parsing, index order (CPython's Mersenne Twister shuffle) and TinyNetwork.
#include "spaces/nb201/nb201.hpp"

#include <mutex>
#include <numeric>

#include "core/error.hpp"
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

namespace {

// ReLU -> Conv(k, stride, pad (k-1)/2) -> BN, the reference's ReLUConvBN `module` (its Sequential is
// module.op); its input is hooked twice by NASWOT (once by the ReLU module, once by the ReLUConvBN wrapper
// whose type name contains "ReLU"), and its ReLU module's output is one ReLU tensor of SWAP and linear regions.
int relu_conv_bn(Network& net, int x, int64_t out_channels, int k, int stride, const std::string& module) {
  const std::string op = module + ".op";
  net.hook(x, 2, 1);
  const int r = net.relu(x);
  net.module_output(op + ".0", r);
  const int c = net.conv(r, out_channels, k, stride, (k - 1) / 2, op + ".1.weight");
  net.module_output(op + ".1", c);
  const int y = net.batch_norm(c, op + ".2");
  for (const std::string& name : {op + ".2", op, module}) net.module_output(name, y);
  return y;
}

int cell(Network& net, int x, const Arch& arch, int64_t channels, int index) {
  std::array<int, 4> nodes = {x, -1, -1, -1};
  for (int to = 1; to <= 3; ++to) {
    std::vector<int> terms;
    for (int e = 0; e < kNumEdges; ++e) {
      if (kEdgeTo[static_cast<size_t>(e)] != to) continue;
      const int in = nodes[static_cast<size_t>(kEdgeFrom[static_cast<size_t>(e)])];
      const std::string edge = fmt::format("cells.{}.layers.{}", index, e);
      switch (arch[static_cast<size_t>(e)]) {
        case Op::None:  // the Zero module's output: exact zeros, which the sum leaves out
          net.module_output(edge, net.zero_like(in));
          break;
        case Op::Skip:
          net.module_output(edge, in);
          terms.push_back(in);
          break;
        case Op::Conv1x1:
          terms.push_back(relu_conv_bn(net, in, channels, 1, 1, edge));
          break;
        case Op::Conv3x3:
          terms.push_back(relu_conv_bn(net, in, channels, 3, 1, edge));
          break;
        case Op::AvgPool3x3: {
          const int pooled = net.avg_pool3x3(in);
          for (const std::string& name : {edge + ".op", edge}) net.module_output(name, pooled);
          terms.push_back(pooled);
          break;
        }
      }
    }
    nodes[static_cast<size_t>(to)] = terms.empty() ? net.zero_like(x) : net.add(terms);
  }
  net.module_output(fmt::format("cells.{}", index), nodes[3]);
  return nodes[3];
}

int resnet_block(Network& net, int x, int64_t out_channels, int index) {
  const std::string p = fmt::format("cells.{}", index);
  const int a = relu_conv_bn(net, x, out_channels, 3, 2, p + ".conv_a");
  const int b = relu_conv_bn(net, a, out_channels, 3, 1, p + ".conv_b");
  const int pooled = net.avg_pool2x2(x);
  net.module_output(p + ".downsample.0", pooled);
  const int residual = net.conv(pooled, out_channels, 1, 1, 0, p + ".downsample.1.weight");
  for (const std::string& name : {p + ".downsample.1", p + ".downsample"}) net.module_output(name, residual);
  const int y = net.add({residual, b});
  net.module_output(p, y);
  return y;
}

}  // namespace

Network build_network(const Arch& arch, const NetworkOptions& options) {
  ZCNAS_REQUIRE(options.channels > 0 && options.cells_per_stage >= 0 && options.num_classes > 0,
                "NB201 network options: C={}, N={}, num_classes={} (need C>0, N>=0, num_classes>0)", options.channels,
                options.cells_per_stage, options.num_classes);
  ZCNAS_REQUIRE(options.image_size % 4 == 0 && options.image_size > 0, "NB201 image size {} must be a multiple of 4",
                options.image_size);
  Network net;
  int x = net.input(3, options.image_size, options.image_size);
  x = net.conv(x, options.channels, 3, 1, 1, "stem.0.weight");
  net.module_output("stem.0", x);
  x = net.batch_norm(x, "stem.1");
  for (const char* name : {"stem.1", "stem"}) net.module_output(name, x);
  int64_t channels = options.channels;
  int index = 0;
  for (int stage = 0; stage < 3; ++stage) {
    if (stage > 0) {
      channels *= 2;
      x = resnet_block(net, x, channels, index++);
    }
    for (int c = 0; c < options.cells_per_stage; ++c) x = cell(net, x, arch, channels, index++);
  }
  x = net.batch_norm(x, "lastact.0");
  net.module_output("lastact.0", x);
  net.hook(x, 1, 1);  // the lastact ReLU's input; its output is a ReLU tensor too
  x = net.relu(x);
  for (const char* name : {"lastact.1", "lastact"}) net.module_output(name, x);
  x = net.global_avg_pool(x);
  net.module_output("global_pooling", x);
  x = net.linear(x, options.num_classes, "classifier");
  for (const char* name : {"classifier", ""}) net.module_output(name, x);
  net.set_output(x);
  return net;
}

}  // namespace zcnas::nb201
