// Rank and linear correlation, computed as scipy.stats computes them (SPEC.md §3): Kendall's tau-b with exact
// tie handling in O(n log n) (Knight 1966), Spearman's rho on average ranks, and Pearson's r.
#pragma once
#include <cstdint>
#include <vector>

namespace zcnas {

// Pair counts behind tau-b, all exact integers.
struct KendallCounts {
  int64_t pairs = 0;       // n (n - 1) / 2
  int64_t x_ties = 0;      // pairs with equal x (including those also equal in y)
  int64_t y_ties = 0;      // pairs with equal y (including those also equal in x)
  int64_t joint_ties = 0;  // pairs equal in both
  int64_t discordant = 0;  // pairs ordered oppositely by x and y
};

// O(n log n): sort by (x, y), count tie runs, then count the inversions of y by merge sort.
// Values may be ±inf; NaN throws (map NaN first: see evaluation.hpp for the convention).
KendallCounts kendall_counts(const std::vector<double>& x, const std::vector<double>& y);

// scipy.stats.kendalltau(x, y) (variant 'b'): (concordant - discordant) / sqrt((pairs - x_ties)(pairs - y_ties)).
// NaN when n < 2 or when x or y is constant, as scipy returns.
double kendall_tau_b(const std::vector<double>& x, const std::vector<double>& y);

// 1-based ranks; tied values get the mean of the ranks they span (scipy.stats.rankdata 'average').
std::vector<double> average_ranks(const std::vector<double>& values);

// Pearson's r; NaN when n < 2 or either side is constant. Inputs must be finite.
double pearson_r(const std::vector<double>& x, const std::vector<double>& y);

// scipy.stats.spearmanr(x, y): Pearson's r of the average ranks. Values may be ±inf; NaN throws.
double spearman_rho(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace zcnas
