// `zcnas score`: score a space's archs (one, several, or the whole space) with one or more zero-cost scores
// (NASWOT, epsilon, parameter count, FLOPs) and write one row per arch, one column per score.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <numeric>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "io/safetensors.hpp"
#include "io/score_table.hpp"
#include "nn/params.hpp"
#include "scores/epsilon.hpp"
#include "scores/score_set.hpp"

namespace zcnas::cli {
namespace {

struct ScoreCommandOptions {
  DataOptions data;
  EngineOptions engine;
  std::vector<std::string> archs;
  std::vector<int64_t> indices;
  bool all = false;
  std::string weights;
  std::string save_kernel;
  std::string format = "csv";
  std::string out;
  std::string shard;
  int64_t chunk = 0;
  std::string scores = "naswot";
  std::string epsilon_precision = "float32";
  int64_t epsilon_batch = kEpsilonDefaultBatch;
};

// The epsilon batch: the same images as the NASWOT batch (same file, offset or seed), --eps-batch of them.
Tensor load_epsilon_input(const ScoreCommandOptions& o) {
  DataOptions data = o.data;
  data.batch = o.epsilon_batch;
  return load_input(data);
}

// "i/n" with 0 <= i < n; throws naming the text.
std::pair<int64_t, int64_t> parse_shard(const std::string& text) {
  int64_t i = -1, n = 0;
  const char* end = text.data() + text.size();
  const auto first = std::from_chars(text.data(), end, i);
  const bool ok = first.ec == std::errc() && first.ptr != end && *first.ptr == '/' &&
                  std::from_chars(first.ptr + 1, end, n).ptr == end && first.ptr + 1 != end;
  ZCNAS_REQUIRE(ok, "--shard '{}': expected i/n, e.g. 0/4", text);
  ZCNAS_REQUIRE(n > 0 && i >= 0 && i < n, "--shard '{}': need 0 <= i < n", text);
  return {i, n};
}

int run_score(const ScoreCommandOptions& o) {
  // The archs, in the order asked; --all is the whole space in index order.
  const auto space = make_space(o.engine.space);
  std::vector<int64_t> todo;
  for (const auto& a : o.archs) todo.push_back(space->index_of_arch(a));
  for (int64_t i : o.indices) {
    space->genome_of(i);  // validates the index
    todo.push_back(i);
  }
  if (o.all) todo = space->all_indices();
  ZCNAS_REQUIRE(!todo.empty(), "nothing to score: give --arch, --index or --all");
  if (!o.shard.empty()) {
    // Shard i of n takes every n-th arch from the i-th: cheap and costly archs spread evenly.
    const auto [shard, shards] = parse_shard(o.shard);
    std::vector<int64_t> mine;
    for (size_t k = static_cast<size_t>(shard); k < todo.size(); k += static_cast<size_t>(shards))
      mine.push_back(todo[k]);
    todo = std::move(mine);
    if (todo.empty()) return 0;
  }
  ZCNAS_REQUIRE(o.weights.empty() || todo.size() == 1, "--weights holds one network's parameters: give one arch");
  ZCNAS_REQUIRE(o.save_kernel.empty() || todo.size() == 1, "--save-kernel writes one kernel: give one arch");
  const std::vector<std::string> names = parse_score_list(o.scores);
  ScoreOptions score_options;
  score_options.float64 = parse_epsilon_precision(o.epsilon_precision) == EpsilonPrecision::Float64;
  score_options.keep_kernel = !o.save_kernel.empty();
  ScoreSet score_set(names, score_options);
  const ScoreNeeds needs = score_set.needs();
  ZCNAS_REQUIRE(o.save_kernel.empty() || needs.hooked_pass,
                "--save-kernel writes NASWOT's kernel: --scores '{}' has no naswot", o.scores);
  ZCNAS_REQUIRE(o.weights.empty() || needs.hooked_pass,
                "--weights sets the parameters of the hooked pass (naswot; epsilon uses constant weights, params and "
                "flops none): --scores '{}' reads no hooked pass",
                o.scores);

  ScoreTableWriter writer(o.out, parse_table_format(o.format), names);
  const size_t before = todo.size();
  todo.erase(std::remove_if(todo.begin(), todo.end(), [&](int64_t i) { return writer.done().count(i) != 0; }),
             todo.end());
  if (todo.size() < before)
    std::fprintf(stderr, "zcnas: resuming '%s': %zu of %zu archs already scored\n", o.out.c_str(), before - todo.size(),
                 before);
  if (todo.empty()) return 0;

  // Only the batches and the device that the asked scores use: params and flops need neither.
  std::optional<Tensor> main_input, constant_weight_input;
  if (needs.main_batch) main_input = load_input(o.data);
  if (needs.constant_weight_batch) constant_weight_input = load_epsilon_input(o);
  auto backend = needs.runs_networks ? open_backend(o.engine) : make_cpu_backend(1);
  if (score_options.float64 && score_set.has("epsilon") && backend->device() != Device::Cpu)
    std::fprintf(stderr, "zcnas: --epsilon-precision float64 is CPU-only: epsilon runs on the CPU, %s runs the rest\n",
                 backend->name().c_str());
  for (const auto& line : score_set.descriptions(*backend)) std::fprintf(stderr, "zcnas: %s\n", line.c_str());
  if (constant_weight_input)
    std::fprintf(stderr, "zcnas: constant-weight batch of %lld images\n",
                 static_cast<long long>(constant_weight_input->shape[0]));
  const ScoreBatches batches{main_input ? &*main_input : nullptr,
                             constant_weight_input ? &*constant_weight_input : nullptr};
  const auto net_options = network_options(o.engine);
  // The GPU keeps many networks in flight (its lanes share one call's networks; at the target rate a chunk
  // is under a second of work); the CPU runs one at a time, so rows appear as they finish.
  const int64_t chunk = o.chunk > 0 ? o.chunk : (backend->device() == Device::Cuda ? 1024 : 1);

  install_interrupt_handler();
  Progress progress(static_cast<int64_t>(todo.size()), "scored");
  for (size_t start = 0; start < todo.size() && !interrupted(); start += static_cast<size_t>(chunk)) {
    const size_t end = std::min(todo.size(), start + static_cast<size_t>(chunk));
    std::vector<Network> nets;
    nets.reserve(end - start);
    for (size_t k = start; k < end; ++k) nets.push_back(space->build(space->genome_of(todo[k]), net_options));
    std::optional<ParamStore> loaded;
    if (!o.weights.empty()) loaded = load_params(nets[0], o.weights);
    std::vector<NetworkJob> jobs;
    for (const auto& net : nets) jobs.push_back({&net, loaded ? &*loaded : nullptr, o.engine.init_seed});

    const auto t0 = Clock::now();
    auto results = score_set.score(jobs, *backend, batches);
    const double per_arch = seconds_since(t0) / static_cast<double>(jobs.size());
    for (size_t k = 0; k < results.size(); ++k) {
      const int64_t index = todo[start + k];
      writer.write({index, space->arch_of(index), results[k].values, per_arch});
    }
    if (!o.save_kernel.empty()) write_safetensors(o.save_kernel, {{"K", raw_from(results[0].kernel)}});
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
  auto opts = std::make_shared<ScoreCommandOptions>();
  auto* cmd = app.add_subcommand("score", "score archs of a space with zero-cost scores and write one row per arch");
  add_engine_options(*cmd, opts->engine);
  add_data_options(*cmd, opts->data);
  cmd->add_option("--arch", opts->archs, "arch string of the space (repeatable)");
  cmd->add_option("--index", opts->indices, "official index in the space (repeatable)");
  cmd->add_flag("--all", opts->all, "the whole space, in index order");
  cmd->add_option("--weights", opts->weights, "a state_dict as safetensors, under the reference's names (one arch)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--save-kernel", opts->save_kernel, "write K as an F64 safetensors tensor named K (one arch)");
  cmd->add_option("--format", opts->format, "csv or jsonl")->check(CLI::IsMember({"csv", "jsonl"}));
  cmd->add_option("--out,-o", opts->out, "output file (default stdout); an existing file is resumed");
  cmd->add_option("--shard", opts->shard,
                  "i/n: score only the i-th of n interleaved shares of the archs asked (0 <= i < n); "
                  "zcnas merge joins the shards' tables");
  cmd->add_option("--chunk", opts->chunk, "networks handed to the backend at once (default: 1 on CPU, 1024 on GPU)");
  std::string score_help = "comma-separated scores, one column each in the order given (default naswot):";
  for (const auto& r : registered_scores()) score_help += fmt::format(" {} ({});", r.name, r.help);
  score_help.pop_back();
  cmd->add_option("--scores", opts->scores, score_help);
  cmd->add_option("--epsilon-precision", opts->epsilon_precision,
                  "float32 (the reference's arithmetic, NaN where its w=1e-7 pass underflows) or float64 "
                  "(CPU only, no underflow)")
      ->check(CLI::IsMember({"float32", "float64"}));
  cmd->add_option("--eps-batch", opts->epsilon_batch,
                  "images in epsilon's batch (default 256), chosen as --offset/--seed choose NASWOT's")
      ->check(CLI::PositiveNumber);
  cmd->callback([opts, &action] { action = [opts] { return run_score(*opts); }; });
}

}  // namespace zcnas::cli
