// `zcnas space <name>`: index <-> arch string, list and count.
#include <cstdio>
#include <string>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "spaces/space.hpp"

namespace zcnas::cli {
namespace {

struct SpaceOptions {
  std::string space;
  std::vector<int64_t> indices;
  std::vector<std::string> archs;
  bool list = false;
  bool count = false;
};

// "index,arch", and ",hash" in a space that hashes archs.
std::string index_line(const SearchSpace& space, int64_t index, const Genome& genome) {
  std::string line = std::to_string(index) + "," + space.format(genome);
  const std::string hash = space.arch_hash(genome);
  return hash.empty() ? line : line + "," + hash;
}

int run_space(const SpaceOptions& o) {
  ZCNAS_REQUIRE(!o.indices.empty() || !o.archs.empty() || o.list || o.count,
                "space: give --index, --arch, --list or --count");
  const auto space = make_space(o.space);
  for (int64_t i : o.indices) std::printf("%s\n", space->arch_of(i).c_str());
  for (const auto& a : o.archs) {
    if (!space->enumerable()) {  // no index to print: the arch in the space's own notation
      std::printf("%s\n", space->format(space->parse(a)).c_str());
      continue;
    }
    // Where archs have hashes (NB101), which canonical arch the string names matters as much as its index.
    const Genome genome = space->parse(a);
    const int64_t index = space->index_of(genome);
    if (space->arch_hash(genome).empty())
      std::printf("%lld\n", static_cast<long long>(index));
    else
      std::printf("%s\n", index_line(*space, index, genome).c_str());
  }
  if (o.count) std::printf("%lld\n", static_cast<long long>(space->all_indices().size()));
  if (o.list)
    for (int64_t i : space->all_indices()) std::printf("%s\n", index_line(*space, i, space->genome_of(i)).c_str());
  return 0;
}

}  // namespace

void register_space(CLI::App& app, std::function<int()>& action) {
  auto opts = std::make_shared<SpaceOptions>();
  auto* cmd = app.add_subcommand("space", "the search space: index <-> arch string, list, count");
  cmd->add_option("space", opts->space, "search space")->required()->check(CLI::IsMember(space_names()));
  cmd->add_option("--index", opts->indices, "print the arch string of this official index (repeatable)");
  cmd->add_option("--arch", opts->archs,
                  "print the official index of this arch string (repeatable); where archs have hashes (nb101): "
                  "index,canonical arch,hash; in a space without an index order (darts): the arch in the space's "
                  "notation");
  cmd->add_flag("--list", opts->list,
                "print every index and arch string (and hash, where archs have one), in index order");
  cmd->add_flag("--count", opts->count, "print the number of archs");
  cmd->callback([opts, &action] { action = [opts] { return run_space(*opts); }; });
}

}  // namespace zcnas::cli
