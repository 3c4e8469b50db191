// Score evaluation: correlations, top-k precision and the best-scored arch.
#include "eval/evaluation.hpp"

#include <fmt/ranges.h>

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

// The best score's row (better_fitness), the first of equals.
size_t best_row(const std::vector<double>& scores) {
  size_t best = 0;
  for (size_t r = 1; r < scores.size(); ++r)
    if (better_fitness(scores[r], scores[best])) best = r;
  return best;
}

// Agreement of the joined rows' scores with their accuracies (both [joined row], at least one row).
DatasetAgreement agreement(const std::string& dataset, const std::vector<double>& scores,
                           const std::vector<double>& accuracy, const std::vector<double>& top_percents) {
  DatasetAgreement a;
  a.dataset = dataset;
  a.rows = static_cast<int64_t>(scores.size());
  const std::vector<double> ranked = rank_non_finite_lowest(scores);
  a.tau_b = kendall_tau_b(ranked, accuracy);
  a.rho = spearman_rho(ranked, accuracy);
  std::vector<double> finite_scores, finite_accuracy;
  for (size_t r = 0; r < scores.size(); ++r)
    if (std::isfinite(scores[r])) {
      finite_scores.push_back(scores[r]);
      finite_accuracy.push_back(accuracy[r]);
    }
  a.finite_rows = static_cast<int64_t>(finite_scores.size());
  a.tau_b_finite = kendall_tau_b(finite_scores, finite_accuracy);
  a.rho_finite = spearman_rho(finite_scores, finite_accuracy);
  a.pearson_finite = pearson_r(finite_scores, finite_accuracy);
  for (double p : top_percents) {
    ZCNAS_REQUIRE(p > 0 && p <= 100, "top-k percentage {} is outside (0, 100]", p);
    a.top.push_back(top_k_precision(scores, accuracy, p));
  }
  const size_t best = best_row(scores);
  a.best_scored_accuracy = accuracy[best];
  a.best_accuracy = *std::max_element(accuracy.begin(), accuracy.end());
  a.best_scored_accuracy_rank =
      1 + std::count_if(accuracy.begin(), accuracy.end(), [&](double v) { return v > accuracy[best]; });
  return a;
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
  for (double v : scores) {
    if (std::isnan(v))
      ++col.nan;
    else if (std::isinf(v))
      ++(v < 0 ? col.minus_inf : col.plus_inf);
  }
  const size_t best = best_row(scores);
  col.best_index = indices[best];
  col.best_score = scores[best];

  for (const std::string& d : datasets.empty() ? truth.datasets : datasets) {
    const std::vector<double>& column = truth.column(d);
    std::vector<double> joined_scores, accuracy;
    for (size_t r = 0; r < indices.size(); ++r) {
      const int64_t i = indices[r];
      ZCNAS_REQUIRE(i >= 0 && i < static_cast<int64_t>(column.size()), "index {} is outside the ground truth ({} rows)",
                    i, column.size());
      if (!has_accuracy(column[static_cast<size_t>(i)])) continue;
      joined_scores.push_back(scores[r]);
      accuracy.push_back(column[static_cast<size_t>(i)]);
    }
    ZCNAS_REQUIRE(!accuracy.empty(),
                  "score column '{}': none of its {} rows has a {} accuracy in the ground truth (it covers {} archs)",
                  name, scores.size(), d, truth.covered(d));
    col.datasets.push_back(agreement(d, joined_scores, accuracy, top_percents));
  }
  return col;
}

Evaluation evaluate_scores(const SearchSpace& space, const ScoreTable& table, const GroundTruth& truth,
                           const std::vector<std::string>& datasets, const std::vector<double>& top_percents) {
  ZCNAS_REQUIRE(table.rows() > 0, "score table '{}' has no rows", table.path);
  Evaluation e;
  e.scores_path = table.path;
  e.rows = table.rows();
  e.space_size = truth.size();
  for (int64_t r = 0; r < table.rows(); ++r) {
    const int64_t i = table.index[static_cast<size_t>(r)];
    ZCNAS_REQUIRE(i < truth.size(), "score table '{}' line {}: index {} is outside the ground truth ({} rows)",
                  table.path, table.line[static_cast<size_t>(r)], i, truth.size());
  }
  for (const std::string& d : datasets.empty() ? truth.datasets : datasets) {
    const std::vector<double>& column = truth.column(d);
    DatasetJoin join{d, truth.covered(d), 0};
    for (int64_t i : table.index) join.joined += has_accuracy(column[static_cast<size_t>(i)]) ? 1 : 0;
    e.joins.push_back(std::move(join));
  }
  for (size_t c = 0; c < table.columns.size(); ++c) {
    e.columns.push_back(evaluate_column(table.columns[c], table.values[c], table.index, truth, datasets, top_percents));
    const int64_t best = e.columns.back().best_index;
    // Without an index order the truth's own list (an NDS file's records) names the arch.
    e.columns.back().best_arch = space.enumerable() ? space.arch_of(best) : truth.arch[static_cast<size_t>(best)];
  }
  return e;
}

namespace {

// The table without the rows whose flag column (a space's arch flag, 0 or 1) is set.
ScoreTable leave_out_flagged(const ScoreTable& table, const std::string& flag) {
  const std::vector<double>& set = table.values[table.column_position(flag)];
  ScoreTable kept = table;
  kept.index.clear();
  kept.arch.clear();
  kept.line.clear();
  kept.seconds.clear();
  for (auto& column : kept.values) column.clear();
  for (int64_t r = 0; r < table.rows(); ++r) {
    const auto i = static_cast<size_t>(r);
    if (set[i] != 0.0) continue;
    kept.index.push_back(table.index[i]);
    if (!table.arch.empty()) kept.arch.push_back(table.arch[i]);
    kept.line.push_back(table.line[i]);
    if (!table.seconds.empty()) kept.seconds.push_back(table.seconds[i]);
    for (size_t c = 0; c < table.values.size(); ++c) kept.values[c].push_back(table.values[c][i]);
  }
  return kept;
}

}  // namespace

ScoreTable evaluated_part(const SearchSpace& space, const ScoreTable& table, const std::vector<std::string>& columns,
                          const std::vector<std::string>& leave_out, std::vector<std::string>* notes) {
  const std::vector<std::string> flags = space.arch_flag_names();
  ScoreTable kept = table;
  for (const auto& flag : leave_out) {
    ZCNAS_REQUIRE(std::find(flags.begin(), flags.end(), flag) != flags.end(),
                  "--leave-out '{}': the {} space flags no archs so (its flags: {})", flag, space.title(),
                  flags.empty() ? std::string("none") : fmt::format("{}", fmt::join(flags, ", ")));
    const int64_t before = kept.rows();
    kept = leave_out_flagged(kept, flag);
    if (notes) notes->push_back(fmt::format("left out {} of {} rows flagged {}", before - kept.rows(), before, flag));
  }
  std::vector<std::string> keep = columns;
  if (keep.empty())
    for (const auto& name : kept.columns)
      if (std::find(flags.begin(), flags.end(), name) == flags.end()) keep.push_back(name);
  ScoreTable picked = kept;
  picked.columns.clear();
  picked.values.clear();
  for (const auto& name : keep) {
    const size_t c = kept.column_position(name);
    picked.columns.push_back(kept.columns[c]);
    picked.values.push_back(kept.values[c]);
  }
  return picked;
}

bool Evaluation::partial() const {
  return std::any_of(joins.begin(), joins.end(),
                     [&](const DatasetJoin& j) { return j.joined < rows || j.truth_archs < space_size; });
}

std::string format_evaluation(const Evaluation& e) {
  const bool partial = e.partial();
  std::string out = fmt::format("# Scores of `{}` against `{}`\n\n", e.scores_path, e.truth_path);
  if (!partial) {
    out += fmt::format("{} rows (archs) joined with the ground truth.\n", e.rows);
  } else {
    out += fmt::format(
        "{} rows (archs) in the score table. The ground truth covers part of the space: each dataset's numbers are "
        "over the rows whose arch has an accuracy there.\n\n",
        e.rows);
    for (const DatasetJoin& j : e.joins)
      out += fmt::format("- {}: {} rows joined (the ground truth has {} of the {} archs)\n", dataset_title(j.dataset),
                         j.joined, j.truth_archs, e.space_size);
  }
  for (const ColumnEvaluation& c : e.columns) {
    out += fmt::format("\n## {}\n\n", c.column);
    out += fmt::format("- rows: {}; non-finite scores: {} (-inf {}, nan {}, inf {})\n", c.rows, c.non_finite(),
                       c.minus_inf, c.nan, c.plus_inf);
    if (c.non_finite() > 0 && !partial)
      out += fmt::format(
          "- \"all rows\": non-finite scores rank lowest, tied among themselves; \"finite\": the {} are left out "
          "(n = {})\n",
          c.non_finite(), c.rows - c.non_finite());
    else if (c.non_finite() > 0)
      out +=
          "- \"all rows\": non-finite scores rank lowest, tied among themselves; \"finite\": they are left out "
          "(n per dataset below)\n";
    out += fmt::format("- best score: {} at index {} `{}`\n\n", format_score(c.best_score), c.best_index, c.best_arch);
    std::string header = partial ? "| dataset | n (finite) |" : "| dataset |";
    std::string rule = partial ? "|---|---:|" : "|---|";
    header += " tau-b (all rows) | rho (all rows) | tau-b (finite) | rho (finite) | Pearson (finite) |";
    rule += "---:|---:|---:|---:|---:|";
    if (!c.datasets.empty())
      for (const auto& t : c.datasets.front().top) {
        header += fmt::format(" top-{:g}% (k={}) |", t.percent, t.k);
        rule += "---:|";
      }
    header += " accuracy of best-scored arch (rank) | best accuracy |";
    rule += "---:|---:|";
    out += header + "\n" + rule + "\n";
    for (const DatasetAgreement& a : c.datasets) {
      out += fmt::format("| {} |", dataset_title(a.dataset));
      if (partial) out += fmt::format(" {} ({}) |", a.rows, a.finite_rows);
      out += fmt::format(" {} | {} | {} | {} | {} |", fixed(a.tau_b, 4), fixed(a.rho, 4), fixed(a.tau_b_finite, 4),
                         fixed(a.rho_finite, 4), fixed(a.pearson_finite, 4));
      for (const auto& t : a.top) out += fmt::format(" {:.3f} ({}/{}) |", t.precision(), t.hits, t.k);
      out += fmt::format(" {:.2f} ({} of {}) | {:.2f} |\n", a.best_scored_accuracy, a.best_scored_accuracy_rank, a.rows,
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
  j["joined"] = nlohmann::ordered_json::array();
  for (const DatasetJoin& d : e.joins)
    j["joined"].push_back({{"dataset", d.dataset}, {"rows", d.joined}, {"truth_archs", d.truth_archs}});
  j["space_size"] = e.space_size;
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
      aj["all_rows"] = {{"n", a.rows},
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
