// The reference's oracle files of ../shared/oracle/<space> as the tests read them: cases.json, its numbers and
// the CIFAR-10 batch it names.
#pragma once
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/tensor.hpp"
#include "io/cifar10.hpp"
#include "test_support.hpp"

namespace zcnas::test {

// ../shared/oracle/<space>/cases.json.
inline nlohmann::json load_oracle_cases(const std::string& space) {
  std::ifstream in(shared_path("oracle/" + space + "/cases.json"));
  return nlohmann::json::parse(in);
}

// A number of cases.json, where non-finite values are the strings "nan", "inf", "-inf".
inline double json_number(const nlohmann::json& v) {
  if (v.is_number()) return v.get<double>();
  const std::string s = v.get<std::string>();
  return s == "-inf" ? -INFINITY : s == "inf" ? INFINITY : NAN;
}

// The first `batch` images from the offset that cases.json names, normalised as CIFAR-10.
inline Tensor oracle_batch(const nlohmann::json& cases, int64_t batch) {
  const auto images = load_cifar10(shared_path("data/cifar10/" + cases["images"].get<std::string>()));
  return make_batch(images, select_by_offset(images.size(), cases["offset"].get<int64_t>(), batch),
                    Normalisation::cifar10());
}

}  // namespace zcnas::test
