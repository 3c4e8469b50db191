// Ground truth: the trained accuracies of a space's archs, row i = official index i (SPEC.md §3). Each space
// reads its own table (SearchSpace::load_truth).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace zcnas {

struct GroundTruth {
  std::vector<std::string> datasets;           // column names, e.g. "cifar10", "cifar100", "imagenet16"
  std::vector<std::vector<double>> accuracy;   // [dataset][index]
  std::vector<std::string> arch;               // [index]
  int64_t size() const { return static_cast<int64_t>(arch.size()); }
  // Column of a dataset by its short name; throws listing the available names.
  const std::vector<double>& column(const std::string& dataset) const;
};

}  // namespace zcnas
