// NATS-Bench size space: channel strings, the index order and the network (SPEC.md §6).
#include "spaces/nats_sss/nats_sss.hpp"

#include <charconv>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "spaces/nb201/nb201.hpp"
#include "spaces/nb201/tiny_network.hpp"

namespace zcnas::nats_sss {
namespace {

constexpr const char* kWidthsText = "8, 16, ..., 64";

std::optional<std::string> width_error(int layer, int64_t width) {
  if (width % kWidthStep == 0 && width >= kWidthStep && width <= kNumWidths * kWidthStep) return std::nullopt;
  return fmt::format("channel {} is {}, not one of {}", layer + 1, width, kWidthsText);
}

void check_channels(const Channels& channels) {
  for (int k = 0; k < kNumLayers; ++k)
    if (auto error = width_error(k, channels[static_cast<size_t>(k)]))
      throw Error(fmt::format("NATS-SSS channels {}: {}", format_channels(channels), *error));
}

}  // namespace

Channels parse_channels(const std::string& text) {
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    const size_t colon = text.find(':', start);
    parts.push_back(text.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  ZCNAS_REQUIRE(parts.size() == kNumLayers, "NATS-SSS arch '{}': {} parts separated by ':', need {} (c0:c1:c2:c3:c4)",
                text, parts.size(), kNumLayers);
  Channels channels{};
  for (int k = 0; k < kNumLayers; ++k) {
    const std::string& part = parts[static_cast<size_t>(k)];
    int64_t width = 0;
    const char* end = part.data() + part.size();
    const auto parsed = std::from_chars(part.data(), end, width);
    ZCNAS_REQUIRE(!part.empty() && parsed.ec == std::errc() && parsed.ptr == end,
                  "NATS-SSS arch '{}': channel {} is '{}', not a number", text, k + 1, part);
    if (auto error = width_error(k, width)) throw Error(fmt::format("NATS-SSS arch '{}': {}", text, *error));
    channels[static_cast<size_t>(k)] = width;
  }
  return channels;
}

std::string format_channels(const Channels& channels) {
  std::string s;
  for (int64_t c : channels) s += (s.empty() ? "" : ":") + std::to_string(c);
  return s;
}

int64_t channels_to_index(const Channels& channels) {
  check_channels(channels);
  int64_t index = 0;
  for (int64_t c : channels) index = index * kNumWidths + (c / kWidthStep - 1);
  return index;
}

Channels index_to_channels(int64_t index) {
  ZCNAS_REQUIRE(index >= 0 && index < kNumArchs, "NATS-SSS index {} is outside 0..{}", index, kNumArchs - 1);
  Channels channels{};
  for (int k = kNumLayers - 1; k >= 0; --k, index /= kNumWidths)
    channels[static_cast<size_t>(k)] = (index % kNumWidths + 1) * kWidthStep;
  return channels;
}

Network build_network(const Channels& channels, const NetworkOptions& options) {
  check_channels(channels);
  static const nb201::Arch cell = nb201::parse_arch(kCell);
  nb201::TinyNetworkShape shape;
  shape.stem_channels = channels[0];
  for (int k = 0; k < kNumLayers; ++k) shape.layers.push_back({k % 2 == 1, channels[static_cast<size_t>(k)]});
  shape.num_classes = options.num_classes;
  shape.image_size = options.image_size;
  return nb201::build_tiny_network(cell, shape);
}

}  // namespace zcnas::nats_sss
