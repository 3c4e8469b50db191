// What a batch of search runs found: mean ± std of the winners' ground-truth accuracy per dataset, as the
// NASWOT tables report it, and the search's settings and results as JSON.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "eval/truth.hpp"
#include "search/evolution.hpp"

namespace zcnas {

struct AccuracySummary {
  std::string dataset;
  int64_t runs = 0;
  double mean = 0.0;
  double std = 0.0;  // sample standard deviation (n - 1), as NASWOT's process_results.py (statistics.stdev)
  double min = 0.0, max = 0.0;
};

AccuracySummary summarize_accuracy(const std::string& dataset, const std::vector<double>& values);

// One summary per ground-truth dataset, over the runs' winners that have an accuracy in it (`runs` counts
// them; with none, the statistics are NaN).
std::vector<AccuracySummary> summarize_winners(const std::vector<SearchRun>& runs, const GroundTruth& truth);

nlohmann::ordered_json config_json(const SearchConfig& config);
nlohmann::ordered_json summary_json(const AccuracySummary& summary);

}  // namespace zcnas
