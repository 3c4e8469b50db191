// Search spaces: names, arch strings, the index order and the ground truth.
#include "core/random.hpp"
#include "eval/truth.hpp"
#include "python/src/bindings.hpp"
#include "scores/score.hpp"

namespace zcnas::python {

namespace {

// `n` random archs: the space's random_genome, the draws searches make, from stream (seed, 0).
std::vector<std::string> random_archs(const SearchSpace& space, int64_t n, uint64_t seed) {
  ZCNAS_REQUIRE(n >= 0, "random_archs: n must be >= 0, got {}", n);
  RandomStream random(seed, 0);
  std::vector<std::string> archs;
  for (int64_t k = 0; k < n; ++k) archs.push_back(space.format(space.random_genome(random)));
  return archs;
}

}  // namespace

void bind_spaces(py::module_& m) {
  m.def("space_names", &space_names);
  m.def("score_names", [] {
    std::vector<std::string> names;
    for (const auto& r : registered_scores()) names.emplace_back(r.name);
    return names;
  });

  py::class_<SearchSpace, SpaceHandle>(m, "Space")
      .def(py::init([](const std::string& name) { return SpaceHandle(make_space(name)); }), py::arg("name"))
      .def_property_readonly("name", &SearchSpace::name)
      .def_property_readonly("title", &SearchSpace::title)
      .def_property_readonly("size",
                             [](const SearchSpace& s) -> std::optional<int64_t> {
                               if (!s.enumerable()) return std::nullopt;
                               return s.size();
                             })
      .def_property_readonly("enumerable", &SearchSpace::enumerable)
      .def_property_readonly("flag_names", &SearchSpace::arch_flag_names)
      .def("arch", &SearchSpace::arch_of, py::arg("index"))
      .def("index", &SearchSpace::index_of_arch, py::arg("arch"))
      .def(
          "canonical",
          [](const SearchSpace& s, const std::string& arch) { return s.format(s.canonical(s.parse(arch))); },
          py::arg("arch"))
      .def("random_archs", &random_archs, py::arg("n"), py::arg("seed") = 0)
      .def(
          "load_truth",
          [](const SearchSpace& s, const std::string& path) {
            const GroundTruth truth = s.load_truth(path);
            py::dict out;
            for (size_t d = 0; d < truth.datasets.size(); ++d)
              out[py::str(truth.datasets[d])] = to_array(truth.accuracy[d]);
            return out;
          },
          py::arg("path"))
      .def("__repr__", [](const SearchSpace& s) { return "zcnas.Space('" + s.name() + "')"; });
}

}  // namespace zcnas::python
