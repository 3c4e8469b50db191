// The Python module zcnas._zcnas: each file binds one concern of the library; python/zcnas/__init__.py is the
// documented front.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <vector>

#include "api/scorer.hpp"
#include "core/tensor.hpp"
#include "eval/score_table_reader.hpp"
#include "spaces/space.hpp"

namespace zcnas::python {

namespace py = pybind11;

// A space as Python holds it (zcnas.Space): shared by the tables that name their archs in its notation.
using SpaceHandle = std::shared_ptr<SearchSpace>;

// A score table with its space: read from a file or made by score(). Immutable from Python.
struct PyScoreTable {
  SpaceHandle space;
  ScoreTable table;
  std::vector<std::string> arch;  // [row] in the space's notation, for every space
};

// NumPy arrays of library vectors (copies: the arrays own their data).
py::array_t<double> to_array(const std::vector<double>& values);
py::array_t<int64_t> to_array(const std::vector<int64_t>& values);
py::array_t<float> to_array(const Tensor& tensor);
// A float32 array [B, 3, H, W] as a Tensor; throws zcnas::Error naming `what`, the dtype and the shape otherwise.
Tensor to_batch(const py::array& array, const std::string& what);

// The Scorer's settings from score()'s and search()'s keyword arguments (python/zcnas/__init__.py's `engine`).
ScorerSettings scorer_settings(const SearchSpace& space, const std::vector<std::string>& scores,
                               const py::dict& engine);
// The batches the scorer's scores read: the arrays given, else images of the CIFAR-10 `data` (128 for the main
// batch, kEpsilonDefaultBatch for the constant-weight one, as `zcnas score` takes them).
struct LiveBatches {
  std::optional<Tensor> main, constant_weight;
  ScoreBatches view() const;
};
LiveBatches live_batches(const Scorer& scorer, const std::optional<py::array>& batch,
                         const std::optional<py::array>& epsilon_batch, const std::optional<std::string>& data);

void bind_spaces(py::module_& m);
void bind_tables(py::module_& m);
void bind_scoring(py::module_& m);
void bind_search(py::module_& m);

}  // namespace zcnas::python
