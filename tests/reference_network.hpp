// A Network run straight from its definition (nn/network.hpp), node by node, sample-major, convolutions and
// linear layers accumulated in double: no plan, no fusion, no device. The executors are checked against it.
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/tensor.hpp"
#include "nn/network.hpp"
#include "nn/params.hpp"

namespace zcnas::test {

struct ReferenceForward {
  Tensor output;                           // [B, C, H, W]
  std::vector<int64_t> K;                  // [B][B]: agreements of the hooked tensors' sign codes, with multiplicity
  std::vector<std::vector<float>> values;  // every node's value, [B, C, H, W]
};

inline ReferenceForward reference_forward(const Network& net, const ParamStore& params, const Tensor& input) {
  const int64_t B = input.shape[0];
  std::vector<std::vector<float>> v(net.nodes().size());
  auto P = [&](const std::string& name) { return params.at(name).data.data(); };
  for (size_t id = 0; id < net.nodes().size(); ++id) {
    const Node& n = net.nodes()[id];
    const int64_t units = n.channels * n.height * n.width, hw = n.height * n.width;
    std::vector<float> y(static_cast<size_t>(B * units), 0.0f);
    auto in = [&](size_t k) -> const std::vector<float>& { return v[static_cast<size_t>(n.inputs[k])]; };
    auto src = [&]() -> const Node& { return net.node(n.inputs[0]); };
    switch (n.op) {
      case OpKind::Input:
        y = input.data;
        break;
      case OpKind::Conv: {
        // Output channel co of group g = co / (Cout / groups) reads input channels g * Cin/groups + [0, Cin/groups).
        const Node& s = src();
        const float* w = P(n.weight);
        const int64_t group_in = s.channels / n.groups, group_out = n.channels / n.groups;
        for (int64_t b = 0; b < B; ++b)
          for (int64_t co = 0; co < n.channels; ++co)
            for (int64_t oy = 0; oy < n.height; ++oy)
              for (int64_t ox = 0; ox < n.width; ++ox) {
                double acc = 0.0;
                for (int64_t j = 0; j < group_in; ++j)
                  for (int ky = 0; ky < n.kernel; ++ky)
                    for (int kx = 0; kx < n.kernel; ++kx) {
                      const int64_t ci = co / group_out * group_in + j;
                      const int64_t iy = oy * n.stride - n.pad + ky * n.dilation + n.shift;
                      const int64_t ix = ox * n.stride - n.pad + kx * n.dilation + n.shift;
                      if (iy < 0 || iy >= s.height || ix < 0 || ix >= s.width) continue;
                      acc += static_cast<double>(
                                 in(0)[static_cast<size_t>(((b * s.channels + ci) * s.height + iy) * s.width + ix)]) *
                             w[((co * group_in + j) * n.kernel + ky) * n.kernel + kx];
                    }
                y[static_cast<size_t>(((b * n.channels + co) * n.height + oy) * n.width + ox)] =
                    static_cast<float>(acc);
              }
        break;
      }
      case OpKind::BatchNorm: {
        const float *g = P(n.weight), *bt = P(n.bias);
        for (int64_t c = 0; c < n.channels; ++c) {
          double sum = 0, sq = 0;
          for (int64_t b = 0; b < B; ++b)
            for (int64_t s = 0; s < hw; ++s) sum += in(0)[static_cast<size_t>((b * n.channels + c) * hw + s)];
          const double mean = sum / static_cast<double>(B * hw);
          for (int64_t b = 0; b < B; ++b)
            for (int64_t s = 0; s < hw; ++s) {
              const double d = in(0)[static_cast<size_t>((b * n.channels + c) * hw + s)] - mean;
              sq += d * d;
            }
          const double invstd = 1.0 / std::sqrt(sq / static_cast<double>(B * hw) + kBatchNormEps);
          for (int64_t b = 0; b < B; ++b)
            for (int64_t s = 0; s < hw; ++s) {
              const size_t i = static_cast<size_t>((b * n.channels + c) * hw + s);
              y[i] = static_cast<float>((in(0)[i] - mean) * invstd * g[c] + bt[c]);
            }
        }
        break;
      }
      case OpKind::Relu:
        for (size_t i = 0; i < y.size(); ++i) y[i] = std::max(in(0)[i], 0.0f);
        break;
      case OpKind::Add:
        for (size_t k = 0; k < n.inputs.size(); ++k)
          for (size_t i = 0; i < y.size(); ++i) y[i] += in(k)[i];
        break;
      case OpKind::Zero:
        break;
      case OpKind::AvgPool3x3:
      case OpKind::MaxPool3x3: {
        // The 3x3 window centred on input (oy * stride, ox * stride), padding left out: its mean over the values
        // inside (count_include_pad = False), or its maximum.
        const Node& s = src();
        const int64_t area = s.height * s.width;
        for (int64_t p = 0; p < B * n.channels; ++p)
          for (int64_t oy = 0; oy < n.height; ++oy)
            for (int64_t ox = 0; ox < n.width; ++ox) {
              double sum = 0;
              float m = -INFINITY;
              int count = 0;
              for (int64_t iy = oy * n.stride - 1; iy <= oy * n.stride + 1; ++iy)
                for (int64_t ix = ox * n.stride - 1; ix <= ox * n.stride + 1; ++ix) {
                  if (iy < 0 || iy >= s.height || ix < 0 || ix >= s.width) continue;
                  const float x = in(0)[static_cast<size_t>(p * area + iy * s.width + ix)];
                  sum += x;
                  m = std::max(m, x);
                  ++count;
                }
              y[static_cast<size_t>(p * hw + oy * n.width + ox)] =
                  n.op == OpKind::AvgPool3x3 ? static_cast<float>(sum / count) : m;
            }
        break;
      }
      case OpKind::MaxPool2x2: {
        const Node& s = src();
        for (int64_t p = 0; p < B * n.channels; ++p)
          for (int64_t oy = 0; oy < n.height; ++oy)
            for (int64_t ox = 0; ox < n.width; ++ox) {
              const float* q = in(0).data() + p * s.height * s.width + 2 * oy * s.width + 2 * ox;
              y[static_cast<size_t>(p * hw + oy * n.width + ox)] = std::max({q[0], q[1], q[s.width], q[s.width + 1]});
            }
        break;
      }
      case OpKind::Truncate: {
        const int64_t from = src().channels * hw;
        for (int64_t b = 0; b < B; ++b) std::copy_n(in(0).begin() + b * from, units, y.begin() + b * units);
        break;
      }
      case OpKind::Concat: {
        int64_t offset = 0;
        for (size_t k = 0; k < n.inputs.size(); ++k) {
          const int64_t part = net.units(n.inputs[k]);
          for (int64_t b = 0; b < B; ++b) std::copy_n(in(k).begin() + b * part, part, y.begin() + b * units + offset);
          offset += part;
        }
        break;
      }
      case OpKind::AvgPool2x2: {
        const Node& s = src();
        for (int64_t p = 0; p < B * n.channels; ++p)
          for (int64_t oy = 0; oy < n.height; ++oy)
            for (int64_t ox = 0; ox < n.width; ++ox) {
              const float* q = in(0).data() + p * s.height * s.width + 2 * oy * s.width + 2 * ox;
              y[static_cast<size_t>(p * hw + oy * n.width + ox)] = (q[0] + q[1] + q[s.width] + q[s.width + 1]) / 4.0f;
            }
        break;
      }
      case OpKind::GlobalAvgPool: {
        const int64_t area = src().height * src().width;
        for (int64_t p = 0; p < B * n.channels; ++p) {
          double sum = 0;
          for (int64_t s = 0; s < area; ++s) sum += in(0)[static_cast<size_t>(p * area + s)];
          y[static_cast<size_t>(p)] = static_cast<float>(sum / static_cast<double>(area));
        }
        break;
      }
      case OpKind::Linear: {
        const int64_t cin = src().channels;
        const float *w = P(n.weight), *bias = P(n.bias);
        for (int64_t b = 0; b < B; ++b)
          for (int64_t o = 0; o < n.channels; ++o) {
            double acc = bias[o];
            for (int64_t c = 0; c < cin; ++c)
              acc += static_cast<double>(w[o * cin + c]) * in(0)[static_cast<size_t>(b * cin + c)];
            y[static_cast<size_t>(b * n.channels + o)] = static_cast<float>(acc);
          }
        break;
      }
    }
    v[id] = std::move(y);
  }
  ReferenceForward r;
  const Node& o = net.node(net.output());
  r.output = Tensor({B, o.channels, o.height, o.width});
  r.output.data = v[static_cast<size_t>(net.output())];
  r.K.assign(static_cast<size_t>(B * B), 0);
  for (const Hook& h : net.hooks()) {
    const auto& x = v[static_cast<size_t>(h.node)];
    const int64_t units = net.units(h.node);
    for (int64_t i = 0; i < B; ++i)
      for (int64_t j = 0; j < B; ++j) {
        int64_t agree = 0;
        for (int64_t u = 0; u < units; ++u)
          agree += (x[static_cast<size_t>(i * units + u)] > 0.0f) == (x[static_cast<size_t>(j * units + u)] > 0.0f);
        r.K[static_cast<size_t>(i * B + j)] += h.multiplicity * agree;
      }
  }
  r.values = std::move(v);
  return r;
}

}  // namespace zcnas::test
