// The networks around NB201's cell (SPEC.md §1, §6), xautodl's TinyNetwork and DynamicShapeTinyNet: a stem, then
// layers that are each a cell (every one the same arch) or a ResNet block that halves the resolution, each with
// its own width, then lastact, global pooling and the classifier. NB201 widens per stage; NATS-SSS sets every
// layer's width.
#pragma once
#include <cstdint>
#include <vector>

#include "nn/network.hpp"
#include "spaces/nb201/nb201.hpp"

namespace zcnas::nb201 {

struct TinyLayer {
  bool reduction = false;  // a ResNet block of stride 2, else a cell
  int64_t channels = 0;    // output channels
};

struct TinyNetworkShape {
  int64_t stem_channels = 0;
  std::vector<TinyLayer> layers;  // named cells.0, cells.1, ... in order
  int64_t num_classes = 1;
  int64_t image_size = 32;
};

// The network with the reference's parameter names (SPEC.md §1, §6), hooks as NASWOT counts them and module
// outputs in the order the reference's forward hooks fire. A cell whose width changes (C_in != C_out) maps the
// edges from node 0 to C_out: a conv does, skip_connect becomes xautodl's FactorizedReduce of stride 1 (Conv1x1,
// BN; its ReLU never runs); none and avg_pool_3x3 from node 0 are refused there (no space builds them).
Network build_tiny_network(const Arch& cell, const TinyNetworkShape& shape);

}  // namespace zcnas::nb201
