// `zcnas score`: score NB201 archs (one, several, or the whole space) and write one row per arch.
#include <algorithm>
#include <cstdio>
#include <numeric>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "io/safetensors.hpp"
#include "io/score_table.hpp"
#include "nn/params.hpp"

namespace zcnas::cli {
namespace {

struct ScoreOptions {
  DataOptions data;
  EngineOptions engine;
  std::vector<std::string> archs;
  std::vector<int64_t> indices;
  bool all = false;
  std::string weights;
  std::string save_kernel;
  std::string format = "csv";
  std::string out;
  int64_t chunk = 0;
};

int run_score(const ScoreOptions& o) {
  // The archs, in the order asked; --all is the whole space in index order.
  std::vector<int64_t> todo;
  for (const auto& a : o.archs) todo.push_back(nb201::arch_to_index(nb201::parse_arch(a)));
  for (int64_t i : o.indices) {
    nb201::index_to_arch(i);  // validates the index
    todo.push_back(i);
  }
  if (o.all) {
    todo.resize(static_cast<size_t>(nb201::kNumArchs));
    std::iota(todo.begin(), todo.end(), 0);
  }
  ZCNAS_REQUIRE(!todo.empty(), "nothing to score: give --arch, --index or --all");
  ZCNAS_REQUIRE(o.weights.empty() || todo.size() == 1, "--weights holds one network's parameters: give one arch");
  ZCNAS_REQUIRE(o.save_kernel.empty() || todo.size() == 1, "--save-kernel writes one kernel: give one arch");

  ScoreTableWriter writer(o.out, parse_table_format(o.format), {"naswot"});
  const size_t before = todo.size();
  todo.erase(std::remove_if(todo.begin(), todo.end(), [&](int64_t i) { return writer.done().count(i) != 0; }),
             todo.end());
  if (todo.size() < before)
    std::fprintf(stderr, "zcnas: resuming '%s': %zu of %zu archs already scored\n", o.out.c_str(), before - todo.size(),
                 before);
  if (todo.empty()) return 0;

  const Tensor input = load_input(o.data);
  auto backend = open_backend(o.engine);
  const auto net_options = network_options(o.engine);
  // The GPU keeps many networks in flight; the CPU runs one at a time, so rows appear as they finish.
  const int64_t chunk = o.chunk > 0 ? o.chunk : (backend->name().rfind("cuda", 0) == 0 ? 256 : 1);

  install_interrupt_handler();
  Progress progress(static_cast<int64_t>(todo.size()), "scored");
  for (size_t start = 0; start < todo.size() && !interrupted(); start += static_cast<size_t>(chunk)) {
    const size_t end = std::min(todo.size(), start + static_cast<size_t>(chunk));
    std::vector<Network> nets;
    nets.reserve(end - start);
    for (size_t k = start; k < end; ++k) nets.push_back(nb201::build_network(nb201::index_to_arch(todo[k]), net_options));
    std::optional<ParamStore> loaded;
    if (!o.weights.empty()) loaded = load_params(nets[0], o.weights);
    std::vector<NetworkJob> jobs;
    for (const auto& net : nets) jobs.push_back({&net, loaded ? &*loaded : nullptr, o.engine.init_seed});

    const auto t0 = Clock::now();
    auto results = backend->naswot(jobs, input, !o.save_kernel.empty());
    const double per_arch = seconds_since(t0) / static_cast<double>(jobs.size());
    for (size_t k = 0; k < results.size(); ++k) {
      const int64_t index = todo[start + k];
      writer.write({index, nb201::format_arch(nb201::index_to_arch(index)), {results[k].score}, per_arch});
    }
    if (!o.save_kernel.empty()) write_safetensors(o.save_kernel, {{"K", raw_from(results[0].K)}});
    progress.advance(static_cast<int64_t>(results.size()));
  }
  progress.finish();
  if (interrupted()) {
    std::fprintf(stderr, "zcnas: interrupted; every finished row is saved%s\n",
                 o.out.empty() ? "" : ": run the same command again to resume");
    return 130;
  }
  return 0;
}

}  // namespace

void register_score(CLI::App& app, std::function<int()>& action) {
  auto opts = std::make_shared<ScoreOptions>();
  auto* cmd = app.add_subcommand("score", "score NB201 archs with NASWOT and write one row per arch");
  add_engine_options(*cmd, opts->engine);
  add_data_options(*cmd, opts->data);
  cmd->add_option("--arch", opts->archs, "NB201 arch string (repeatable)");
  cmd->add_option("--index", opts->indices, "NB201 official index (repeatable)");
  cmd->add_flag("--all", opts->all, "the whole space, 15,625 archs, in index order");
  cmd->add_option("--weights", opts->weights, "a state_dict as safetensors, under the reference's names (one arch)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--save-kernel", opts->save_kernel, "write K as an F64 safetensors tensor named K (one arch)");
  cmd->add_option("--format", opts->format, "csv or jsonl")->check(CLI::IsMember({"csv", "jsonl"}));
  cmd->add_option("--out,-o", opts->out, "output file (default stdout); an existing file is resumed");
  cmd->add_option("--chunk", opts->chunk, "networks handed to the backend at once (default: 1 on CPU, 256 on GPU)");
  cmd->callback([opts, &action] { action = [opts] { return run_score(*opts); }; });
}

}  // namespace zcnas::cli
