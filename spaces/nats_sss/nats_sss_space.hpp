// The NATS-Bench size space behind the SearchSpace interface: the genome is each layer's width (8 choices,
// 8..64), every genome is an arch, and the ground truth is a table keyed by index or channel string.
#pragma once
#include <memory>

#include "spaces/space.hpp"

namespace zcnas::nats_sss {

// BuildOptions: num_classes (1) and image_size (32); the arch fixes the widths and the depth, so channels and
// depth are refused.
std::unique_ptr<SearchSpace> make_space();

}  // namespace zcnas::nats_sss
