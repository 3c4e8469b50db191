// Scoring archs with the library's Scorer, and loading CIFAR-10 batches, as NumPy arrays.
#include "api/scorer.hpp"
#include "core/error.hpp"
#include "io/input_batch.hpp"
#include "python/src/bindings.hpp"
#include "scores/epsilon.hpp"

namespace zcnas::python {

ScorerSettings scorer_settings(const SearchSpace& space, const std::vector<std::string>& scores,
                               const py::dict& engine) {
  ScorerSettings s;
  s.space = space.name();
  s.scores = scores;
  for (const auto& [key, value] : engine) {
    const auto name = key.cast<std::string>();
    if (name == "device") {
      s.device = value.cast<std::string>();
    } else if (name == "threads") {
      s.cpu_threads = value.cast<int>();
    } else if (name == "init") {
      s.init = parse_param_scheme(value.cast<std::string>());
    } else if (name == "init_seed") {
      s.init_seed = value.cast<uint64_t>();
    } else if (name == "repeats") {
      s.repeats = value.cast<int64_t>();
    } else if (name == "width") {
      s.network.channels = value.cast<std::optional<int64_t>>();
    } else if (name == "depth") {
      s.network.depth = value.cast<std::optional<int>>();
    } else if (name == "classes") {
      s.network.num_classes = value.cast<std::optional<int64_t>>();
    } else if (name == "sign_precision") {
      s.sign_precision = value.cast<std::string>();
    } else if (name == "epsilon_precision") {
      s.options.float64 = parse_epsilon_precision(value.cast<std::string>()) == EpsilonPrecision::Float64;
    } else {
      throw Error(fmt::format("unknown scoring setting '{}'", name));
    }
  }
  return s;
}

LiveBatches live_batches(const Scorer& scorer, const std::optional<py::array>& batch,
                         const std::optional<py::array>& epsilon_batch, const std::optional<std::string>& data) {
  const ScoreNeeds needs = scorer.needs();
  LiveBatches b;
  if (needs.main_batch) {
    if (batch)
      b.main = to_batch(*batch, "batch");
    else if (data)
      b.main = load_batch(BatchSource{*data, "", std::nullopt, std::nullopt, 128, "cifar10"});
  }
  if (needs.constant_weight_batch) {
    // As `zcnas score`: the first kEpsilonDefaultBatch images of the same data.
    if (epsilon_batch)
      b.constant_weight = to_batch(*epsilon_batch, "epsilon_batch");
    else if (data)
      b.constant_weight =
          load_batch(BatchSource{*data, "", std::nullopt, std::nullopt, kEpsilonDefaultBatch, "cifar10"});
  }
  ZCNAS_REQUIRE(b.main || !needs.main_batch,
                "the scores asked run networks on a batch: give batch= (float32 [B, 3, H, W]) or data= (CIFAR-10)");
  ZCNAS_REQUIRE(b.constant_weight || !needs.constant_weight_batch,
                "epsilon runs a batch of its own: give epsilon_batch= (float32 [B, 3, H, W]) or data= (CIFAR-10)");
  return b;
}

ScoreBatches LiveBatches::view() const {
  return {main ? &*main : nullptr, constant_weight ? &*constant_weight : nullptr, nullptr};
}

namespace {

// The rows as a score table of the space; a space without an index order keeps each row's arch (as a reader of
// its tables does).
PyScoreTable table_of_rows(const SpaceHandle& space, const std::vector<std::string>& columns,
                           const std::vector<ArchRow>& rows) {
  PyScoreTable t{space, {}, {}};
  t.table.columns = columns;
  t.table.values.resize(columns.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    t.table.index.push_back(rows[r].index);
    t.table.line.push_back(static_cast<int64_t>(r) + 1);
    t.table.seconds.push_back(rows[r].seconds);
    for (size_t c = 0; c < columns.size(); ++c) t.table.values[c].push_back(rows[r].values[c]);
    t.arch.push_back(rows[r].arch);
  }
  if (!space->enumerable()) t.table.arch = t.arch;
  return t;
}

PyScoreTable score(const SpaceHandle& space, const std::vector<std::string>& archs, const std::vector<int64_t>& indices,
                   const std::vector<std::string>& scores, const std::optional<py::array>& batch,
                   const std::optional<py::array>& epsilon_batch, const std::optional<std::string>& data,
                   const py::dict& engine) {
  Scorer scorer(scorer_settings(*space, scores, engine));
  ZCNAS_REQUIRE(!archs.empty() || !indices.empty(), "nothing to score: give archs or indices");
  std::vector<ArchJob> jobs;
  for (const auto& arch : archs) {
    jobs.push_back(scorer.job_of_arch(arch));
    // Without an index order a row is numbered by its place among the archs asked.
    if (!space->enumerable()) jobs.back().index = static_cast<int64_t>(jobs.size()) - 1;
  }
  for (int64_t index : indices) jobs.push_back(scorer.job_of_index(index));
  const LiveBatches batches = live_batches(scorer, batch, epsilon_batch, data);
  std::vector<ArchRow> rows;
  {
    py::gil_scoped_release release;
    rows = scorer.score(jobs, batches.view());
  }
  return table_of_rows(space, scorer.columns(), rows);
}

py::array_t<float> load_cifar10(const std::string& path, int64_t batch, std::optional<int64_t> offset,
                                std::optional<uint64_t> seed, const std::string& normalisation) {
  ZCNAS_REQUIRE(!path.empty(), "load_cifar10: give the path of a CIFAR-10 binary file or directory");
  Tensor images;
  {
    py::gil_scoped_release release;
    images = load_batch(BatchSource{path, "", offset, seed, batch, normalisation});
  }
  return to_array(images);
}

}  // namespace

void bind_scoring(py::module_& m) {
  m.def("score", &score, py::arg("space"), py::arg("archs"), py::arg("indices"), py::arg("scores"), py::arg("batch"),
        py::arg("epsilon_batch"), py::arg("data"), py::arg("engine"));
  m.def("load_cifar10", &load_cifar10, py::arg("path"), py::arg("batch"), py::arg("offset"), py::arg("seed"),
        py::arg("normalisation"));
}

}  // namespace zcnas::python
