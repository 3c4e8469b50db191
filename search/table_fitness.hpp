// A precomputed score table as a search's fitness: looking up a score replaces scoring a network, and the
// search samples among the table's rows only.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "eval/score_table_reader.hpp"
#include "search/fitness.hpp"

namespace zcnas {

class TableFitness final : public Fitness {
 public:
  // One score column of the table (an empty name picks the only one). Throws for a table without rows.
  TableFitness(const ScoreTable& table, const std::string& column);

  // Throws naming the index when the table has no row for it.
  std::vector<double> evaluate(const std::vector<int64_t>& indices) override;
  // The table's indices in ascending order, so that the row order of the file does not change a search;
  // with a full-space table this is every index, the domain of a live search.
  const std::vector<int64_t>& domain() const override { return domain_; }

  // [1 + the largest index] the score of every index up to the table's last, NaN where it has no row (has_row).
  const std::vector<double>& score_by_index() const { return score_by_index_; }
  bool has_row(int64_t index) const;
  const std::string& column() const { return column_; }
  const std::string& path() const { return path_; }
  // Mean of the table's seconds column (what scoring one arch cost), or NaN when it has none.
  double mean_seconds_per_arch() const { return mean_seconds_; }

 private:
  std::string path_, column_;
  std::vector<int64_t> domain_;
  std::vector<double> score_by_index_;
  std::vector<uint8_t> has_row_;
  double mean_seconds_ = 0.0;
};

}  // namespace zcnas
