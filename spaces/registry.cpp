// The registry of search spaces: the one list of the spaces zcnas knows.
#include <fmt/ranges.h>

#include "core/error.hpp"
#include "spaces/darts/darts_space.hpp"
#include "spaces/nats_sss/nats_sss_space.hpp"
#include "spaces/nb101/nb101_space.hpp"
#include "spaces/nb201/nb201_space.hpp"
#include "spaces/space.hpp"

namespace zcnas {
namespace {

using SpaceFactory = std::unique_ptr<SearchSpace> (*)();
constexpr SpaceFactory kSpaces[] = {nb201::make_space, nb101::make_space, nats_sss::make_space, darts::make_space};

}  // namespace

std::vector<std::string> space_names() {
  std::vector<std::string> names;
  for (SpaceFactory make : kSpaces) names.push_back(make()->name());
  return names;
}

std::unique_ptr<SearchSpace> make_space(const std::string& name) {
  for (SpaceFactory make : kSpaces)
    if (auto space = make(); space->name() == name) return space;
  throw Error(fmt::format("unknown search space '{}' (known: {})", name, fmt::join(space_names(), ", ")));
}

}  // namespace zcnas
