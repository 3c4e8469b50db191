// NAS-Bench-101 networks: vertex channels, cells and the stacked network (SPEC.md §5).
#include "spaces/nb101/nb101_network.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.hpp"

namespace zcnas::nb101 {

std::vector<int64_t> vertex_channels(const Cell& pruned, int64_t in, int64_t out) {
  const int V = pruned.vertices, output = V - 1;
  std::vector<int64_t> ch(static_cast<size_t>(V), 0);
  ch.front() = in;
  ch.back() = out;
  if (V == 2) return ch;
  int64_t feeding = 0;
  for (int v = 1; v < output; ++v) feeding += pruned.has_edge(v, output);
  ZCNAS_REQUIRE(feeding > 0, "NB101 cell {}: no interior vertex feeds the output (is it pruned?)", format_cell(pruned));
  const int64_t base = out / feeding;
  int64_t extra = out % feeding;
  for (int v = 1; v < output; ++v)
    if (pruned.has_edge(v, output)) ch[static_cast<size_t>(v)] = base + (extra-- > 0 ? 1 : 0);
  for (int v = V - 3; v >= 1; --v) {
    if (pruned.has_edge(v, output)) continue;
    for (int d = v + 1; d < output; ++d)
      if (pruned.has_edge(v, d))
        ch[static_cast<size_t>(v)] = std::max(ch[static_cast<size_t>(v)], ch[static_cast<size_t>(d)]);
  }
  for (int v = 1; v < output; ++v)
    ZCNAS_REQUIRE(ch[static_cast<size_t>(v)] > 0, "NB101 cell {}: vertex {} gets no channels from {} output channels",
                  format_cell(pruned), v, out);
  return ch;
}

namespace {

// ConvBnRelu (Conv2d without bias, BatchNorm2d, ReLU) named `prefix`.conv_bn_relu.{0,1,2}, with the
// reference's weight law. Returns the ReLU's output; the ReLU's input is hooked.
int conv_bn_relu(Network& net, int x, int64_t channels, int kernel, const std::string& prefix) {
  const std::string seq = prefix + ".conv_bn_relu";
  const int c = net.conv(x, channels, kernel, 1, kernel / 2, seq + ".0.weight");
  // _initialize_weights: N(0, 2 / (k * k * C_out)).
  net.set_param_init(seq + ".0.weight", ParamInit::Normal,
                     std::sqrt(2.0 / static_cast<double>(kernel * kernel * channels)));
  net.module_output(seq + ".0", c);
  const int b = net.batch_norm(c, seq + ".1");
  net.module_output(seq + ".1", b);
  net.hook(b, 1, 1);  // nn.ReLU's input; NASWOT counts it once
  const int r = net.relu(b);
  for (const std::string& name : {seq + ".2", seq, prefix}) net.module_output(name, r);
  return r;
}

// Cell `prefix` (layers.L) of a pruned cell from x (`in` channels) to `out` channels, as the reference's
// Cell.forward computes it, module outputs in the order their hooks fire.
int cell(Network& net, int x, const Cell& pruned, int64_t in, int64_t out, const std::string& prefix) {
  const int V = pruned.vertices, output = V - 1;
  const std::vector<int64_t> ch = vertex_channels(pruned, in, out);
  auto projection = [&](int t) {
    return conv_bn_relu(net, x, ch[static_cast<size_t>(t)], 1, prefix + ".input_op." + std::to_string(t));
  };
  std::vector<int> vertex(static_cast<size_t>(V), -1);
  vertex[0] = x;
  std::vector<int> concat;
  for (int t = 1; t < output; ++t) {
    const int64_t channels = ch[static_cast<size_t>(t)];
    // Truncated interior inputs in ascending order, then the projection: the reference's sum(fan_in).
    std::vector<int> fan_in;
    for (int s = 1; s < t; ++s)
      if (pruned.has_edge(s, t)) fan_in.push_back(net.truncate(vertex[static_cast<size_t>(s)], channels));
    if (pruned.has_edge(0, t)) fan_in.push_back(projection(t));
    const int sum = net.add(fan_in);
    const std::string op = prefix + ".vertex_op." + std::to_string(t);
    int y = -1;
    switch (pruned.ops[static_cast<size_t>(t)]) {
      case Op::Conv3x3:
        y = conv_bn_relu(net, sum, channels, 3, op + ".conv3x3");
        break;
      case Op::Conv1x1:
        y = conv_bn_relu(net, sum, channels, 1, op + ".conv1x1");
        break;
      case Op::MaxPool3x3:
        y = net.max_pool3x3(sum);
        net.module_output(op + ".maxpool", y);
        break;
    }
    net.module_output(op, y);
    vertex[static_cast<size_t>(t)] = y;
    if (pruned.has_edge(t, output)) concat.push_back(y);
  }
  int y = -1;
  if (concat.empty()) {
    y = projection(output);  // V == 2: input -> output only
  } else {
    y = net.concat(concat);
    // The reference adds in place; the network as defined adds out of place (SPEC.md §5 "Reference crash").
    if (pruned.has_edge(0, output)) y = net.add({y, projection(output)});
  }
  net.module_output(prefix, y);
  return y;
}

}  // namespace

Network build_network(const Cell& pruned, const NetworkOptions& options) {
  ZCNAS_REQUIRE(
      options.stem_channels > 0 && options.stacks > 0 && options.cells_per_stack >= 0 && options.num_classes > 0,
      "NB101 network options: stem channels {}, {} stacks of {} cells, {} classes (need > 0, > 0, >= 0, > 0)",
      options.stem_channels, options.stacks, options.cells_per_stack, options.num_classes);
  const int64_t reduce = int64_t{1} << (options.stacks - 1);
  ZCNAS_REQUIRE(options.image_size > 0 && options.image_size % reduce == 0,
                "NB101 image size {} must be a positive multiple of {} ({} stacks)", options.image_size, reduce,
                options.stacks);
  Network net;
  int x = net.input(3, options.image_size, options.image_size);
  x = conv_bn_relu(net, x, options.stem_channels, 3, "layers.0");
  int64_t channels = options.stem_channels, in = channels;
  int layer = 1;
  for (int stack = 0; stack < options.stacks; ++stack) {
    if (stack > 0) {
      x = net.max_pool2x2(x);
      net.module_output("layers." + std::to_string(layer++), x);
      channels *= 2;
    }
    for (int c = 0; c < options.cells_per_stack; ++c) {
      x = cell(net, x, pruned, in, channels, "layers." + std::to_string(layer++));
      in = channels;
    }
  }
  x = net.global_avg_pool(x);  // torch.mean(x, (2, 3)): no module
  x = net.linear(x, options.num_classes, "classifier");
  net.set_param_init("classifier.weight", ParamInit::Normal, 0.01);
  net.set_param_init("classifier.bias", ParamInit::Zeros);
  for (const char* name : {"classifier", ""}) net.module_output(name, x);
  net.set_output(x);
  return net;
}

}  // namespace zcnas::nb101
