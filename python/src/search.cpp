// Searches: random search, REA and AREA over an enumerable space's indices (on the GPU when there is one), with a
// score table or live scoring as fitness, or over the genomes of a space without an index order (live scoring).
#include <chrono>

#include "core/device.hpp"
#include "python/src/bindings.hpp"
#include "search/evolution.hpp"
#include "search/genome_search.hpp"
#include "search/table_fitness.hpp"

namespace zcnas::python {
namespace {

// Live fitness: the arch's score (the one asked) by the Scorer, each arch scored once per search.
struct LiveFitness {
  LiveFitness(const SearchSpace& space, const std::string& score, const std::optional<py::array>& batch,
              const std::optional<py::array>& epsilon_batch, const std::optional<std::string>& data,
              const py::dict& engine)
      : scorer(scorer_settings(space, {score}, engine)), batches(live_batches(scorer, batch, epsilon_batch, data)) {}

  std::vector<double> score(std::vector<ArchJob> jobs) {
    for (size_t k = 0; k < jobs.size(); ++k) jobs[k].index = static_cast<int64_t>(k);
    std::vector<double> values;
    for (const ArchRow& row : scorer.score(jobs, batches.view())) values.push_back(row.values[0]);
    return values;
  }

  Scorer scorer;
  LiveBatches batches;
};

py::dict search(const SpaceHandle& space, const std::string& algorithm, int64_t runs, std::optional<int64_t> samples,
                int64_t population, int64_t sample_size, std::optional<int64_t> cycles, std::optional<int64_t> budget,
                uint64_t seed, bool history, const PyScoreTable* table, const std::string& column,
                const std::string& score, const std::optional<py::array>& batch,
                const std::optional<py::array>& epsilon_batch, const std::optional<std::string>& data,
                const py::dict& engine) {
  SearchConfig config =
      search_config({parse_search_algorithm(algorithm), samples, cycles, budget, population, sample_size, seed});
  config.keep_history = history;
  const std::string device = engine.contains("device") ? engine["device"].cast<std::string>() : "auto";
  const bool on_device = resolve_device(parse_device(device)) == Device::Cuda;
  std::optional<TableFitness> table_fitness;
  std::optional<LiveFitness> live;
  if (table) {
    ZCNAS_REQUIRE(table->space->name() == space->name(), "the table's archs are of {}, the search's of {}",
                  table->space->title(), space->title());
    table_fitness.emplace(table->table, column);
  } else {
    live.emplace(*space, score, batch, epsilon_batch, data, engine);
  }

  py::dict out;
  std::vector<int64_t> run;
  std::vector<double> scores;
  std::vector<std::string> archs;
  py::list histories;
  std::optional<int64_t> networks_scored;
  const auto t0 = std::chrono::steady_clock::now();
  if (table_fitness || space->enumerable()) {
    std::optional<CachedFitness> cached;
    if (live)
      cached.emplace(
          [&](const std::vector<int64_t>& indices) {
            std::vector<ArchJob> jobs;
            for (int64_t i : indices) jobs.push_back(live->scorer.job_of_index(i));
            return live->score(std::move(jobs));
          },
          space->all_indices());
    Fitness& fitness = table_fitness ? static_cast<Fitness&>(*table_fitness) : static_cast<Fitness&>(*cached);
    std::vector<SearchRun> found;
    {
      py::gil_scoped_release release;
      found = on_device ? search_device(*space, fitness, config, runs) : search_cpu(*space, fitness, config, runs);
    }
    std::vector<int64_t> winners;
    for (const SearchRun& r : found) {
      run.push_back(r.run);
      winners.push_back(r.winner);
      archs.push_back(space->arch_of(r.winner));
      scores.push_back(r.score);
      if (history) histories.append(to_array(r.history));
    }
    out["index"] = to_array(winners);
    if (cached) networks_scored = cached->evaluations();
    out["device"] = on_device ? "cuda" : "cpu";
  } else {
    GenomeFitness fitness([&](const std::vector<Genome>& genomes) {
      std::vector<ArchJob> jobs;
      for (const Genome& g : genomes) jobs.push_back({0, g, live->scorer.settings().network});
      return live->score(std::move(jobs));
    });
    std::vector<GenomeSearchRun> found;
    {
      py::gil_scoped_release release;
      found = search_genomes(*space, fitness, config, runs);
    }
    for (const GenomeSearchRun& r : found) {
      run.push_back(r.run);
      archs.push_back(r.winner);
      scores.push_back(r.score);
      if (history) histories.append(py::cast(r.history));
    }
    out["index"] = py::none();
    networks_scored = fitness.evaluations();
    out["device"] = "cpu";
  }
  out["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out["run"] = to_array(run);
  out["arch"] = archs;
  out["score"] = to_array(scores);
  out["column"] = table_fitness ? table_fitness->column() : score;
  out["networks_scored"] = networks_scored ? py::cast(*networks_scored) : py::none();
  out["history"] = history ? py::object(histories) : py::none();
  return out;
}

}  // namespace

void bind_search(py::module_& m) {
  m.def("search", &search, py::arg("space"), py::arg("algorithm"), py::arg("runs"), py::arg("samples"),
        py::arg("population"), py::arg("sample_size"), py::arg("cycles"), py::arg("budget"), py::arg("seed"),
        py::arg("history"), py::arg("table"), py::arg("column"), py::arg("score"), py::arg("batch"),
        py::arg("epsilon_batch"), py::arg("data"), py::arg("engine"));
}

}  // namespace zcnas::python
