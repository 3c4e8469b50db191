// Score tables as NumPy arrays, and their evaluation against a space's ground truth (what `zcnas eval` reports).
#include "eval/evaluation.hpp"
#include "eval/truth.hpp"
#include "python/src/bindings.hpp"

namespace zcnas::python {
namespace {

PyScoreTable read_table(const SpaceHandle& space, const std::string& path) {
  PyScoreTable t{space, read_score_table(path, *space), {}};
  for (int64_t r = 0; r < t.table.rows(); ++r) t.arch.push_back(t.table.row(r, *space).arch);
  return t;
}

// values[row, column], the layout of a table on screen.
py::array_t<double> values_array(const ScoreTable& table) {
  const auto rows = static_cast<size_t>(table.rows()), columns = table.columns.size();
  py::array_t<double> out({static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(columns)});
  auto v = out.mutable_unchecked<2>();
  for (size_t c = 0; c < columns; ++c)
    for (size_t r = 0; r < rows; ++r) v(static_cast<py::ssize_t>(r), static_cast<py::ssize_t>(c)) = table.values[c][r];
  return out;
}

// The evaluation as `zcnas eval` gives it: its JSON (--json), its markdown report and the notes it prints.
py::tuple evaluate(const PyScoreTable& t, const std::string& truth_path, const std::vector<std::string>& datasets,
                   const std::vector<std::string>& columns, const std::vector<std::string>& leave_out,
                   const std::vector<double>& top) {
  std::vector<std::string> notes;
  const ScoreTable table = evaluated_part(*t.space, t.table, columns, leave_out, &notes);
  const GroundTruth truth = t.space->load_truth(truth_path);
  Evaluation evaluation = evaluate_scores(*t.space, table, truth, datasets, top);
  evaluation.truth_path = truth_path;
  return py::make_tuple(evaluation_json(evaluation).dump(), format_evaluation(evaluation), notes);
}

}  // namespace

void bind_tables(py::module_& m) {
  py::class_<PyScoreTable>(m, "ScoreTable")
      .def_property_readonly("space", [](const PyScoreTable& t) { return t.space; })
      .def_property_readonly("path", [](const PyScoreTable& t) { return t.table.path; })
      .def_property_readonly("columns", [](const PyScoreTable& t) { return t.table.columns; })
      .def_property_readonly("values", [](const PyScoreTable& t) { return values_array(t.table); })
      .def_property_readonly("index", [](const PyScoreTable& t) { return to_array(t.table.index); })
      .def_property_readonly("arch", [](const PyScoreTable& t) { return t.arch; })
      .def_property_readonly("seconds",
                             [](const PyScoreTable& t) -> std::optional<py::array_t<double>> {
                               if (t.table.seconds.empty()) return std::nullopt;
                               return to_array(t.table.seconds);
                             })
      .def("column", [](const PyScoreTable& t,
                        const std::string& name) { return to_array(t.table.values[t.table.column_position(name)]); })
      .def("__len__", [](const PyScoreTable& t) { return t.table.rows(); })
      .def("__repr__", [](const PyScoreTable& t) {
        return fmt::format("<zcnas.ScoreTable of {}: {} rows, columns {}>", t.space->name(), t.table.rows(),
                           py::str(py::cast(t.table.columns)).cast<std::string>());
      });
  m.def("read_score_table", &read_table, py::arg("space"), py::arg("path"));
  m.def("evaluate", &evaluate, py::arg("table"), py::arg("truth"), py::arg("datasets"), py::arg("columns"),
        py::arg("leave_out"), py::arg("top"));
}

}  // namespace zcnas::python
