// The NATS-SSS space: the interface over nats_sss.hpp, and its ground truth.
#include "spaces/nats_sss/nats_sss_space.hpp"

#include <fmt/ranges.h>

#include "core/error.hpp"
#include "spaces/keyed_truth.hpp"
#include "spaces/nats_sss/nats_sss.hpp"

namespace zcnas::nats_sss {
namespace {

Genome genome_from(const Channels& channels) {
  Genome g;
  for (int64_t c : channels) g.push_back(static_cast<int32_t>(c / kWidthStep - 1));
  return g;
}

class NatsSssSpace final : public SearchSpace {
 public:
  std::string name() const override { return "nats-sss"; }
  std::string title() const override { return "NATS-SSS"; }
  int64_t size() const override { return kNumArchs; }
  std::vector<int32_t> genome_choices() const override { return std::vector<int32_t>(kNumLayers, kNumWidths); }

  Genome parse(const std::string& arch) const override { return genome_from(parse_channels(arch)); }
  std::string format(const Genome& genome) const override { return format_channels(channels_from(genome)); }
  Genome genome_of(int64_t index) const override { return genome_from(index_to_channels(index)); }
  int64_t index_of(const Genome& genome) const override { return channels_to_index(channels_from(genome)); }

  Network build(const Genome& genome, const BuildOptions& options) const override {
    ZCNAS_REQUIRE(
        !options.channels && !options.depth,
        "NATS-SSS: the arch sets every layer's width and the depth; a width (-C) or depth (-N) does not apply");
    NetworkOptions o;
    o.num_classes = options.num_classes.value_or(o.num_classes);
    o.image_size = options.image_size.value_or(o.image_size);
    return build_network(channels_from(genome), o);
  }

 protected:
  // A table keyed by channel string (`arch`), official index (`index`) or both, a column per dataset.
  GroundTruth read_truth(const std::string& path) const override {
    return read_keyed_truth(*this, path, {arch_key(*this), index_key(*this)});
  }

 private:
  Channels channels_from(const Genome& genome) const {
    ZCNAS_REQUIRE(valid(genome), "NATS-SSS: the genome ({}) is not {} widths in 0..{}", fmt::join(genome, ","),
                  kNumLayers, kNumWidths - 1);
    Channels channels{};
    for (size_t k = 0; k < channels.size(); ++k) channels[k] = (genome[k] + 1) * kWidthStep;
    return channels;
  }
};

}  // namespace

std::unique_ptr<SearchSpace> make_space() { return std::make_unique<NatsSssSpace>(); }

}  // namespace zcnas::nats_sss
