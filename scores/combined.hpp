// Combining zero-cost scores by rank, in the spirit of Abdelfattah et al.'s "vote": each score ranks the
// archs of a table, and the combined score of an arch is its mean rank over the chosen scores.
#pragma once
#include <vector>

namespace zcnas {

// Ranks 1..n of `scores` in ascending order, so the highest score gets rank n (higher is better, as for
// every score zcnas writes). Ties share the mean of their positions (scipy's rankdata "average"); every
// non-finite value (NaN, ±inf: a failed or undefined score) ties below all finite ones.
std::vector<double> ascending_ranks(const std::vector<double>& scores);

// Per row, the mean of the rows' ascending_ranks over the columns (each column one score over the same
// rows). Throws when there is no column or the columns differ in length.
std::vector<double> mean_rank(const std::vector<std::vector<double>>& columns);

}  // namespace zcnas
