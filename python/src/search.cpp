// Searches (api/search.hpp): random search, REA and AREA with a score table or live scoring as fitness.
#include "api/search.hpp"

#include "python/src/bindings.hpp"

namespace zcnas::python {
namespace {

py::dict search(const SpaceHandle& space, const std::string& algorithm, int64_t runs, std::optional<int64_t> samples,
                int64_t population, int64_t sample_size, std::optional<int64_t> cycles, std::optional<int64_t> budget,
                uint64_t seed, bool history, const PyScoreTable* table, const std::string& column,
                const std::string& score, const std::optional<py::array>& batch,
                const std::optional<py::array>& epsilon_batch, const std::optional<std::string>& data,
                const py::dict& engine) {
  SearchConfig config =
      search_config({parse_search_algorithm(algorithm), samples, cycles, budget, population, sample_size, seed});
  config.keep_history = history;
  const ScorerSettings settings = scorer_settings(*space, {score}, engine);
  std::optional<TableFitness> table_fitness;
  std::optional<Scorer> scorer;
  LiveBatches batches;
  if (table) {
    ZCNAS_REQUIRE(table->space->name() == space->name(), "the table's archs are of {}, the search's of {}",
                  table->space->title(), space->title());
    table_fitness.emplace(table->table, column);
  } else {
    scorer.emplace(settings);
    batches = live_batches(*scorer, batch, epsilon_batch, data);
  }
  SearchOutcome outcome;
  {
    py::gil_scoped_release release;
    const SearchFitness fitness{
        table_fitness ? &*table_fitness : nullptr, scorer ? &*scorer : nullptr, batches.view(), {}};
    outcome = search_space(*space, config, runs, parse_device(settings.device), fitness);
  }

  std::vector<int64_t> run, index;
  std::vector<double> scores;
  std::vector<std::string> archs;
  for (const SearchWinner& w : outcome.winners) {
    run.push_back(w.run);
    if (w.index) index.push_back(*w.index);
    archs.push_back(w.arch);
    scores.push_back(w.score);
  }
  py::list histories;
  for (const SearchRun& r : outcome.runs) histories.append(to_array(r.history));
  for (const GenomeSearchRun& r : outcome.genome_runs) histories.append(py::cast(r.history));
  py::dict out;
  out["run"] = to_array(run);
  out["index"] = outcome.indexed ? py::object(to_array(index)) : py::none();
  out["arch"] = archs;
  out["score"] = to_array(scores);
  out["column"] = table_fitness ? table_fitness->column() : score;
  out["device"] = device_name(outcome.device);
  out["seconds"] = outcome.seconds;
  out["networks_scored"] = outcome.networks_scored ? py::cast(*outcome.networks_scored) : py::none();
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
