// DARTS genotypes and the NetworkCIFAR builder (SPEC.md §7).
#include "spaces/darts/darts.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cctype>
#include <charconv>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace zcnas::darts {
namespace {

constexpr std::array<const char*, kNumOps> kOpNames = {"max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3",
                                                       "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5"};
constexpr std::array<int, kSteps> kConcat = {2, 3, 4, 5};

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    const size_t end = s.find(sep, start);
    parts.push_back(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

// Checks an (op name, input) pair of a cell as read from `text` and makes the edge.
Edge make_edge(const std::string& text, const char* cell, int pair, std::string_view op, std::string_view input) {
  Edge e;
  size_t k = 0;
  while (k < kOpNames.size() && op != kOpNames[k]) ++k;
  ZCNAS_REQUIRE(k < kOpNames.size(), "DARTS arch '{}': {} pair {} has op '{}', not one of {}", text, cell, pair, op,
                fmt::join(kOpNames, ", "));
  e.op = static_cast<Op>(k);
  const char* end = input.data() + input.size();
  const auto [ptr, ec] = std::from_chars(input.data(), end, e.input);
  ZCNAS_REQUIRE(ec == std::errc() && ptr == end && !input.empty(),
                "DARTS arch '{}': {} pair {} has input '{}', not a number", text, cell, pair, input);
  const int node = 2 + pair / 2;
  ZCNAS_REQUIRE(e.input >= 0 && e.input < node,
                "DARTS arch '{}': {} pair {} (node {}) reads input {}, which does not exist yet: node {} reads 0..{}",
                text, cell, pair, node, e.input, node, node - 1);
  return e;
}

// "op~input,op~input,..." (8 tokens).
CellGenotype parse_cell_tokens(const std::string& text, const char* cell, std::string_view tokens) {
  const auto parts = split(tokens, ',');
  ZCNAS_REQUIRE(parts.size() == kPairs, "DARTS arch '{}': the {} cell has {} op~input tokens, expected {}", text, cell,
                parts.size(), kPairs);
  CellGenotype g{};
  for (int p = 0; p < kPairs; ++p) {
    const std::string_view token = trim(parts[static_cast<size_t>(p)]);
    const size_t tilde = token.find('~');
    ZCNAS_REQUIRE(tilde != std::string_view::npos, "DARTS arch '{}': {} token {} '{}' is not op~input", text, cell, p,
                  token);
    g[static_cast<size_t>(p)] = make_edge(text, cell, p, token.substr(0, tilde), token.substr(tilde + 1));
  }
  return g;
}

// A reader of DARTS' repr: Genotype(key=value, ...) where a value is a list of ('op', input) tuples, a list of
// ints or range(a, b).
class ReprReader {
 public:
  explicit ReprReader(const std::string& text) : text_(text), rest_(text) {}

  Genotype read() {
    expect("Genotype");
    expect("(");
    Genotype g;
    bool seen[4] = {};
    for (int k = 0; k < 4; ++k) {
      if (k > 0) expect(",");
      const std::string_view key = identifier();
      expect("=");
      if (key == "normal" || key == "reduce") {
        const bool normal = key == "normal";
        ZCNAS_REQUIRE(!seen[normal ? 0 : 1], "DARTS genotype '{}': '{}' is given twice", text_, key);
        seen[normal ? 0 : 1] = true;
        (normal ? g.normal : g.reduce) = pairs(normal ? "normal" : "reduce");
      } else if (key == "normal_concat" || key == "reduce_concat") {
        const bool normal = key == "normal_concat";
        ZCNAS_REQUIRE(!seen[normal ? 2 : 3], "DARTS genotype '{}': '{}' is given twice", text_, key);
        seen[normal ? 2 : 3] = true;
        const std::vector<int> nodes = concat();
        ZCNAS_REQUIRE(nodes == std::vector<int>(kConcat.begin(), kConcat.end()),
                      "DARTS genotype '{}': {} is [{}]; the NDS DARTS space concatenates nodes [2, 3, 4, 5]", text_,
                      key, fmt::join(nodes, ", "));
      } else {
        fail(fmt::format("unknown field '{}' (expected normal, normal_concat, reduce, reduce_concat)", key));
      }
    }
    expect(")");
    ZCNAS_REQUIRE(trim(rest_).empty(), "DARTS genotype '{}': unexpected '{}' after the closing parenthesis", text_,
                  trim(rest_));
    return g;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(fmt::format("DARTS genotype '{}': {}", text_, what));
  }

  bool accept(std::string_view token) {
    rest_ = trim(rest_);
    if (rest_.substr(0, token.size()) != token) return false;
    rest_.remove_prefix(token.size());
    return true;
  }
  void expect(std::string_view token) {
    if (!accept(token)) fail(fmt::format("expected '{}' at '{}'", token, rest_.substr(0, 24)));
  }

  std::string_view identifier() {
    rest_ = trim(rest_);
    size_t n = 0;
    while (n < rest_.size() && (std::isalnum(static_cast<unsigned char>(rest_[n])) || rest_[n] == '_')) ++n;
    if (n == 0) fail(fmt::format("expected a name at '{}'", rest_.substr(0, 24)));
    const std::string_view id = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return id;
  }

  std::string_view number() {
    rest_ = trim(rest_);
    size_t n = 0;
    while (n < rest_.size() && (std::isdigit(static_cast<unsigned char>(rest_[n])) || rest_[n] == '-')) ++n;
    if (n == 0) fail(fmt::format("expected a number at '{}'", rest_.substr(0, 24)));
    const std::string_view v = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return v;
  }

  int integer() {
    const std::string_view v = number();
    int value = 0;
    const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
    if (ec != std::errc() || ptr != v.data() + v.size()) fail(fmt::format("'{}' is not an integer", v));
    return value;
  }

  std::string_view quoted() {
    rest_ = trim(rest_);
    if (rest_.empty() || (rest_[0] != '\'' && rest_[0] != '"'))
      fail(fmt::format("expected an op name at '{}'", rest_.substr(0, 24)));
    const char quote = rest_[0];
    const size_t end = rest_.find(quote, 1);
    if (end == std::string_view::npos) fail("an op name is not closed");
    const std::string_view s = rest_.substr(1, end - 1);
    rest_.remove_prefix(end + 1);
    return s;
  }

  CellGenotype pairs(const char* cell) {
    expect("[");
    std::vector<std::pair<std::string_view, std::string_view>> items;
    while (!accept("]")) {
      if (!items.empty()) expect(",");
      expect("(");
      const std::string_view op = quoted();
      expect(",");
      const std::string_view input = number();
      expect(")");
      items.emplace_back(op, input);
    }
    ZCNAS_REQUIRE(items.size() == kPairs, "DARTS genotype '{}': the {} cell has {} (op, input) pairs, expected {}",
                  text_, cell, items.size(), kPairs);
    CellGenotype g{};
    for (int p = 0; p < kPairs; ++p)
      g[static_cast<size_t>(p)] =
          make_edge(text_, cell, p, items[static_cast<size_t>(p)].first, items[static_cast<size_t>(p)].second);
    return g;
  }

  std::vector<int> concat() {
    std::vector<int> nodes;
    if (accept("range")) {
      expect("(");
      const int lo = integer();
      expect(",");
      const int hi = integer();
      expect(")");
      for (int v = lo; v < hi; ++v) nodes.push_back(v);
      return nodes;
    }
    expect("[");
    while (!accept("]")) {
      if (!nodes.empty()) expect(",");
      nodes.push_back(integer());
    }
    return nodes;
  }

  const std::string& text_;
  std::string_view rest_;
};

}  // namespace

const char* op_string(Op op) { return kOpNames.at(static_cast<size_t>(op)); }

Genotype parse_genotype(const std::string& text) {
  const std::string_view t = trim(text);
  if (t.rfind("Genotype", 0) == 0) return ReprReader(text).read();
  const auto cells = split(t, '/');
  ZCNAS_REQUIRE(cells.size() == 2,
                "DARTS arch '{}': expected the normal cell's 8 op~input tokens, '/', then the reduce cell's 8 (or a "
                "DARTS Genotype(...) repr)",
                text);
  return {parse_cell_tokens(text, "normal", cells[0]), parse_cell_tokens(text, "reduce", cells[1])};
}

std::string format_genotype(const Genotype& g) {
  std::string s;
  for (const CellGenotype* cell : {&g.normal, &g.reduce}) {
    if (!s.empty()) s += '/';
    for (int p = 0; p < kPairs; ++p) {
      const Edge& e = (*cell)[static_cast<size_t>(p)];
      s += fmt::format("{}{}~{}", p > 0 ? "," : "", op_string(e.op), e.input);
    }
  }
  return s;
}

std::string darts_repr(const Genotype& g) {
  auto cell = [](const CellGenotype& c) {
    std::vector<std::string> items;
    for (const Edge& e : c) items.push_back(fmt::format("('{}', {})", op_string(e.op), e.input));
    return fmt::format("[{}]", fmt::join(items, ", "));
  };
  return fmt::format("Genotype(normal={}, normal_concat=[{}], reduce={}, reduce_concat=[{}])", cell(g.normal),
                     fmt::join(kConcat, ", "), cell(g.reduce), fmt::join(kConcat, ", "));
}

namespace {

// Builds NetworkCIFAR's modules in forward order. Every helper takes its module's name, records the module
// outputs of that module and its children (children first, as their forward hooks fire), and hooks the inputs
// of the ReLU modules as NASWOT counts them: once per module whose type name contains "ReLU".
class Builder {
 public:
  explicit Builder(Network& net) : net_(net) {}

  // ReLU -> conv -> BN (pycls ReLUConvBN): hooked by its ReLU and by the wrapper itself.
  int relu_conv_bn(int x, int64_t out, const std::string& module) {
    const std::string op = module + ".op";
    net_.hook(x, 2, 1);
    const int r = relu(x, op + ".0");
    const int c = conv(r, out, 1, 1, 0, op + ".1");
    const int y = bn(c, op + ".2");
    output({op, module}, y);
    return y;
  }

  // ReLU, then [conv_1(x), conv_2(x shifted by one)] (1x1, stride 2, out/2 channels each) side by side, BN.
  int factorized_reduce(int x, int64_t out, const std::string& module) {
    net_.hook(x, 1, 1);
    const int r = relu(x, module + ".relu");
    const int a = conv(r, out / 2, 1, 2, 0, module + ".conv_1");
    ConvOptions shifted;
    shifted.shift = 1;
    const int b = conv(r, out / 2, 1, 2, 0, module + ".conv_2", shifted);
    const int y = bn(net_.concat({a, b}), module + ".bn");
    output({module}, y);
    return y;
  }

  int op(const Edge& e, int x, int64_t channels, int stride, const std::string& module) {
    switch (e.op) {
      case Op::MaxPool3x3:
        return output({module}, net_.max_pool3x3(x, stride));
      case Op::AvgPool3x3:
        return output({module}, net_.avg_pool3x3(x, stride));
      case Op::Skip:
        return stride == 1 ? output({module}, x) : factorized_reduce(x, channels, module);
      case Op::SepConv3x3:
        return sep_conv(x, channels, 3, stride, module);
      case Op::SepConv5x5:
        return sep_conv(x, channels, 5, stride, module);
      case Op::DilConv3x3:
        return dil_conv(x, channels, 3, stride, module);
      case Op::DilConv5x5:
        return dil_conv(x, channels, 5, stride, module);
    }
    throw Error(fmt::format("DARTS: op {} has no builder", static_cast<int>(e.op)));
  }

  int conv(int x, int64_t out, int k, int stride, int pad, const std::string& module, ConvOptions options = {}) {
    return output({module}, net_.conv(x, out, k, stride, pad, module + ".weight", options));
  }
  int bn(int x, const std::string& module) { return output({module}, net_.batch_norm(x, module)); }

  // Records that modules `names` (in hook order) return x; returns x.
  int output(std::initializer_list<std::string> names, int x) {
    for (const std::string& name : names) net_.module_output(name, x);
    return x;
  }

 private:
  int relu(int x, const std::string& module) { return output({module}, net_.relu(x)); }

  // Depthwise k x k (stride, dilation) then pointwise 1x1, the pycls ops' shared core; `first` numbers its
  // modules within op.
  int depthwise_pointwise(int x, int64_t channels, int k, int stride, int dilation, const std::string& op, int first) {
    ConvOptions depthwise;
    depthwise.groups = static_cast<int>(channels);
    depthwise.dilation = dilation;
    const int pad = dilation * (k - 1) / 2;
    const int d = conv(x, channels, k, stride, pad, fmt::format("{}.{}", op, first), depthwise);
    const int p = conv(d, channels, 1, 1, 0, fmt::format("{}.{}", op, first + 1));
    return bn(p, fmt::format("{}.{}", op, first + 2));
  }

  // ReLU, dw(stride), pw, BN, ReLU, dw, pw, BN: two ReLU modules, hooked once each.
  int sep_conv(int x, int64_t channels, int k, int stride, const std::string& module) {
    const std::string op = module + ".op";
    net_.hook(x, 1, 1);
    const int mid = depthwise_pointwise(relu(x, op + ".0"), channels, k, stride, 1, op, 1);
    net_.hook(mid, 1, 1);
    const int y = depthwise_pointwise(relu(mid, op + ".4"), channels, k, 1, 1, op, 5);
    return output({op, module}, y);
  }

  // ReLU, dw (stride, dilation 2), pw, BN.
  int dil_conv(int x, int64_t channels, int k, int stride, const std::string& module) {
    const std::string op = module + ".op";
    net_.hook(x, 1, 1);
    const int y = depthwise_pointwise(relu(x, op + ".0"), channels, k, stride, 2, op, 1);
    return output({op, module}, y);
  }

  Network& net_;
};

}  // namespace

Network build_network(const Genotype& g, const NetworkOptions& o) {
  ZCNAS_REQUIRE(o.depth >= 3,
                "DARTS depth {}: the network needs at least 3 cells (it reduces at depth/3 and 2*depth/3)", o.depth);
  ZCNAS_REQUIRE(o.width > 0 && o.num_classes > 0, "DARTS network options: width {}, num_classes {} (need both > 0)",
                o.width, o.num_classes);
  ZCNAS_REQUIRE(o.image_size > 0 && o.image_size % 4 == 0, "DARTS image size {}: two reductions need a multiple of 4",
                o.image_size);
  Network net;
  Builder b(net);
  int x = net.input(3, o.image_size, o.image_size);
  x = b.conv(x, 3 * o.width, 3, 1, 1, "stem.0");
  x = b.output({"stem"}, b.bn(x, "stem.1"));
  int64_t channels = o.width;  // C of the cell; its output has kSteps * C
  int s0 = x, s1 = x;
  bool reduction_prev = false;
  for (int i = 0; i < o.depth; ++i) {
    const bool reduction = i == o.depth / 3 || i == 2 * o.depth / 3;
    if (reduction) channels *= 2;
    const std::string cell = fmt::format("cells.{}", i);
    std::vector<int> states = {
        reduction_prev ? b.factorized_reduce(s0, channels, cell + ".preprocess0")
                       : b.relu_conv_bn(s0, channels, cell + ".preprocess0"),
        b.relu_conv_bn(s1, channels, cell + ".preprocess1"),
    };
    const CellGenotype& genes = reduction ? g.reduce : g.normal;
    for (int step = 0; step < kSteps; ++step) {
      int terms[2];
      for (int half = 0; half < 2; ++half) {
        const int p = 2 * step + half;
        const Edge& e = genes[static_cast<size_t>(p)];
        const int stride = reduction && e.input < 2 ? 2 : 1;
        terms[half] =
            b.op(e, states[static_cast<size_t>(e.input)], channels, stride, fmt::format("{}._ops.{}", cell, p));
      }
      states.push_back(net.add({terms[0], terms[1]}));
    }
    std::vector<int> parts;
    for (int k : kConcat) parts.push_back(states[static_cast<size_t>(k)]);
    s0 = s1;
    s1 = b.output({cell}, net.concat(parts));
    reduction_prev = reduction;
  }
  x = b.output({"global_pooling"}, net.global_avg_pool(s1));
  x = b.output({"classifier.classifier", "classifier", ""}, net.linear(x, o.num_classes, "classifier.classifier"));
  net.set_output(x);
  return net;
}

}  // namespace zcnas::darts
