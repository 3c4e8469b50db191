// TinyNetwork-shaped networks: the cell's edges, the ResNet block and the head, for every space built on NB201's
// cell.
#include "spaces/nb201/tiny_network.hpp"

#include <array>
#include <string>

#include "core/error.hpp"

namespace zcnas::nb201 {
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

// xautodl's FactorizedReduce at stride 1, the skip_connect of a cell that changes width: Conv1x1, BN. Its ReLU
// module is constructed but never called, so nothing is hooked.
int factorized_reduce(Network& net, int x, int64_t out_channels, const std::string& module) {
  const int c = net.conv(x, out_channels, 1, 1, 0, module + ".conv.weight");
  net.module_output(module + ".conv", c);
  const int y = net.batch_norm(c, module + ".bn");
  for (const std::string& name : {module + ".bn", module}) net.module_output(name, y);
  return y;
}

// Edge e's term of its node sum, or -1 for `none`. Edges from node 0 map in_channels to out_channels.
int edge_term(Network& net, int in, Op op, int64_t in_channels, int64_t out_channels, const std::string& edge) {
  const bool widening = in_channels != out_channels;
  ZCNAS_REQUIRE(!widening || op == Op::Skip || op == Op::Conv1x1 || op == Op::Conv3x3,
                "'{}': a cell of {} -> {} channels builds no {} edge from its input", edge, in_channels, out_channels,
                op_string(op));
  switch (op) {
    case Op::None:  // the Zero module's output: exact zeros, which the sum leaves out
      net.module_output(edge, net.zero_like(in));
      return -1;
    case Op::Skip:
      if (widening) return factorized_reduce(net, in, out_channels, edge);
      net.module_output(edge, in);
      return in;
    case Op::Conv1x1:
      return relu_conv_bn(net, in, out_channels, 1, 1, edge);
    case Op::Conv3x3:
      return relu_conv_bn(net, in, out_channels, 3, 1, edge);
    case Op::AvgPool3x3: {
      const int pooled = net.avg_pool3x3(in);
      for (const std::string& name : {edge + ".op", edge}) net.module_output(name, pooled);
      return pooled;
    }
  }
  throw Error(fmt::format("'{}': unknown op {}", edge, static_cast<int>(op)));
}

int cell(Network& net, int x, const Arch& arch, int64_t out_channels, int index) {
  const int64_t in_channels = net.node(x).channels;
  std::array<int, 4> nodes = {x, -1, -1, -1};
  for (int to = 1; to <= 3; ++to) {
    std::vector<int> terms;
    for (int e = 0; e < kNumEdges; ++e) {
      if (kEdgeTo[static_cast<size_t>(e)] != to) continue;
      const int from = kEdgeFrom[static_cast<size_t>(e)];
      const int term =
          edge_term(net, nodes[static_cast<size_t>(from)], arch[static_cast<size_t>(e)],
                    from == 0 ? in_channels : out_channels, out_channels, fmt::format("cells.{}.layers.{}", index, e));
      if (term >= 0) terms.push_back(term);
    }
    nodes[static_cast<size_t>(to)] = terms.empty() ? net.zero_like(x) : net.add(terms);
  }
  net.module_output(fmt::format("cells.{}", index), nodes[3]);
  return nodes[3];
}

// ResNetBasicblock of stride 2: its downsample branch is there whatever the widths.
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

Network build_tiny_network(const Arch& arch, const TinyNetworkShape& shape) {
  ZCNAS_REQUIRE(shape.stem_channels > 0 && shape.num_classes > 0, "stem of {} channels, {} classes (need both > 0)",
                shape.stem_channels, shape.num_classes);
  int64_t side = shape.image_size;
  for (const TinyLayer& layer : shape.layers) {
    ZCNAS_REQUIRE(layer.channels > 0, "a layer of {} channels", layer.channels);
    if (layer.reduction) {
      ZCNAS_REQUIRE(side % 2 == 0 && side > 0, "image size {} does not halve at every ResNet block", shape.image_size);
      side /= 2;
    }
  }
  ZCNAS_REQUIRE(side > 0, "image size {}", shape.image_size);
  Network net;
  int x = net.input(3, shape.image_size, shape.image_size);
  x = net.conv(x, shape.stem_channels, 3, 1, 1, "stem.0.weight");
  net.module_output("stem.0", x);
  x = net.batch_norm(x, "stem.1");
  for (const char* name : {"stem.1", "stem"}) net.module_output(name, x);
  for (size_t i = 0; i < shape.layers.size(); ++i) {
    const TinyLayer& layer = shape.layers[i];
    x = layer.reduction ? resnet_block(net, x, layer.channels, static_cast<int>(i))
                        : cell(net, x, arch, layer.channels, static_cast<int>(i));
  }
  x = net.batch_norm(x, "lastact.0");
  net.module_output("lastact.0", x);
  net.hook(x, 1, 1);  // the lastact ReLU's input; its output is a ReLU tensor too
  x = net.relu(x);
  for (const char* name : {"lastact.1", "lastact"}) net.module_output(name, x);
  x = net.global_avg_pool(x);
  net.module_output("global_pooling", x);
  x = net.linear(x, shape.num_classes, "classifier");
  for (const char* name : {"classifier", ""}) net.module_output(name, x);
  net.set_output(x);
  return net;
}

}  // namespace zcnas::nb201
