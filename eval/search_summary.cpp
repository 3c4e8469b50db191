// Winner statistics and search JSON.
#include "eval/search_summary.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace zcnas {

AccuracySummary summarize_accuracy(const std::string& dataset, const std::vector<double>& values) {
  ZCNAS_REQUIRE(!values.empty(), "no accuracies to summarise for {}", dataset);
  AccuracySummary s;
  s.dataset = dataset;
  s.runs = static_cast<int64_t>(values.size());
  for (double v : values) s.mean += v;
  s.mean /= static_cast<double>(values.size());
  double squares = 0.0;
  for (double v : values) squares += (v - s.mean) * (v - s.mean);
  s.std = values.size() > 1 ? std::sqrt(squares / static_cast<double>(values.size() - 1)) : 0.0;
  s.min = *std::min_element(values.begin(), values.end());
  s.max = *std::max_element(values.begin(), values.end());
  return s;
}

std::vector<AccuracySummary> summarize_winners(const std::vector<SearchRun>& runs, const GroundTruth& truth) {
  std::vector<AccuracySummary> out;
  for (const std::string& d : truth.datasets) {
    const std::vector<double>& column = truth.column(d);
    std::vector<double> values;
    for (const SearchRun& r : runs) {
      ZCNAS_REQUIRE(r.winner >= 0 && r.winner < static_cast<int64_t>(column.size()),
                    "run {} has winner {}, outside the ground truth", r.run, r.winner);
      if (has_accuracy(column[static_cast<size_t>(r.winner)])) values.push_back(column[static_cast<size_t>(r.winner)]);
    }
    if (values.empty()) {
      AccuracySummary none;
      none.dataset = d;
      none.mean = none.std = none.min = none.max = NAN;
      out.push_back(none);
    } else {
      out.push_back(summarize_accuracy(d, values));
    }
  }
  return out;
}

nlohmann::ordered_json config_json(const SearchConfig& c) {
  nlohmann::ordered_json j;
  j["algorithm"] = search_algorithm_name(c.algorithm);
  if (c.algorithm == SearchAlgorithm::Random) {
    j["samples"] = c.samples;
  } else {
    if (c.algorithm == SearchAlgorithm::Area) j["initial_samples"] = c.samples;
    j["population"] = c.population;
    j["sample_size"] = c.tournament;
    j["cycles"] = c.cycles;
  }
  j["evaluations_per_run"] = evaluations_per_run(c);
  j["seed"] = c.seed;
  return j;
}

nlohmann::ordered_json summary_json(const AccuracySummary& s) {
  return {{"dataset", s.dataset}, {"runs", s.runs}, {"mean", s.mean}, {"std", s.std}, {"min", s.min}, {"max", s.max}};
}

}  // namespace zcnas
