// Table fitness: index -> score lookups.
#include "search/table_fitness.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace zcnas {

TableFitness::TableFitness(const ScoreTable& table, const std::string& column)
    : path_(table.path), column_(table.columns.at(table.column_position(column))) {
  ZCNAS_REQUIRE(table.rows() > 0, "score table '{}' has no rows to search", table.path);
  const auto size = static_cast<size_t>(*std::max_element(table.index.begin(), table.index.end()) + 1);
  score_by_index_.assign(size, std::nan(""));
  has_row_.assign(size, 0);
  const auto& values = table.values[table.column_position(column)];
  for (int64_t r = 0; r < table.rows(); ++r) {
    const auto i = static_cast<size_t>(table.index[static_cast<size_t>(r)]);
    score_by_index_[i] = values[static_cast<size_t>(r)];
    has_row_[i] = 1;
  }
  domain_ = table.index;
  std::sort(domain_.begin(), domain_.end());
  if (table.seconds.empty()) {
    mean_seconds_ = std::nan("");
  } else {
    for (double s : table.seconds) mean_seconds_ += s;
    mean_seconds_ /= static_cast<double>(table.seconds.size());
  }
}

bool TableFitness::has_row(int64_t index) const {
  return index >= 0 && index < static_cast<int64_t>(has_row_.size()) && has_row_[static_cast<size_t>(index)] != 0;
}

std::vector<double> TableFitness::evaluate(const std::vector<int64_t>& indices) {
  std::vector<double> scores;
  scores.reserve(indices.size());
  for (int64_t i : indices) {
    ZCNAS_REQUIRE(has_row(i), "score table '{}' has no row for index {}", path_, i);
    scores.push_back(score_by_index_[static_cast<size_t>(i)]);
  }
  return scores;
}

}  // namespace zcnas
