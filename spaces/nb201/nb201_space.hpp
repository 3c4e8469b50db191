// NAS-Bench-201 behind the SearchSpace interface: the genome is the op of each of the 6 edges (5 choices,
// nb201::Op order), every genome is an arch, and the ground truth is nb201_test_accuracy_200ep.csv.
#pragma once
#include <memory>

#include "spaces/space.hpp"

namespace zcnas::nb201 {

// BuildOptions: channels is C (16), depth is N, the cells per stage (5), num_classes (1), image_size (32).
std::unique_ptr<SearchSpace> make_space();

}  // namespace zcnas::nb201
