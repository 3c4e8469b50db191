// Score evaluation: correlations, top-k precision and the best-scored arch.
#include "eval/evaluation.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.hpp"
#include "eval/correlation.hpp"
#include "io/score_table.hpp"
#include "search/fitness_order.hpp"

namespace zcnas {

std::vector<double> rank_non_finite_lowest(const std::vector<double>& scores) {
  std::vector<double> ranked(scores);
  for (double& v : ranked)
    if (!std::isfinite(v)) v = -INFINITY;
  return ranked;
}

std::string dataset_title(const std::string& dataset) {
  if (dataset == "cifar10") return "CIFAR-10";
  if (dataset == "cifar100") return "CIFAR-100";
  if (dataset == "imagenet16") return "ImageNet16-120";
  return dataset;
}

namespace {

TopKPrecision top_k_precision(const std::vector<double>& scores, const std::vector<double>& accuracy, double percent) {
  const size_t n = scores.size();
  TopKPrecision t;
  t.percent = percent;
  // The small epsilon keeps k = n * p / 100 exact when the product is a whole number in decimal.
  t.k = std::min<int64_t>(
      static_cast<int64_t>(n),
      std::max<int64_t>(1, static_cast<int64_t>(std::ceil(static_cast<double>(n) * percent / 100.0 - 1e-9))));
  std::vector<size_t> by_score(n);
  std::iota(by_score.begin(), by_score.end(), size_t{0});
  std::stable_sort(by_score.begin(), by_score.end(),
                   [&](size_t a, size_t b) { return better_fitness(scores[a], scores[b]); });
  std::vector<double> sorted_accuracy(accuracy);
  std::sort(sorted_accuracy.begin(), sorted_accuracy.end(), std::greater<>());
  const double threshold = sorted_accuracy[static_cast<size_t>(t.k - 1)];
  for (int64_t r = 0; r < t.k; ++r)
    if (accuracy[by_score[static_cast<size_t>(r)]] >= threshold) ++t.hits;
  return t;
}

// Correlations are NaN when one side is constant: null in JSON, which has no NaN.
nlohmann::ordered_json number_or_null(double v) { return std::isfinite(v) ? nlohmann::ordered_json(v) : nullptr; }

// Scores as the score tables write them: non-finite ones as the strings "-inf", "nan", "inf".
nlohmann::ordered_json score_json(double v) {
  return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(format_score(v));
}

std::string fixed(double v, int digits) {
  return std::isnan(v) ? std::string("n/a") : fmt::format("{:.{}f}", v, digits);
}

}  // namespace

ColumnEvaluation evaluate_column(const std::string& name, const std::vector<double>& scores,
                                 const std::vector<int64_t>& indices, const GroundTruth& truth,
                                 const std::vector<std::string>& datasets, const std::vector<double>& top_percents) {
  ZCNAS_REQUIRE(scores.size() == indices.size(), "score column '{}': {} scores for {} rows", name, scores.size(),
                indices.size());
  ZCNAS_REQUIRE(!scores.empty(), "score column '{}' has no rows to evaluate", name);
  ColumnEvaluation col;
  col.column = name;
  col.rows = static_cast<int64_t>(scores.size());
  size_t best = 0;
  for (size_t r = 0; r < scores.size(); ++r) {
    const double v = scores[r];
    if (std::isnan(v))
      ++col.nan;
    else if (std::isinf(v))
      ++(v < 0 ? col.minus_inf : col.plus_inf);
    if (better_fitness(v, scores[best])) best = r;
  }
  col.best_index = indices[best];
  col.best_score = scores[best];

  const std::vector<double> ranked = rank_non_finite_lowest(scores);
  std::vector<size_t> finite_rows;
  for (size_t r = 0; r < scores.size(); ++r)
    if (std::isfinite(scores[r])) finite_rows.push_back(r);
  std::vector<double> finite_scores;
  for (size_t r : finite_rows) finite_scores.push_back(scores[r]);

  for (const std::string& d : datasets.empty() ? truth.datasets : datasets) {
    const std::vector<double>& column = truth.column(d);
    std::vector<double> accuracy;
    accuracy.reserve(indices.size());
    for (int64_t i : indices) {
      ZCNAS_REQUIRE(i >= 0 && i < static_cast<int64_t>(column.size()), "index {} is outside the ground truth ({} rows)",
                    i, column.size());
      accuracy.push_back(column[static_cast<size_t>(i)]);
    }
    DatasetAgreement a;
    a.dataset = d;
    a.tau_b = kendall_tau_b(ranked, accuracy);
    a.rho = spearman_rho(ranked, accuracy);
    std::vector<double> finite_accuracy;
    for (size_t r : finite_rows) finite_accuracy.push_back(accuracy[r]);
    a.finite_rows = static_cast<int64_t>(finite_rows.size());
    a.tau_b_finite = kendall_tau_b(finite_scores, finite_accuracy);
    a.rho_finite = spearman_rho(finite_scores, finite_accuracy);
    a.pearson_finite = pearson_r(finite_scores, finite_accuracy);
    for (double p : top_percents) {
      ZCNAS_REQUIRE(p > 0 && p <= 100, "top-k percentage {} is outside (0, 100]", p);
      a.top.push_back(top_k_precision(scores, accuracy, p));
    }
    a.best_scored_accuracy = accuracy[best];
    a.best_accuracy = *std::max_element(accuracy.begin(), accuracy.end());
    a.best_scored_accuracy_rank =
        1 + std::count_if(accuracy.begin(), accuracy.end(), [&](double v) { return v > accuracy[best]; });
    col.datasets.push_back(std::move(a));
  }
  return col;
}

Evaluation evaluate_scores(const SearchSpace& space, const ScoreTable& table, const GroundTruth& truth,
                           const std::vector<std::string>& datasets, const std::vector<double>& top_percents) {
  ZCNAS_REQUIRE(table.rows() > 0, "score table '{}' has no rows", table.path);
  Evaluation e;
  e.scores_path = table.path;
  e.rows = table.rows();
  for (int64_t r = 0; r < table.rows(); ++r) {
    const int64_t i = table.index[static_cast<size_t>(r)];
    ZCNAS_REQUIRE(i < truth.size(), "score table '{}' line {}: index {} is outside the ground truth ({} rows)",
                  table.path, table.line[static_cast<size_t>(r)], i, truth.size());
  }
  for (size_t c = 0; c < table.columns.size(); ++c) {
    e.columns.push_back(evaluate_column(table.columns[c], table.values[c], table.index, truth, datasets, top_percents));
    e.columns.back().best_arch = space.arch_of(e.columns.back().best_index);
  }
  return e;
}

std::string format_evaluation(const Evaluation& e) {
  std::string out = fmt::format("# Scores of `{}` against `{}`\n\n{} rows (archs) joined with the ground truth.\n",
                                e.scores_path, e.truth_path, e.rows);
  for (const ColumnEvaluation& c : e.columns) {
    out += fmt::format("\n## {}\n\n", c.column);
    out += fmt::format("- rows: {}; non-finite scores: {} (-inf {}, nan {}, inf {})\n", c.rows, c.non_finite(),
                       c.minus_inf, c.nan, c.plus_inf);
    if (c.non_finite() > 0)
      out += fmt::format(
          "- \"all rows\": non-finite scores rank lowest, tied among themselves; \"finite\": the {} are left out "
          "(n = {})\n",
          c.non_finite(), c.rows - c.non_finite());
    out += fmt::format("- best score: {} at index {} `{}`\n\n", format_score(c.best_score), c.best_index, c.best_arch);
    std::string header =
        "| dataset | tau-b (all rows) | rho (all rows) | tau-b (finite) | rho (finite) | Pearson (finite) |";
    std::string rule = "|---|---:|---:|---:|---:|---:|";
    if (!c.datasets.empty())
      for (const auto& t : c.datasets.front().top) {
        header += fmt::format(" top-{:g}% (k={}) |", t.percent, t.k);
        rule += "---:|";
      }
    header += " accuracy of best-scored arch (rank) | best accuracy |";
    rule += "---:|---:|";
    out += header + "\n" + rule + "\n";
    for (const DatasetAgreement& a : c.datasets) {
      out += fmt::format("| {} | {} | {} | {} | {} | {} |", dataset_title(a.dataset), fixed(a.tau_b, 4),
                         fixed(a.rho, 4), fixed(a.tau_b_finite, 4), fixed(a.rho_finite, 4), fixed(a.pearson_finite, 4));
      for (const auto& t : a.top) out += fmt::format(" {:.3f} ({}/{}) |", t.precision(), t.hits, t.k);
      out += fmt::format(" {:.2f} ({} of {}) | {:.2f} |\n", a.best_scored_accuracy, a.best_scored_accuracy_rank, c.rows,
                         a.best_accuracy);
    }
  }
  return out;
}

nlohmann::ordered_json evaluation_json(const Evaluation& e) {
  nlohmann::ordered_json j;
  j["scores"] = e.scores_path;
  j["truth"] = e.truth_path;
  j["rows"] = e.rows;
  j["columns"] = nlohmann::ordered_json::array();
  for (const ColumnEvaluation& c : e.columns) {
    nlohmann::ordered_json cj;
    cj["column"] = c.column;
    cj["rows"] = c.rows;
    cj["non_finite"] = {{"total", c.non_finite()}, {"-inf", c.minus_inf}, {"nan", c.nan}, {"inf", c.plus_inf}};
    cj["best"] = {{"index", c.best_index}, {"arch", c.best_arch}, {"score", score_json(c.best_score)}};
    cj["datasets"] = nlohmann::ordered_json::array();
    for (const DatasetAgreement& a : c.datasets) {
      nlohmann::ordered_json aj;
      aj["dataset"] = a.dataset;
      aj["all_rows"] = {{"n", c.rows},
                        {"non_finite_ranked", "lowest, tied"},
                        {"kendall_tau_b", number_or_null(a.tau_b)},
                        {"spearman_rho", number_or_null(a.rho)}};
      aj["finite_rows"] = {{"n", a.finite_rows},
                           {"kendall_tau_b", number_or_null(a.tau_b_finite)},
                           {"spearman_rho", number_or_null(a.rho_finite)},
                           {"pearson_r", number_or_null(a.pearson_finite)}};
      aj["top_k"] = nlohmann::ordered_json::array();
      for (const auto& t : a.top)
        aj["top_k"].push_back({{"percent", t.percent}, {"k", t.k}, {"hits", t.hits}, {"precision", t.precision()}});
      aj["best_scored"] = {{"accuracy", a.best_scored_accuracy}, {"rank", a.best_scored_accuracy_rank}};
      aj["best_accuracy"] = a.best_accuracy;
      cj["datasets"].push_back(std::move(aj));
    }
    j["columns"].push_back(std::move(cj));
  }
  return j;
}

}  // namespace zcnas
