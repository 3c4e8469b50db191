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

int64_t GroundTruth::covered(const std::string& dataset) const {
  const std::vector<double>& c = column(dataset);
  return std::count_if(c.begin(), c.end(), has_accuracy);
}

}  // namespace zcnas
