// The NATS-Bench size search space (SPEC.md §6): 32,768 networks of one fixed NB201 cell, named by the widths of
// their five layers, `c0:c1:c2:c3:c4` with each c in 8, 16, ..., 64.
#pragma once
#include <array>
#include <cstdint>
#include <string>

#include "nn/network.hpp"

namespace zcnas::nats_sss {

constexpr int kNumLayers = 5;
constexpr int kNumWidths = 8;  // 8, 16, ..., 64
constexpr int64_t kWidthStep = 8;
constexpr int64_t kNumArchs = 32768;  // 8^5

// Layer k's output channels: cells 0, 2 and 4, ResNet blocks 1 and 3.
using Channels = std::array<int64_t, kNumLayers>;

// Parses "c0:c1:c2:c3:c4"; throws naming the string and the part that is wrong.
Channels parse_channels(const std::string& text);
std::string format_channels(const Channels& channels);

// The official index (NATS-sss-v1_0's meta_archs): sum over k of (c_k/8 - 1) * 8^(4-k), the last layer fastest.
int64_t channels_to_index(const Channels& channels);
Channels index_to_channels(int64_t index);  // throws for an index outside 0..32767

// The cell every network repeats (main-sss.py's genotype, NB201 index 9930).
constexpr const char* kCell =
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|";

struct NetworkOptions {
  int64_t num_classes = 1;  // 1 for scoring
  int64_t image_size = 32;
};

// xautodl's DynamicShapeTinyNet with the reference's parameter names; hooks as NASWOT counts them (39 tensors).
Network build_network(const Channels& channels, const NetworkOptions& options = {});

}  // namespace zcnas::nats_sss
