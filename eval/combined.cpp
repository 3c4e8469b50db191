// Rank-based combination of score columns.
#include "eval/combined.hpp"

#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "eval/correlation.hpp"

namespace zcnas {

std::vector<double> percentile_ranks(const std::vector<double>& scores) {
  std::vector<double> finite;
  for (double v : scores)
    if (std::isfinite(v)) finite.push_back(v);
  const std::vector<double> ranks = average_ranks(finite);  // 1..n
  std::vector<double> out(scores.size(), std::numeric_limits<double>::quiet_NaN());
  const double span = static_cast<double>(finite.size()) - 1.0;
  size_t k = 0;
  for (size_t i = 0; i < scores.size(); ++i)
    if (std::isfinite(scores[i])) out[i] = span > 0 ? (ranks[k++] - 1.0) / span : (++k, 1.0);
  return out;
}

std::vector<double> mean_percentile_rank(const std::vector<std::vector<double>>& columns) {
  ZCNAS_REQUIRE(!columns.empty(), "combined rank of no score columns");
  const size_t rows = columns[0].size();
  std::vector<double> total(rows, 0.0), count(rows, 0.0);
  for (size_t c = 0; c < columns.size(); ++c) {
    ZCNAS_REQUIRE(columns[c].size() == rows, "combined rank: score column {} has {} rows, column 0 has {}", c,
                  columns[c].size(), rows);
    const std::vector<double> ranks = percentile_ranks(columns[c]);
    for (size_t r = 0; r < rows; ++r)
      if (!std::isnan(ranks[r])) total[r] += ranks[r], count[r] += 1.0;
  }
  for (size_t r = 0; r < rows; ++r)
    total[r] = count[r] > 0 ? total[r] / count[r] : std::numeric_limits<double>::quiet_NaN();
  return total;
}

}  // namespace zcnas
