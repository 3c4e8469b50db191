// A host tensor: a shape and a contiguous row-major buffer. The engine's only data container on the CPU.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace zcnas {

using Shape = std::vector<int64_t>;

inline int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string shape_to_string(const Shape& shape);

template <typename T>
struct BasicTensor {
  Shape shape;
  std::vector<T> data;

  BasicTensor() = default;
  explicit BasicTensor(Shape s, T fill = T(0)) : shape(std::move(s)), data(static_cast<size_t>(shape_numel(shape)), fill) {}
  int64_t numel() const { return static_cast<int64_t>(data.size()); }
  int64_t dim(size_t i) const { return shape.at(i); }
};

using Tensor = BasicTensor<float>;
using TensorF64 = BasicTensor<double>;

}  // namespace zcnas
