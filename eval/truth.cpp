// Ground truth: columns by dataset name.
#include "eval/truth.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace zcnas {

const std::vector<double>& GroundTruth::column(const std::string& dataset) const {
  for (size_t i = 0; i < datasets.size(); ++i)
    if (datasets[i] == dataset) return accuracy[i];
  std::string names;
  for (const auto& d : datasets) names += (names.empty() ? "" : ", ") + d;
  throw Error(fmt::format("ground truth has no dataset '{}' (it has: {})", dataset, names));
}

GroundTruth empty_truth(int64_t archs, std::vector<std::string> datasets, std::string measure) {
  GroundTruth truth;
  truth.accuracy.assign(datasets.size(), std::vector<double>(static_cast<size_t>(archs), NAN));
  truth.datasets = std::move(datasets);
  truth.arch.resize(static_cast<size_t>(archs));
  truth.measure = std::move(measure);
  return truth;
}

int64_t GroundTruth::covered(const std::string& dataset) const {
  const std::vector<double>& c = column(dataset);
  return std::count_if(c.begin(), c.end(), has_accuracy);
}

}  // namespace zcnas
