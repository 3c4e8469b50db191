// Network description builder.
#include "nn/network.hpp"

#include <cmath>

namespace zcnas {

const char* op_name(OpKind op) {
  switch (op) {
    case OpKind::Input: return "input";
    case OpKind::Conv: return "conv";
    case OpKind::BatchNorm: return "batch_norm";
    case OpKind::Relu: return "relu";
    case OpKind::Add: return "add";
    case OpKind::Zero: return "zero";
    case OpKind::AvgPool3x3: return "avg_pool3x3";
    case OpKind::MaxPool3x3:
      return "max_pool3x3";
    case OpKind::AvgPool2x2: return "avg_pool2x2";
    case OpKind::MaxPool2x2:
      return "max_pool2x2";
    case OpKind::GlobalAvgPool: return "global_avg_pool";
    case OpKind::Linear: return "linear";
    case OpKind::Truncate:
      return "truncate";
    case OpKind::Concat:
      return "concat";
  }
  return "?";
}

namespace {

// A node of x's per-sample shape and nothing else of x's (no parameters, kernel settings or inputs).
Node shaped_like(const Node& x, OpKind op) {
  Node n;
  n.op = op;
  n.channels = x.channels;
  n.height = x.height;
  n.width = x.width;
  return n;
}

}  // namespace

int Network::push(Node n) {
  for (int in : n.inputs)
    ZCNAS_REQUIRE(in >= 0 && in < static_cast<int>(nodes_.size()), "{} node reads node {}, which does not exist",
                  op_name(n.op), in);
  nodes_.push_back(std::move(n));
  relu_of_.push_back(-1);
  return static_cast<int>(nodes_.size()) - 1;
}

void Network::add_param(const std::string& name, Shape shape, ParamRole role, ParamInit init, double bound) {
  for (const auto& p : params_) ZCNAS_REQUIRE(p.name != name, "parameter '{}' is declared twice", name);
  params_.push_back({name, std::move(shape), role, init, bound});
}

int Network::input(int64_t channels, int64_t height, int64_t width) {
  Node n;
  n.op = OpKind::Input;
  n.channels = channels;
  n.height = height;
  n.width = width;
  return push(n);
}

int Network::conv(int x, int64_t out_channels, int kernel, int stride, int pad, const std::string& weight,
                  const ConvOptions& options) {
  const Node& in = node(x);
  const int dilation = options.dilation, groups = options.groups, shift = options.shift;
  ZCNAS_REQUIRE(kernel > 0 && stride > 0 && pad >= 0 && dilation > 0 && groups > 0 && shift >= 0,
                "conv '{}': kernel {}, stride {}, pad {}, dilation {}, groups {}, shift {}", weight, kernel, stride,
                pad, dilation, groups, shift);
  ZCNAS_REQUIRE(in.channels % groups == 0 && out_channels % groups == 0,
                "conv '{}': {} groups do not divide {} input and {} output channels", weight, groups, in.channels,
                out_channels);
  Node n;
  n.op = OpKind::Conv;
  n.inputs = {x};
  n.kernel = kernel;
  n.stride = stride;
  n.pad = pad;
  n.dilation = dilation;
  n.groups = groups;
  n.shift = shift;
  n.channels = out_channels;
  const int64_t span = static_cast<int64_t>(dilation) * (kernel - 1) + 1;
  n.height = (in.height + 2 * pad - span) / stride + 1;
  n.width = (in.width + 2 * pad - span) / stride + 1;
  ZCNAS_REQUIRE(n.height > 0 && n.width > 0, "conv '{}' of a {}x{} input gives an empty output", weight, in.height,
                in.width);
  if (shift > 0) {
    // The last output row and column must read inside the input, so the shift never reads its zero fill.
    ZCNAS_REQUIRE(pad == 0 && (n.height - 1) * stride + span - 1 + shift < in.height &&
                      (n.width - 1) * stride + span - 1 + shift < in.width,
                  "conv '{}': shift {} of a {}x{} input with pad {} reads past the input's edge", weight, shift,
                  in.height, in.width, pad);
  }
  n.weight = weight;
  const int64_t fan_in = in.channels / groups * kernel * kernel;
  add_param(weight, {out_channels, in.channels / groups, kernel, kernel}, ParamRole::Weight, ParamInit::Uniform,
            1.0 / std::sqrt(static_cast<double>(fan_in)));
  return push(n);
}

int Network::batch_norm(int x, const std::string& prefix) {
  Node n = shaped_like(node(x), OpKind::BatchNorm);
  n.inputs = {x};
  n.weight = prefix + ".weight";
  n.bias = prefix + ".bias";
  add_param(n.weight, {n.channels}, ParamRole::Weight, ParamInit::Ones, 0.0);
  add_param(n.bias, {n.channels}, ParamRole::Bias, ParamInit::Zeros, 0.0);
  return push(n);
}

int Network::relu(int x) {
  if (relu_of_.at(static_cast<size_t>(x)) >= 0) return relu_of_[static_cast<size_t>(x)];
  Node n = shaped_like(node(x), OpKind::Relu);
  n.inputs = {x};
  const int id = push(n);
  relu_of_[static_cast<size_t>(x)] = id;
  return id;
}

int Network::add(const std::vector<int>& xs) {
  ZCNAS_REQUIRE(!xs.empty(), "add needs at least one input");
  if (xs.size() == 1) return xs[0];
  const Node& first = node(xs[0]);
  for (int x : xs) {
    const Node& o = node(x);
    ZCNAS_REQUIRE(o.channels == first.channels && o.height == first.height && o.width == first.width,
                  "add of mismatched shapes [{}, {}, {}] and [{}, {}, {}]", first.channels, first.height, first.width,
                  o.channels, o.height, o.width);
  }
  Node n;
  n.op = OpKind::Add;
  n.inputs = xs;
  n.channels = first.channels;
  n.height = first.height;
  n.width = first.width;
  return push(n);
}

int Network::zero_like(int x) { return push(shaped_like(node(x), OpKind::Zero)); }

// A parameter-free op of one input with the input's shape, or its height and width halved.
int Network::same_shape_op(int x, OpKind op, bool halve) {
  Node n = shaped_like(node(x), op);
  n.inputs = {x};
  if (halve) {
    n.height /= 2;
    n.width /= 2;
    ZCNAS_REQUIRE(n.height > 0 && n.width > 0, "{} of a {}x{} input gives an empty output", op_name(op), node(x).height,
                  node(x).width);
  }
  return push(n);
}

int Network::pool3x3(int x, OpKind op, int stride) {
  ZCNAS_REQUIRE(stride == 1 || stride == 2, "{} with stride {}: only 1 and 2 are supported", op_name(op), stride);
  const int id = same_shape_op(x, op, false);
  Node& n = nodes_[static_cast<size_t>(id)];
  n.stride = stride;
  n.height = (n.height - 1) / stride + 1;
  n.width = (n.width - 1) / stride + 1;
  return id;
}

int Network::avg_pool3x3(int x, int stride) { return pool3x3(x, OpKind::AvgPool3x3, stride); }
int Network::max_pool3x3(int x, int stride) { return pool3x3(x, OpKind::MaxPool3x3, stride); }
int Network::avg_pool2x2(int x) { return same_shape_op(x, OpKind::AvgPool2x2, true); }
int Network::max_pool2x2(int x) { return same_shape_op(x, OpKind::MaxPool2x2, true); }

int Network::truncate(int x, int64_t channels) {
  const int64_t have = node(x).channels;
  ZCNAS_REQUIRE(channels > 0 && channels <= have, "truncate node {} to {} channels: it has {}", x, channels, have);
  if (channels == have) return x;
  const int id = same_shape_op(x, OpKind::Truncate, false);
  nodes_[static_cast<size_t>(id)].channels = channels;
  return id;
}

int Network::concat(const std::vector<int>& xs) {
  ZCNAS_REQUIRE(!xs.empty(), "concat needs at least one input");
  if (xs.size() == 1) return xs[0];
  const Node& first = node(xs[0]);
  int64_t channels = 0;
  for (int x : xs) {
    const Node& o = node(x);
    ZCNAS_REQUIRE(o.height == first.height && o.width == first.width, "concat of mismatched sizes {}x{} and {}x{}",
                  first.height, first.width, o.height, o.width);
    channels += o.channels;
  }
  Node n;
  n.op = OpKind::Concat;
  n.inputs = xs;
  n.channels = channels;
  n.height = first.height;
  n.width = first.width;
  return push(n);
}

int Network::global_avg_pool(int x) {
  Node n = shaped_like(node(x), OpKind::GlobalAvgPool);
  n.inputs = {x};
  n.height = n.width = 1;
  return push(n);
}

int Network::linear(int x, int64_t out_features, const std::string& prefix) {
  const Node& in = node(x);
  ZCNAS_REQUIRE(in.height == 1 && in.width == 1, "linear '{}' needs a pooled input, got {}x{}", prefix, in.height,
                in.width);
  Node n;
  n.op = OpKind::Linear;
  n.inputs = {x};
  n.channels = out_features;
  n.height = n.width = 1;
  n.weight = prefix + ".weight";
  n.bias = prefix + ".bias";
  const double bound = 1.0 / std::sqrt(static_cast<double>(in.channels));
  add_param(n.weight, {out_features, in.channels}, ParamRole::Weight, ParamInit::Uniform, bound);
  add_param(n.bias, {out_features}, ParamRole::Bias, ParamInit::Uniform, bound);
  return push(n);
}

void Network::set_param_init(const std::string& name, ParamInit init, double std) {
  for (auto& p : params_) {
    if (p.name != name) continue;
    ZCNAS_REQUIRE(init != ParamInit::Normal || std > 0.0, "parameter '{}': normal init needs std > 0, got {}", name,
                  std);
    p.init = init;
    p.std = std;
    return;
  }
  throw Error(fmt::format("set_param_init: no parameter '{}'", name));
}

void Network::hook(int x, int multiplicity, int relu_modules) {
  node(x);  // range check
  ZCNAS_REQUIRE(multiplicity >= 0 && relu_modules >= 0, "hook of node {}: multiplicity {} and relu_modules {}", x,
                multiplicity, relu_modules);
  for (auto& h : hooks_) {
    if (h.node == x) {
      h.multiplicity += multiplicity;
      h.relu_modules += relu_modules;
      return;
    }
  }
  hooks_.push_back({x, multiplicity, relu_modules});
}

void Network::set_output(int x) {
  node(x);
  output_ = x;
}

void Network::module_output(const std::string& name, int x) {
  ZCNAS_REQUIRE(x >= 0 && x < static_cast<int>(nodes_.size()), "module '{}' returns node {}, which does not exist",
                name, x);
  module_outputs_.push_back({name, x});
}

int64_t Network::units(int x) const {
  const Node& n = node(x);
  return n.channels * n.height * n.width;
}

int64_t Network::hooked_tensors() const {
  int64_t total = 0;
  for (const auto& h : hooks_) total += h.multiplicity;
  return total;
}

int64_t Network::hooked_units() const {
  int64_t total = 0;
  for (const auto& h : hooks_) total += h.multiplicity * units(h.node);
  return total;
}

int64_t Network::relu_tensors() const {
  int64_t total = 0;
  for (const auto& h : hooks_) total += h.relu_modules;
  return total;
}

int64_t Network::relu_units() const {
  int64_t total = 0;
  for (const auto& h : hooks_) total += h.relu_modules * units(h.node);
  return total;
}

int64_t Network::parameter_count() const {
  int64_t total = 0;
  for (const auto& p : params_) total += shape_numel(p.shape);
  return total;
}

int64_t Network::multiply_adds() const {
  int64_t total = 0;
  for (const auto& n : nodes_) {
    if (n.op == OpKind::Conv) {
      const Node& in = node(n.inputs[0]);
      total += n.channels * n.height * n.width * (in.channels / n.groups) * n.kernel * n.kernel;
    } else if (n.op == OpKind::Linear) {
      total += n.channels * node(n.inputs[0]).channels;
    }
  }
  return total;
}

}  // namespace zcnas
