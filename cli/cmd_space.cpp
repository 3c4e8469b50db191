// `zcnas space nb201`: index <-> arch string, list and count.
#include <cstdio>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "spaces/nb201/nb201.hpp"

namespace zcnas::cli {
namespace {

struct SpaceOptions {
  std::string space;
  std::vector<int64_t> indices;
  std::vector<std::string> archs;
  bool list = false;
  bool count = false;
};

int run_space(const SpaceOptions& o) {
  ZCNAS_REQUIRE(!o.indices.empty() || !o.archs.empty() || o.list || o.count,
                "space: give --index, --arch, --list or --count");
  for (int64_t i : o.indices) std::printf("%s\n", nb201::format_arch(nb201::index_to_arch(i)).c_str());
  for (const auto& a : o.archs) std::printf("%lld\n", static_cast<long long>(nb201::arch_to_index(nb201::parse_arch(a))));
  if (o.count) std::printf("%lld\n", static_cast<long long>(nb201::kNumArchs));
  if (o.list)
    for (int64_t i = 0; i < nb201::kNumArchs; ++i)
      std::printf("%lld,%s\n", static_cast<long long>(i), nb201::format_arch(nb201::index_to_arch(i)).c_str());
  return 0;
}

}  // namespace

void register_space(CLI::App& app, std::function<int()>& action) {
  auto opts = std::make_shared<SpaceOptions>();
  auto* cmd = app.add_subcommand("space", "the search space: index <-> arch string, list, count");
  cmd->add_option("space", opts->space, "search space")->required()->check(CLI::IsMember({"nb201"}));
  cmd->add_option("--index", opts->indices, "print the arch string of this official index (repeatable)");
  cmd->add_option("--arch", opts->archs, "print the official index of this arch string (repeatable)");
  cmd->add_flag("--list", opts->list, "print every index and arch string, in index order");
  cmd->add_flag("--count", opts->count, "print the number of archs");
  cmd->callback([opts, &action] { action = [opts] { return run_space(*opts); }; });
}

}  // namespace zcnas::cli
