// The NDS DARTS cell space behind the SearchSpace interface. It has no index order (size() is kUnbounded): archs
// are genotype strings. The genome is, for the normal cell then the reduce cell and for each of their 8 pairs,
// the op (darts::Op order) then the input (node k = 2 + pair/2 chooses among 0..k-1).
#pragma once
#include <memory>

#include "spaces/space.hpp"

namespace zcnas::darts {

// BuildOptions: channels is the width C (16), depth the cells (8), num_classes (1), image_size (32).
std::unique_ptr<SearchSpace> make_space();

}  // namespace zcnas::darts
