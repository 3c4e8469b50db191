// How good is a score? A score table joined with the space's ground truth: per score column and dataset,
// Kendall tau-b, Spearman rho and Pearson r, top-k precision, and the accuracy of the best-scored arch.
// Non-finite scores (-inf, nan, inf) rank lowest, tied among themselves; the report gives the rank
// correlations both with them ranked so and with them left out, and says how many there are. A ground truth
// that covers part of the space joins the rows whose arch has an accuracy: per dataset, everything is
// computed over those rows, and the report says how many they are.
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
  int64_t rows = 0;  // rows joined: their arch has an accuracy in the dataset
  // Every joined row; non-finite scores ranked lowest (tied).
  double tau_b = 0.0, rho = 0.0;
  // Joined rows with a finite score only.
  int64_t finite_rows = 0;
  double tau_b_finite = 0.0, rho_finite = 0.0, pearson_finite = 0.0;
  std::vector<TopKPrecision> top;
  double best_scored_accuracy = 0.0;      // accuracy of the joined row with the best score
  int64_t best_scored_accuracy_rank = 0;  // 1 + joined rows with a strictly higher accuracy
  double best_accuracy = 0.0;             // the best accuracy among the joined rows
};

struct ColumnEvaluation {
  std::string column;
  int64_t rows = 0;  // every row of the score table, joined or not; the counts and the best score are over these
  int64_t minus_inf = 0, nan = 0, plus_inf = 0;
  int64_t non_finite() const { return minus_inf + nan + plus_inf; }
  int64_t best_index = -1;  // best score (better_fitness), first row of equals
  std::string best_arch;    // its arch string (evaluate_scores)
  double best_score = 0.0;
  std::vector<DatasetAgreement> datasets;
};

// How a dataset's ground truth met the score table (the same for every column).
struct DatasetJoin {
  std::string dataset;
  int64_t truth_archs = 0;  // archs with an accuracy in the ground truth
  int64_t joined = 0;       // score-table rows among them
};

struct Evaluation {
  std::string scores_path, truth_path;
  int64_t rows = 0;
  int64_t space_size = 0;  // archs in the space (entries of the ground truth)
  std::vector<DatasetJoin> joins;
  std::vector<ColumnEvaluation> columns;
  // True when some row has no accuracy in a dataset or the ground truth lacks archs of the space.
  bool partial() const;
};

// The ranking convention: finite scores keep their value, every non-finite score becomes -inf (one tie).
std::vector<double> rank_non_finite_lowest(const std::vector<double>& scores);

// `datasets`: names from the ground truth (empty: all of them). `top_percents` in (0, 100]. Throws when no row
// of the table has an accuracy in one of the datasets.
Evaluation evaluate_scores(const SearchSpace& space, const ScoreTable& table, const GroundTruth& truth,
                           const std::vector<std::string>& datasets, const std::vector<double>& top_percents);
ColumnEvaluation evaluate_column(const std::string& name, const std::vector<double>& scores,
                                 const std::vector<int64_t>& indices, const GroundTruth& truth,
                                 const std::vector<std::string>& datasets, const std::vector<double>& top_percents);

// The part of a table that `zcnas eval` evaluates: the score columns named, in the order named (none named: every
// column except the space's flags, which are not scores), of the rows on which none of the `leave_out` flags is
// set. Throws naming an unknown column, or a flag the space does not have. `notes` (when not null) receives a line
// per flag saying how many rows it left out.
ScoreTable evaluated_part(const SearchSpace& space, const ScoreTable& table, const std::vector<std::string>& columns,
                          const std::vector<std::string>& leave_out, std::vector<std::string>* notes = nullptr);

// A markdown report: one table per score column, a row per dataset.
std::string format_evaluation(const Evaluation& evaluation);
nlohmann::ordered_json evaluation_json(const Evaluation& evaluation);

// "CIFAR-10" for "cifar10", etc.; the name itself when unknown.
std::string dataset_title(const std::string& dataset);

}  // namespace zcnas
