// safetensors files: an 8-byte little-endian header length, a JSON header, then raw little-endian data.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "core/tensor.hpp"

namespace zcnas {

// One tensor as stored: dtype name ("F32", "F64", "I64", ...), shape and raw bytes.
struct RawTensor {
  std::string dtype;
  Shape shape;
  std::vector<char> bytes;
};

using TensorFile = std::map<std::string, RawTensor>;

// Reads every tensor of a safetensors file; throws zcnas::Error naming the file on any malformation.
TensorFile read_safetensors(const std::string& path);

// Writes tensors (F32 or F64) to a safetensors file atomically (temporary file, then rename).
void write_safetensors(const std::string& path, const TensorFile& tensors);

// Converts a stored F32/F64 tensor to float or double; `what` names it in errors.
Tensor raw_to_f32(const RawTensor& raw, const std::string& what);
TensorF64 raw_to_f64(const RawTensor& raw, const std::string& what);

RawTensor raw_from(const Tensor& t);
RawTensor raw_from(const TensorF64& t);

}  // namespace zcnas
