// The network NASWOT builds for a NAS-Bench-101 cell (SPEC.md §5): a ConvBnRelu stem, stacks of cells with
// 2x2 max-pools between them, the mean over H and W and a linear head; parameter names as the reference
// state_dict has them, its weight law, and hooks on every nn.ReLU's input (each ConvBnRelu counted once).
#pragma once
#include <cstdint>
#include <vector>

#include "nn/network.hpp"
#include "spaces/nb101/nb101_cell.hpp"

namespace zcnas::nb101 {

struct NetworkOptions {
  int64_t stem_channels = 16;  // the benchmark's trained networks: 128
  int stacks = 3;
  int cells_per_stack = 3;
  int64_t num_classes = 1;  // NASWOT scores with one output; the benchmark trained 10
  int64_t image_size = 32;
};

// Channels of every vertex of a pruned cell with `in` input and `out` output channels: the output's channels
// split among the vertices that feed it (the first ones get one more when it does not divide), every other
// interior vertex as many as the widest vertex it feeds.
std::vector<int64_t> vertex_channels(const Cell& pruned, int64_t in, int64_t out);

// The network of a pruned, valid cell; throws naming the options when they cannot build one.
Network build_network(const Cell& pruned, const NetworkOptions& options);

}  // namespace zcnas::nb101
