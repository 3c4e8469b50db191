// Kendall tau-b (Knight's algorithm), Spearman rho and Pearson r.
#include "eval/correlation.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.hpp"

namespace zcnas {
namespace {

void require_comparable(const std::vector<double>& x, const std::vector<double>& y, const char* what) {
  ZCNAS_REQUIRE(x.size() == y.size(), "{}: the two samples have {} and {} values", what, x.size(), y.size());
  for (size_t i = 0; i < x.size(); ++i)
    ZCNAS_REQUIRE(!std::isnan(x[i]) && !std::isnan(y[i]), "{}: value {} is NaN (rank it or drop it first)", what, i);
}

// Pairs within runs of equal keys, for a sequence already sorted so that equal keys are adjacent.
template <typename Equal>
int64_t tied_pairs(size_t n, Equal equal) {
  int64_t ties = 0;
  size_t run_start = 0;
  for (size_t i = 1; i <= n; ++i) {
    if (i < n && equal(i - 1, i)) continue;
    const auto run = static_cast<int64_t>(i - run_start);
    ties += run * (run - 1) / 2;
    run_start = i;
  }
  return ties;
}

// Sorts v ascending (stable merge sort) and returns the number of pairs i < j with v[i] > v[j].
int64_t sort_counting_inversions(std::vector<double>& v) {
  const size_t n = v.size();
  std::vector<double> buffer(n);
  int64_t inversions = 0;
  for (size_t width = 1; width < n; width *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * width) {
      const size_t mid = std::min(lo + width, n), hi = std::min(lo + 2 * width, n);
      size_t i = lo, j = mid, out = lo;
      while (i < mid && j < hi) {
        if (v[j] < v[i]) {
          inversions += static_cast<int64_t>(mid - i);  // v[j] is below every element left in the left half
          buffer[out++] = v[j++];
        } else {
          buffer[out++] = v[i++];
        }
      }
      while (i < mid) buffer[out++] = v[i++];
      while (j < hi) buffer[out++] = v[j++];
    }
    v.swap(buffer);
  }
  return inversions;
}

}  // namespace

KendallCounts kendall_counts(const std::vector<double>& x, const std::vector<double>& y) {
  require_comparable(x, y, "Kendall tau");
  const size_t n = x.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return x[a] < x[b] || (x[a] == x[b] && y[a] < y[b]); });

  KendallCounts c;
  c.pairs = static_cast<int64_t>(n) * (static_cast<int64_t>(n) - 1) / 2;
  c.x_ties = tied_pairs(n, [&](size_t a, size_t b) { return x[order[a]] == x[order[b]]; });
  c.joint_ties =
      tied_pairs(n, [&](size_t a, size_t b) { return x[order[a]] == x[order[b]] && y[order[a]] == y[order[b]]; });
  // In (x, y) order, a pair i < j has x_i <= x_j, and y_i <= y_j when x ties: the strict inversions of y
  // are exactly the discordant pairs.
  std::vector<double> y_sorted(n);
  for (size_t i = 0; i < n; ++i) y_sorted[i] = y[order[i]];
  c.discordant = sort_counting_inversions(y_sorted);
  c.y_ties = tied_pairs(n, [&](size_t a, size_t b) { return y_sorted[a] == y_sorted[b]; });
  return c;
}

double kendall_tau_b(const std::vector<double>& x, const std::vector<double>& y) {
  const KendallCounts c = kendall_counts(x, y);
  if (c.pairs == 0 || c.x_ties == c.pairs || c.y_ties == c.pairs) return std::nan("");
  // The same expression, in the same order, as scipy.stats.kendalltau.
  const int64_t concordant_minus_discordant = c.pairs - c.x_ties - c.y_ties + c.joint_ties - 2 * c.discordant;
  const double tau = static_cast<double>(concordant_minus_discordant) /
                     std::sqrt(static_cast<double>(c.pairs - c.x_ties)) /
                     std::sqrt(static_cast<double>(c.pairs - c.y_ties));
  return std::clamp(tau, -1.0, 1.0);
}

std::vector<double> average_ranks(const std::vector<double>& values) {
  const size_t n = values.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(n);
  size_t run_start = 0;
  for (size_t i = 1; i <= n; ++i) {
    if (i < n && values[order[i]] == values[order[run_start]]) continue;
    // Positions run_start..i-1 hold equal values: ranks run_start+1..i, whose mean is (run_start + 1 + i) / 2.
    const double rank = 0.5 * static_cast<double>(run_start + 1 + i);
    for (size_t k = run_start; k < i; ++k) ranks[order[k]] = rank;
    run_start = i;
  }
  return ranks;
}

double pearson_r(const std::vector<double>& x, const std::vector<double>& y) {
  ZCNAS_REQUIRE(x.size() == y.size(), "Pearson r: the two samples have {} and {} values", x.size(), y.size());
  const size_t n = x.size();
  if (n < 2) return std::nan("");
  for (size_t i = 0; i < n; ++i)
    ZCNAS_REQUIRE(std::isfinite(x[i]) && std::isfinite(y[i]), "Pearson r: value {} is not finite", i);
  double mean_x = 0, mean_y = 0;
  for (size_t i = 0; i < n; ++i) mean_x += x[i], mean_y += y[i];
  mean_x /= static_cast<double>(n);
  mean_y /= static_cast<double>(n);
  double sxx = 0, syy = 0, sxy = 0;
  for (size_t i = 0; i < n; ++i) {
    const double dx = x[i] - mean_x, dy = y[i] - mean_y;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  if (sxx == 0 || syy == 0) return std::nan("");
  return std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
}

double spearman_rho(const std::vector<double>& x, const std::vector<double>& y) {
  require_comparable(x, y, "Spearman rho");
  return pearson_r(average_ranks(x), average_ranks(y));
}

}  // namespace zcnas
