// How good is a score? A score table joined with the space's ground truth: per score column and dataset,
// Kendall tau-b, Spearman rho and Pearson r, top-k precision, and the accuracy of the best-scored arch.
// Non-finite scores (-inf, nan, inf) rank lowest, tied among themselves; the report gives the rank
// correlations both with them ranked so and with them left out, and says how many there are.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "eval/score_table_reader.hpp"
#include "eval/truth.hpp"

namespace zcnas {

// Of the top `percent`% of rows by score (k = ceil(n * percent / 100) rows, ties broken by row order), the
// fraction whose accuracy reaches the k-th best accuracy of the rows (so ties in accuracy count as in).
struct TopKPrecision {
  double percent = 0.0;
  int64_t k = 0;
  int64_t hits = 0;
  double precision() const { return k > 0 ? static_cast<double>(hits) / static_cast<double>(k) : 0.0; }
};

struct DatasetAgreement {
  std::string dataset;
  // Every row; non-finite scores ranked lowest (tied).
  double tau_b = 0.0, rho = 0.0;
  // Finite-score rows only.
  int64_t finite_rows = 0;
  double tau_b_finite = 0.0, rho_finite = 0.0, pearson_finite = 0.0;
  std::vector<TopKPrecision> top;
  double best_scored_accuracy = 0.0;      // accuracy of the row with the best score
  int64_t best_scored_accuracy_rank = 0;  // 1 + rows with a strictly higher accuracy
  double best_accuracy = 0.0;             // the best accuracy among the rows
};

struct ColumnEvaluation {
  std::string column;
  int64_t rows = 0;
  int64_t minus_inf = 0, nan = 0, plus_inf = 0;
  int64_t non_finite() const { return minus_inf + nan + plus_inf; }
  int64_t best_index = -1;  // best score (better_fitness), first row of equals
  std::string best_arch;    // its arch string (evaluate_scores)
  double best_score = 0.0;
  std::vector<DatasetAgreement> datasets;
};

struct Evaluation {
  std::string scores_path, truth_path;
  int64_t rows = 0;
  std::vector<ColumnEvaluation> columns;
};

// The ranking convention: finite scores keep their value, every non-finite score becomes -inf (one tie).
std::vector<double> rank_non_finite_lowest(const std::vector<double>& scores);

// `datasets`: names from the ground truth (empty: all of them). `top_percents` in (0, 100].
Evaluation evaluate_scores(const SearchSpace& space, const ScoreTable& table, const GroundTruth& truth,
                           const std::vector<std::string>& datasets, const std::vector<double>& top_percents);
ColumnEvaluation evaluate_column(const std::string& name, const std::vector<double>& scores,
                                 const std::vector<int64_t>& indices, const GroundTruth& truth,
                                 const std::vector<std::string>& datasets, const std::vector<double>& top_percents);

// A markdown report: one table per score column, a row per dataset.
std::string format_evaluation(const Evaluation& evaluation);
nlohmann::ordered_json evaluation_json(const Evaluation& evaluation);

// "CIFAR-10" for "cifar10", etc.; the name itself when unknown.
std::string dataset_title(const std::string& dataset);

}  // namespace zcnas
