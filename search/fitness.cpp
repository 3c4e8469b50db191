// Cached fitness.
#include "search/fitness.hpp"

#include <algorithm>

namespace zcnas {

std::vector<double> CachedFitness::evaluate(const std::vector<int64_t>& indices) {
  std::vector<int64_t> missing;
  for (int64_t i : indices)
    if (!cache_.count(i) && std::find(missing.begin(), missing.end(), i) == missing.end()) missing.push_back(i);
  if (!missing.empty()) {
    const std::vector<double> scores = fn_(missing);
    for (size_t k = 0; k < missing.size(); ++k) cache_[missing[k]] = scores.at(k);
    evaluations_ += static_cast<int64_t>(missing.size());
  }
  std::vector<double> out;
  out.reserve(indices.size());
  for (int64_t i : indices) out.push_back(cache_.at(i));
  return out;
}

}  // namespace zcnas
