// The module, its exception type and the conversions between NumPy arrays and the library's tensors.
#include <fmt/format.h>

#include "core/error.hpp"
#include "python/src/bindings.hpp"

namespace zcnas::python {

py::array_t<double> to_array(const std::vector<double>& values) {
  py::array_t<double> out(static_cast<py::ssize_t>(values.size()));
  std::copy(values.begin(), values.end(), out.mutable_data());
  return out;
}

py::array_t<int64_t> to_array(const std::vector<int64_t>& values) {
  py::array_t<int64_t> out(static_cast<py::ssize_t>(values.size()));
  std::copy(values.begin(), values.end(), out.mutable_data());
  return out;
}

py::array_t<float> to_array(const Tensor& tensor) {
  py::array_t<float> out(std::vector<py::ssize_t>(tensor.shape.begin(), tensor.shape.end()));
  std::copy(tensor.data.begin(), tensor.data.end(), out.mutable_data());
  return out;
}

Tensor to_batch(const py::array& array, const std::string& what) {
  Shape shape(array.shape(), array.shape() + array.ndim());
  const std::string dtype = py::str(static_cast<py::object>(array.dtype()));
  ZCNAS_REQUIRE(array.dtype().is(py::dtype::of<float>()) && shape.size() == 4 && shape[1] == 3,
                "{}: expected a float32 array of shape [B, 3, H, W], got {} of shape {}", what, dtype,
                shape_to_string(shape));
  // forcecast on an array already float32 only makes a C-contiguous copy where the array is not one.
  const auto contiguous = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(array);
  Tensor tensor(shape);
  std::copy(contiguous.data(), contiguous.data() + tensor.numel(), tensor.data.begin());
  return tensor;
}

}  // namespace zcnas::python

PYBIND11_MODULE(_zcnas, m) {
  namespace zp = zcnas::python;
  m.doc() = "zcnas: training-free neural architecture search (the compiled part; see the zcnas package)";
  // zcnas::Error derives from std::runtime_error, so Python's Error derives from RuntimeError.
  pybind11::register_exception<zcnas::Error>(m, "Error", PyExc_RuntimeError);
  zp::bind_spaces(m);
  zp::bind_tables(m);
  zp::bind_scoring(m);
  zp::bind_search(m);
}
