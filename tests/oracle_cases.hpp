// The reference's oracle files of ../shared/oracle/<space> as the tests read them: cases.json, its numbers and
// the CIFAR-10 batch it names.
#pragma once
#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/tensor.hpp"
#include "io/cifar10.hpp"
#include "io/safetensors.hpp"
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

// The oracle's input.safetensors is the batch zcnas makes of the images cases.json names, bit for bit.
inline void expect_input_is_oracle_batch(const std::string& space) {
  const auto cases = load_oracle_cases(space);
  const Tensor mine = oracle_batch(cases, cases["batch"].get<int64_t>());
  const std::string path = shared_path("oracle/" + space + "/input.safetensors");
  const Tensor ref = raw_to_f32(read_safetensors(path).at("input"), "input");
  ASSERT_EQ(mine.shape, ref.shape);
  for (size_t i = 0; i < ref.data.size(); ++i) ASSERT_EQ(mine.data[i], ref.data[i]) << "element " << i;
}

// The largest |K - K_ref| of two [B, B] kernels; expects every K_ii to be `units` exactly.
inline double largest_kernel_difference(const TensorF64& K, const TensorF64& ref, double units) {
  EXPECT_EQ(K.shape, ref.shape);
  if (K.shape != ref.shape) return INFINITY;
  const int64_t B = ref.shape[0];
  double worst = 0.0;
  for (int64_t i = 0; i < B; ++i) {
    EXPECT_EQ(K.data[static_cast<size_t>(i * B + i)], units) << "K_ii, sample " << i;
    for (int64_t j = 0; j < B; ++j) {
      const auto k = static_cast<size_t>(i * B + j);
      worst = std::max(worst, std::fabs(K.data[k] - ref.data[k]));
    }
  }
  return worst;
}

}  // namespace zcnas::test
