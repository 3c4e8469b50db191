// Scatter plots of score against accuracy through gnuplot (SVG, or PNG when gnuplot has a PNG terminal).
// Non-finite scores are drawn in a strip below the finite ones, in their own colour, and counted in the key.
#pragma once
#include <string>
#include <vector>

#include "eval/evaluation.hpp"
#include "eval/score_table_reader.hpp"
#include "eval/truth.hpp"

namespace zcnas {

struct ScatterPanel {
  std::string title;  // may hold a second line after '\n'
  std::string x_label, y_label;
  std::vector<double> x;  // finite
  std::vector<double> y;  // may be non-finite
};

// One image, panels in a grid of `columns` columns, row by row. The format follows the extension (.svg or
// .png). The gnuplot program is $ZCNAS_GNUPLOT when set, else `gnuplot` on PATH. Throws when gnuplot is
// missing or fails, with its message.
void plot_scatter(const std::string& path, const std::vector<ScatterPanel>& panels, int columns);

// One panel per score column and dataset of an evaluation: accuracy across, score up, tau and rho in the title.
std::vector<ScatterPanel> evaluation_panels(const ScoreTable& table, const GroundTruth& truth,
                                            const Evaluation& evaluation);

}  // namespace zcnas
