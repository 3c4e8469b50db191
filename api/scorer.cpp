// The scoring facade: the rules of scoring archs that every front end shares.
#include "api/scorer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "core/error.hpp"

namespace zcnas {
namespace {

// A batch a score reads: [B, 3, H, W] with B > 0.
void check_batch(const Tensor* batch, const char* what) {
  ZCNAS_REQUIRE(batch != nullptr, "the scores asked read the {} batch, and none was given", what);
  const auto& s = batch->shape;
  ZCNAS_REQUIRE(s.size() == 4 && s[0] > 0 && s[1] == 3 && s[2] > 0 && s[3] > 0,
                "the {} batch has shape {}, expected [B, 3, H, W] with B, H, W > 0", what, shape_to_string(s));
}

}  // namespace

Scorer::Scorer(ScorerSettings settings) : settings_(std::move(settings)) {
  settings_.options.cpu_threads = settings_.cpu_threads;
  space_ = make_space(settings_.space);
  parse_device(settings_.device);  // a bad device fails here, not when the first network runs
  const auto& precision = settings_.sign_precision;
  ZCNAS_REQUIRE(precision == "auto" || precision == "float32" || precision == "float64",
                "unknown sign precision '{}': expected auto, float32 or float64", precision);
  ZCNAS_REQUIRE(settings_.repeats > 0, "repeats must be positive, got {}", settings_.repeats);
  std::set<std::string> seen;
  for (const auto& name : settings_.scores) ZCNAS_REQUIRE(seen.insert(name).second, "score '{}' is asked twice", name);
  score_set_ = std::make_unique<ScoreSet>(settings_.scores, settings_.options);
}

Scorer::~Scorer() = default;
Scorer::Scorer(Scorer&&) noexcept = default;
Scorer& Scorer::operator=(Scorer&&) noexcept = default;

const SearchSpace& Scorer::space() const { return *space_; }
const ScorerSettings& Scorer::settings() const { return settings_; }
bool Scorer::has(const std::string& score) const { return score_set_->has(score); }
ScoreNeeds Scorer::needs() const { return score_set_->needs(); }

std::vector<std::string> Scorer::columns() const {
  std::vector<std::string> columns = score_set_->names();
  const std::vector<std::string> flags = space_->arch_flag_names();
  columns.insert(columns.end(), flags.begin(), flags.end());
  return columns;
}

Backend& Scorer::backend() const {
  if (backend_) return *backend_;
  const ScoreNeeds needs = score_set_->needs();
  std::vector<std::string> notes;
  std::unique_ptr<Backend> backend;
  if (needs.runs_networks) {
    std::string note;
    backend = make_backend(parse_device(settings_.device), &note, settings_.cpu_threads, settings_.cuda_device);
    if (!note.empty()) notes.push_back(note);
    notes.push_back("backend " + backend->name());
  } else {
    backend = make_cpu_backend(1);  // params and flops read the network only
  }
  // A count of distinct sign patterns changes with one flipped bit: float32 rounding flips activations within
  // an ulp of zero (1 unit of 471,040 on oracle case 8233), float64 gives the reference's signs.
  const bool float64_signs =
      settings_.sign_precision == "float64" || (settings_.sign_precision == "auto" && needs.exact_signs);
  if (backend->device() == Device::Cpu && float64_signs) {
    backend = make_cpu_backend(settings_.cpu_threads, true);
    notes.push_back(
        fmt::format("the hooked pass runs in float64 on the CPU (sign precision {})", settings_.sign_precision));
  }
  if (settings_.options.float64 && score_set_->has("epsilon") && backend->device() != Device::Cpu)
    notes.push_back(fmt::format("epsilon's float64 precision is CPU-only: epsilon runs on the CPU, {} runs the rest",
                                backend->name()));
  for (auto& line : score_set_->descriptions(*backend)) notes.push_back(std::move(line));
  backend_ = std::move(backend);
  backend_notes_ = std::move(notes);
  return *backend_;
}

std::vector<std::string> Scorer::notes() const {
  backend();
  return backend_notes_;
}

Device Scorer::device() const { return backend().device(); }

ArchJob Scorer::job_of_arch(const std::string& arch) const {
  Genome genome = space_->parse(arch);
  // Without an index order the caller numbers the archs; equivalent strings are one canonical arch.
  if (!space_->enumerable()) return {0, space_->canonical(genome), settings_.network};
  const int64_t index = space_->index_of(genome);
  return {index, std::move(genome), settings_.network};
}

ArchJob Scorer::job_of_index(int64_t index) const { return {index, space_->genome_of(index), settings_.network}; }

std::vector<ArchRow> Scorer::score(const std::vector<ArchJob>& jobs, const ScoreBatches& batches,
                                   const ParamStore* weights) {
  if (jobs.empty()) return {};
  ZCNAS_REQUIRE(!weights || jobs.size() == 1, "weights hold one network's parameters: {} archs given", jobs.size());
  ZCNAS_REQUIRE(!weights || (settings_.init == ParamScheme::Default && settings_.repeats == 1),
                "weights fix the parameters: init {} and {} repeats need drawn ones", param_scheme_name(settings_.init),
                settings_.repeats);
  const ScoreNeeds needs = score_set_->needs();
  if (needs.main_batch) check_batch(batches.main, "main");
  if (needs.constant_weight_batch) check_batch(batches.constant_weight, "constant-weight");
  Backend& runner = backend();

  std::vector<Network> nets;
  nets.reserve(jobs.size());
  for (const auto& job : jobs) nets.push_back(space_->build(job.genome, job.options));
  // Repeat r of a network draws its weights from seed init_seed + r; its row is the mean over the repeats.
  const auto repeats = static_cast<size_t>(settings_.repeats);
  std::vector<NetworkJob> network_jobs;
  for (const auto& net : nets)
    for (size_t r = 0; r < repeats; ++r)
      network_jobs.push_back({&net, weights, settings_.init_seed + r, settings_.init});

  const auto t0 = std::chrono::steady_clock::now();
  auto results = score_set_->score(network_jobs, runner, batches);
  const double per_arch =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / static_cast<double>(nets.size());
  const size_t n_scores = settings_.scores.size();
  std::vector<ArchRow> rows;
  rows.reserve(jobs.size());
  for (size_t k = 0; k < jobs.size(); ++k) {
    std::vector<double> mean(n_scores, 0.0);
    for (size_t r = 0; r < repeats; ++r)
      for (size_t s = 0; s < n_scores; ++s) mean[s] += results[k * repeats + r].values[s];
    for (double& v : mean) v /= static_cast<double>(repeats);
    // The space's flags of each arch (NB101's reference_fails) follow the scores, as 0/1 columns.
    for (bool flag : space_->arch_flags(jobs[k].genome)) mean.push_back(flag ? 1.0 : 0.0);
    rows.push_back({jobs[k].index, space_->format(jobs[k].genome), std::move(mean), per_arch,
                    std::move(results[k * repeats].kernel)});
  }
  return rows;
}

}  // namespace zcnas
