// Combining zero-cost scores by rank, in the spirit of Abdelfattah et al.'s "vote": each score ranks the
// archs of a table, and an arch's combined score is the mean of its ranks over the scores it has.
#pragma once
#include <vector>

namespace zcnas {

// Percentile ranks in [0, 1] among the finite values (ties share their mean rank, as scipy's rankdata
// "average"); non-finite values (a failed or undefined score) get NaN. A single finite value ranks 1.
std::vector<double> percentile_ranks(const std::vector<double>& scores);

// Per row, the mean of percentile_ranks over the columns in which the row's score is finite, so that a
// score that is undefined for an arch (epsilon's NaN where its outputs underflow) neither helps nor sinks
// it; NaN when no column has a finite score. Higher is better. Throws for no columns or ragged columns.
std::vector<double> mean_percentile_rank(const std::vector<std::vector<double>>& columns);

}  // namespace zcnas
