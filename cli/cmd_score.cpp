// `zcnas score`: score a space's archs (one, several, or the whole space) with one or more zero-cost scores
// (scores/registry.cpp lists them) and write one row per arch, one column per score.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <numeric>
#include <optional>
#include <set>

#include "api/scorer.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/mpi_run.hpp"
#include "io/safetensors.hpp"
#include "io/score_table.hpp"
#include "nn/params.hpp"
#include "scores/epsilon.hpp"
#include "scores/sign_patterns.hpp"
#include "scores/zen.hpp"

namespace zcnas::cli {
namespace {

struct ScoreCommandOptions {
  DataOptions data;
  EngineOptions engine;
  std::vector<std::string> archs;
  std::vector<int64_t> indices;
  bool all = false;
  std::string records;
  std::string weights;
  std::string save_kernel;
  std::string format = "csv";
  std::string out;
  std::string shard;
  int64_t chunk = 0;
  std::string scores = "naswot";
  std::string epsilon_precision = "float32";
  int64_t epsilon_batch = kEpsilonDefaultBatch;
  std::string init = "default";
  int64_t repeats = 1;
  double swap_mu = kSwapDefaultMu;
  double swap_sigma = kSwapDefaultSigma;
  std::string sign_precision = "auto";
  int64_t zen_batch = kZenDefaultBatch;
  std::string zen_running_stats = "carry";
};

// The epsilon batch: the same images as the NASWOT batch (same file, offset or seed), --eps-batch of them.
Tensor load_epsilon_input(const ScoreCommandOptions& o) {
  DataOptions data = o.data;
  data.batch = o.epsilon_batch;
  return load_input(data);
}

// Zen-score's two inputs from an --input file that holds `mixup_input` beside `input`; none otherwise (Zen
// draws its own).
std::optional<ZenInputs> load_zen_inputs(const std::string& path) {
  if (path.empty() || read_safetensors(path).count("mixup_input") == 0) return std::nullopt;
  return ZenInputs{load_batch_tensor(path, "input"), load_batch_tensor(path, "mixup_input")};
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

// One arch to score: its index (in a space without an index order, its place among the archs asked or its
// record), its genome where a string gave one that the index does not (NB101), and the network settings of its
// record.
struct Todo {
  int64_t index = 0;
  std::optional<Genome> genome;
  std::optional<BuildOptions> options;
};

// The job of a todo: its index's genome unless it has its own, built at its record's settings if it has one.
ArchJob job_of(const Scorer& scorer, const Todo& t) {
  ArchJob job = t.genome ? ArchJob{t.index, *t.genome, scorer.settings().network} : scorer.job_of_index(t.index);
  if (t.options) job.options = *t.options;
  return job;
}

// The scorer's settings from the command's options.
ScorerSettings scorer_settings(const ScoreCommandOptions& o) {
  ScorerSettings s = engine_settings(o.engine);
  s.scores = parse_score_list(o.scores);
  s.options.float64 = parse_epsilon_precision(o.epsilon_precision) == EpsilonPrecision::Float64;
  s.options.keep_kernel = !o.save_kernel.empty();
  s.options.swap_mu = o.swap_mu;
  s.options.swap_sigma = o.swap_sigma;
  s.options.zen_batch = o.zen_batch;
  s.options.zen_fresh_running_stats = o.zen_running_stats == "fresh";
  s.init = parse_param_scheme(o.init);
  s.repeats = o.repeats;
  s.sign_precision = o.sign_precision;
  return s;
}

// The archs, in the order asked; --all is the whole space in index order, or every record of --records. An arch
// string is built as written: in NB101 an isomorphic string of the same cell numbers its vertices, and so names its
// parameters, its own way.
std::vector<Todo> archs_asked(const Scorer& scorer, const ScoreCommandOptions& o) {
  const SearchSpace& space = scorer.space();
  std::vector<Todo> todo;
  if (!o.records.empty()) {
    // Record i is index i, built at its own width and depth.
    ZCNAS_REQUIRE(o.archs.empty(), "--records numbers the archs by record: give --index or --all, not --arch");
    ZCNAS_REQUIRE(!o.engine.channels && !o.engine.cells,
                  "--records '{}' gives every record's width and depth: leave out --channels and --cells", o.records);
    const std::vector<ArchRecord> records = space.read_records(o.records);
    const auto n = static_cast<int64_t>(records.size());
    auto record = [&](int64_t i) {
      ZCNAS_REQUIRE(i >= 0 && i < n, "--index {} is not a record of '{}' (0..{})", i, o.records, n - 1);
      BuildOptions options = scorer.settings().network;
      options.channels = records[static_cast<size_t>(i)].options.channels;
      options.depth = records[static_cast<size_t>(i)].options.depth;
      return Todo{i, records[static_cast<size_t>(i)].genome, options};
    };
    for (int64_t i : o.indices) todo.push_back(record(i));
    if (o.all)
      for (int64_t i = 0; i < n; ++i) todo.push_back(record(i));
    return todo;
  }
  if (!space.enumerable()) {
    // Without an index order an arch is numbered by its place among the distinct archs asked.
    ZCNAS_REQUIRE(o.indices.empty() && !o.all,
                  "space {} has no index order: give --arch, or --records with --index or --all", space.name());
    std::set<Genome> seen;
    for (const auto& a : o.archs)
      if (ArchJob job = scorer.job_of_arch(a); seen.insert(job.genome).second)
        todo.push_back({static_cast<int64_t>(todo.size()), std::move(job.genome), std::nullopt});
    return todo;
  }
  for (const auto& a : o.archs) {
    ArchJob job = scorer.job_of_arch(a);
    todo.push_back({job.index, std::move(job.genome), std::nullopt});
  }
  for (int64_t i : o.indices) {
    space.genome_of(i);  // validates the index
    todo.push_back({i, std::nullopt, std::nullopt});
  }
  if (o.all)
    for (int64_t i : space.all_indices()) todo.push_back({i, std::nullopt, std::nullopt});
  return todo;
}

int run_score(const ScoreCommandOptions& o) {
  ScoreShare share(o.out, o.shard);  // under mpirun: this rank's share, written to its part of --out
  ScorerSettings settings = scorer_settings(o);
  settings.cuda_device = share.cuda_device();
  Scorer scorer(settings);
  const SearchSpace& space = scorer.space();
  std::vector<Todo> todo = archs_asked(scorer, o);
  {
    // A table has one row per arch: an arch asked again (an NB101 cell written twice, or isomorphically) is
    // scored once, as first asked.
    std::set<int64_t> seen;
    const size_t asked = todo.size();
    todo.erase(std::remove_if(todo.begin(), todo.end(), [&](const Todo& t) { return !seen.insert(t.index).second; }),
               todo.end());
    if (todo.size() < asked)
      std::fprintf(stderr, "zcnas: %zu of the %zu archs asked repeat an earlier one: each arch is scored once\n",
                   asked - todo.size(), asked);
  }
  ZCNAS_REQUIRE(!todo.empty(), "nothing to score: give --arch, --index or --all");
  if (!share.shard().empty()) {
    // Shard i of n takes every n-th arch from the i-th: cheap and costly archs spread evenly.
    const auto [shard, shards] = parse_shard(share.shard());
    std::vector<Todo> mine;
    for (size_t k = static_cast<size_t>(shard); k < todo.size(); k += static_cast<size_t>(shards))
      mine.push_back(todo[k]);
    todo = std::move(mine);
    if (todo.empty()) return 0;
  }
  ZCNAS_REQUIRE(o.weights.empty() || todo.size() == 1, "--weights holds one network's parameters: give one arch");
  ZCNAS_REQUIRE(o.save_kernel.empty() || todo.size() == 1, "--save-kernel writes one kernel: give one arch");
  ZCNAS_REQUIRE(o.weights.empty() || (scorer.settings().init == ParamScheme::Default && o.repeats == 1),
                "--weights fixes the parameters: --init {} and --repeats {} need drawn ones", o.init, o.repeats);
  ZCNAS_REQUIRE(o.save_kernel.empty() || o.repeats == 1, "--save-kernel writes one kernel: --repeats {} gives {}",
                o.repeats, o.repeats);
  const ScoreNeeds needs = scorer.needs();
  ZCNAS_REQUIRE(o.save_kernel.empty() || scorer.has("naswot"),
                "--save-kernel writes NASWOT's kernel: --scores '{}' has no naswot", o.scores);
  ZCNAS_REQUIRE(o.weights.empty() || needs.hooked_pass || needs.reads_weights,
                "--weights sets the parameters that naswot, swap, swap_reg, linear_regions, meco and zen run (epsilon "
                "uses constant weights, params and flops none): --scores '{}' runs none",
                o.scores);

  // A space that cannot build the networks asked fails here, before any table is written.
  {
    const ArchJob first = job_of(scorer, todo.front());
    space.build(first.genome, first.options);
  }

  ScoreTableWriter writer(share.table(), parse_table_format(o.format), scorer.columns());
  const std::set<int64_t> done = share.rows_done(writer.done(), parse_table_format(o.format), scorer.columns());
  const size_t before = todo.size();
  todo.erase(std::remove_if(todo.begin(), todo.end(), [&](const Todo& t) { return done.count(t.index) != 0; }),
             todo.end());
  if (todo.size() < before)
    std::fprintf(stderr, "zcnas: resuming '%s': %zu of %zu archs already scored\n", o.out.c_str(), before - todo.size(),
                 before);
  if (todo.empty()) return 0;

  // Only the batches and the device that the asked scores use: params and flops need neither.
  const bool has_zen = scorer.has("zen");
  std::optional<Tensor> main_input, constant_weight_input;
  std::optional<ZenInputs> zen_inputs;
  if (needs.main_batch) main_input = load_input(o.data);
  if (needs.constant_weight_batch) constant_weight_input = load_epsilon_input(o);
  if (has_zen) zen_inputs = load_zen_inputs(o.data.input);
  for (const auto& line : scorer.notes()) std::fprintf(stderr, "zcnas: %s\n", line.c_str());
  if (constant_weight_input)
    std::fprintf(stderr, "zcnas: constant-weight batch of %lld images\n",
                 static_cast<long long>(constant_weight_input->shape[0]));
  if (zen_inputs)
    std::fprintf(stderr, "zcnas: zen reads 'input' and 'mixup_input' of '%s'\n", o.data.input.c_str());
  else if (has_zen)
    std::fprintf(stderr, "zcnas: zen draws %lld Gaussian inputs per repeat from the repeat's seed\n",
                 static_cast<long long>(o.zen_batch));
  const ScoreBatches batches{main_input ? &*main_input : nullptr,
                             constant_weight_input ? &*constant_weight_input : nullptr,
                             zen_inputs ? &*zen_inputs : nullptr};
  // The GPU keeps many networks in flight (its lanes share one call's networks; at the target rate a chunk
  // is under a second of work); the CPU runs one at a time, so rows appear as they finish.
  const int64_t chunk = o.chunk > 0 ? o.chunk : (scorer.device() == Device::Cuda ? 1024 : 1);

  install_interrupt_handler();
  Progress progress(static_cast<int64_t>(todo.size()), "scored");
  for (size_t start = 0; start < todo.size() && !interrupted(); start += static_cast<size_t>(chunk)) {
    const size_t end = std::min(todo.size(), start + static_cast<size_t>(chunk));
    std::vector<ArchJob> jobs;
    for (size_t k = start; k < end; ++k) jobs.push_back(job_of(scorer, todo[k]));
    std::optional<ParamStore> loaded;
    if (!o.weights.empty()) loaded = load_params(space.build(jobs[0].genome, jobs[0].options), o.weights);
    std::vector<ArchRow> rows = scorer.score(jobs, batches, loaded ? &*loaded : nullptr);
    for (const auto& row : rows) writer.write({row.index, row.arch, row.values, row.seconds});
    if (!o.save_kernel.empty()) write_safetensors(o.save_kernel, {{"K", raw_from(rows[0].kernel)}});
    progress.advance(static_cast<int64_t>(rows.size()));
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
  cmd->add_option("--index", opts->indices, "official index in the space, or record of --records (repeatable)");
  cmd->add_flag("--all", opts->all, "the whole space, in index order, or every record of --records");
  cmd->add_option("--records", opts->records,
                  "a file of archs with the settings they were trained at (darts: an NDS json such as DARTS.json); "
                  "record i is index i, built at its own width and depth")
      ->check(CLI::ExistingFile);
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
  cmd->add_option("--init", opts->init,
                  "weights of the hooked pass: default (the space's reference init: PyTorch's defaults on NB201, "
                  "_initialize_weights on NB101), gaussian (conv/linear weights N(0,1), "
                  "biases 0, BN 1/0: SWAP's and Zen-score's re-init) or kaiming (N(0, 2/fan_in): linear regions')")
      ->check(CLI::IsMember({"default", "gaussian", "kaiming"}));
  cmd->add_option("--repeats", opts->repeats,
                  "score each arch this many times, weights drawn from seeds init-seed, init-seed+1, ..., and write "
                  "the mean (SWAP's protocol: --init gaussian --repeats 32 --batch 16)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--sign-precision", opts->sign_precision,
                  "arithmetic of the CPU's hooked pass: auto (float64 when swap, swap_reg or linear_regions is asked, "
                  "whose counts one flipped sign changes; else float32), float32 or float64")
      ->check(CLI::IsMember({"auto", "float32", "float64"}));
  cmd->add_option("--swap-mu", opts->swap_mu,
                  "swap_reg's centre mu, in thousands of parameters (default 600; the authors' repo gives none)");
  cmd->add_option("--zen-batch", opts->zen_batch,
                  "Gaussian inputs per zen repeat (default 64, the authors' search; their stand-alone script uses 16); "
                  "an --input file with 'input' and 'mixup_input' gives them instead")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--zen-running-stats", opts->zen_running_stats,
                  "batch-norm running variances between zen's --repeats: carry (the authors' stand-alone script, "
                  "later repeats score higher) or fresh (each repeat from a fresh model, the mean of single repeats)")
      ->check(CLI::IsMember({"carry", "fresh"}));
  cmd->add_option("--swap-sigma", opts->swap_sigma,
                  "swap_reg's width sigma (default 250000; the authors' repo gives none)")
      ->check(CLI::PositiveNumber);
  cmd->callback([opts, &action] {
    action = [opts] {
      return run_score_job(opts->out, parse_table_format(opts->format), opts->engine.space,
                           [&] { return run_score(*opts); });
    };
  });
}

}  // namespace zcnas::cli
