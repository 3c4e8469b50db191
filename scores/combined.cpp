// Rank-based combination of score columns.
#include "scores/combined.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.hpp"

namespace zcnas {

std::vector<double> ascending_ranks(const std::vector<double>& scores) {
  const size_t n = scores.size();
  // Non-finite values first (they rank lowest), then finite ones in ascending order.
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const bool fa = std::isfinite(scores[a]), fb = std::isfinite(scores[b]);
    if (fa != fb) return !fa;
    return fa && scores[a] < scores[b];
  });
  const auto same = [&](size_t a, size_t b) {
    const bool fa = std::isfinite(scores[a]), fb = std::isfinite(scores[b]);
    return fa == fb && (!fa || scores[a] == scores[b]);
  };
  std::vector<double> ranks(n);
  for (size_t begin = 0; begin < n;) {
    size_t end = begin + 1;
    while (end < n && same(order[begin], order[end])) ++end;
    // Positions begin+1 .. end share their mean.
    const double shared = 0.5 * static_cast<double>(begin + 1 + end);
    for (size_t k = begin; k < end; ++k) ranks[order[k]] = shared;
    begin = end;
  }
  return ranks;
}

std::vector<double> mean_rank(const std::vector<std::vector<double>>& columns) {
  ZCNAS_REQUIRE(!columns.empty(), "mean rank of no score columns");
  const size_t rows = columns[0].size();
  std::vector<double> total(rows, 0.0);
  for (size_t c = 0; c < columns.size(); ++c) {
    ZCNAS_REQUIRE(columns[c].size() == rows, "mean rank: score column {} has {} rows, column 0 has {}", c,
                  columns[c].size(), rows);
    const std::vector<double> ranks = ascending_ranks(columns[c]);
    for (size_t r = 0; r < rows; ++r) total[r] += ranks[r];
  }
  for (double& t : total) t /= static_cast<double>(columns.size());
  return total;
}

}  // namespace zcnas
