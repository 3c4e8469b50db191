// Ground truth: the trained accuracies of a space's archs, entry i = official index i (SPEC.md §3). Each space
// reads its own table (SearchSpace::load_truth). A table may cover part of the space (NB101's tables do): the
// archs it lacks have accuracy NaN, and evaluations join a score table with the archs that have a value.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace zcnas {

struct GroundTruth {
  std::vector<std::string> datasets;           // column names, e.g. "cifar10", "cifar100", "imagenet16"
  std::vector<std::vector<double>> accuracy;   // [dataset][index], NaN where the table has no value
  std::vector<std::string> arch;               // [index] as the table names it, "" where it has no row
  std::string measure = "accuracy";            // what the values are, for labels: "test accuracy", ...
  int64_t size() const { return static_cast<int64_t>(arch.size()); }
  // Column of a dataset by its short name; throws listing the available names.
  const std::vector<double>& column(const std::string& dataset) const;
  // The number of archs with a value in the dataset's column.
  int64_t covered(const std::string& dataset) const;
};

// A truth of `archs` archs that covers none of them yet: every accuracy NaN, every arch "".
GroundTruth empty_truth(int64_t archs, std::vector<std::string> datasets, std::string measure);

// False for the NaN that stands for an arch the table does not cover.
inline bool has_accuracy(double accuracy) { return !std::isnan(accuracy); }

}  // namespace zcnas
