// safetensors reader and writer (format: see io/safetensors.hpp).
#include "io/safetensors.hpp"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace zcnas {
namespace {

size_t dtype_size(const std::string& dtype) {
  if (dtype == "F64" || dtype == "I64" || dtype == "U64") return 8;
  if (dtype == "F32" || dtype == "I32" || dtype == "U32") return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16") return 2;
  if (dtype == "I8" || dtype == "U8" || dtype == "BOOL") return 1;
  return 0;
}

template <typename T>
BasicTensor<T> convert(const RawTensor& raw, const std::string& what) {
  BasicTensor<T> out(raw.shape);
  const size_t n = out.data.size();
  if (raw.dtype == "F32") {
    std::vector<float> tmp(n);
    std::memcpy(tmp.data(), raw.bytes.data(), n * sizeof(float));
    for (size_t i = 0; i < n; ++i) out.data[i] = static_cast<T>(tmp[i]);
  } else if (raw.dtype == "F64") {
    std::vector<double> tmp(n);
    std::memcpy(tmp.data(), raw.bytes.data(), n * sizeof(double));
    for (size_t i = 0; i < n; ++i) out.data[i] = static_cast<T>(tmp[i]);
  } else {
    throw Error(fmt::format("{}: dtype {} is not a floating-point type (want F32 or F64)", what, raw.dtype));
  }
  return out;
}

}  // namespace

TensorFile read_safetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  ZCNAS_REQUIRE(in, "cannot open safetensors file '{}'", path);
  in.seekg(0, std::ios::end);
  const auto file_size = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  ZCNAS_REQUIRE(file_size >= 8, "'{}' is not a safetensors file: {} bytes, shorter than the 8-byte header length",
                path, file_size);
  unsigned char len_bytes[8];
  in.read(reinterpret_cast<char*>(len_bytes), 8);
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | len_bytes[i];
  ZCNAS_REQUIRE(header_len <= file_size - 8, "'{}' is not a safetensors file: header length {} exceeds file size {}",
                path, header_len, file_size);
  std::string header(header_len, '\0');
  in.read(header.data(), static_cast<std::streamsize>(header_len));
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(header);
  } catch (const std::exception& e) {
    throw Error(fmt::format("'{}' is not a safetensors file: bad JSON header ({})", path, e.what()));
  }
  ZCNAS_REQUIRE(j.is_object(), "'{}': safetensors header is not a JSON object", path);
  const uint64_t data_start = 8 + header_len;
  const uint64_t data_size = file_size - data_start;
  TensorFile out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "__metadata__") continue;
    const auto& e = it.value();
    RawTensor raw;
    try {
      raw.dtype = e.at("dtype").get<std::string>();
      raw.shape = e.at("shape").get<Shape>();
      const auto offsets = e.at("data_offsets").get<std::vector<uint64_t>>();
      ZCNAS_REQUIRE(offsets.size() == 2 && offsets[0] <= offsets[1] && offsets[1] <= data_size,
                    "'{}': tensor '{}' has data offsets outside the file", path, it.key());
      const size_t elem = dtype_size(raw.dtype);
      ZCNAS_REQUIRE(elem != 0, "'{}': tensor '{}' has unknown dtype {}", path, it.key(), raw.dtype);
      ZCNAS_REQUIRE(offsets[1] - offsets[0] == elem * static_cast<uint64_t>(shape_numel(raw.shape)),
                    "'{}': tensor '{}' of shape {} and dtype {} has {} data bytes", path, it.key(),
                    shape_to_string(raw.shape), raw.dtype, offsets[1] - offsets[0]);
      raw.bytes.resize(offsets[1] - offsets[0]);
      in.seekg(static_cast<std::streamoff>(data_start + offsets[0]));
      in.read(raw.bytes.data(), static_cast<std::streamsize>(raw.bytes.size()));
      ZCNAS_REQUIRE(in, "'{}': could not read the data of tensor '{}'", path, it.key());
    } catch (const nlohmann::json::exception& ex) {
      throw Error(fmt::format("'{}': malformed header entry for tensor '{}' ({})", path, it.key(), ex.what()));
    }
    out.emplace(it.key(), std::move(raw));
  }
  return out;
}

void write_safetensors(const std::string& path, const TensorFile& tensors) {
  nlohmann::json header = nlohmann::json::object();
  uint64_t offset = 0;
  for (const auto& [name, raw] : tensors) {
    header[name] = {{"dtype", raw.dtype}, {"shape", raw.shape}, {"data_offsets", {offset, offset + raw.bytes.size()}}};
    offset += raw.bytes.size();
  }
  std::string text = header.dump();
  while ((8 + text.size()) % 8 != 0) text += ' ';  // align the data to 8 bytes, as the format recommends
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    ZCNAS_REQUIRE(out, "cannot write '{}'", tmp);
    unsigned char len_bytes[8];
    uint64_t len = text.size();
    for (int i = 0; i < 8; ++i) len_bytes[i] = static_cast<unsigned char>((len >> (8 * i)) & 0xff);
    out.write(reinterpret_cast<const char*>(len_bytes), 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& [name, raw] : tensors) out.write(raw.bytes.data(), static_cast<std::streamsize>(raw.bytes.size()));
    ZCNAS_REQUIRE(out.good(), "error while writing '{}'", tmp);
  }
  std::filesystem::rename(tmp, path);
}

Tensor raw_to_f32(const RawTensor& raw, const std::string& what) { return convert<float>(raw, what); }
TensorF64 raw_to_f64(const RawTensor& raw, const std::string& what) { return convert<double>(raw, what); }

RawTensor raw_from(const Tensor& t) {
  RawTensor raw{"F32", t.shape, std::vector<char>(t.data.size() * sizeof(float))};
  std::memcpy(raw.bytes.data(), t.data.data(), raw.bytes.size());
  return raw;
}

RawTensor raw_from(const TensorF64& t) {
  RawTensor raw{"F64", t.shape, std::vector<char>(t.data.size() * sizeof(double))};
  std::memcpy(raw.bytes.data(), t.data.data(), raw.bytes.size());
  return raw;
}

}  // namespace zcnas
