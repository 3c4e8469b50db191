// Every registered score on a space's networks, for the spaces' tests.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "io/cifar10.hpp"
#include "scores/backend.hpp"
#include "scores/score_set.hpp"

namespace zcnas::test {

// Each registered score gives a number (not NaN) on each network: hooked passes with float64 signs on 10
// synthetic images, epsilon's constant-weight passes on 12, Zen-score on 6.
inline void expect_every_score_runs(const std::vector<Network>& nets) {
  std::vector<NetworkJob> jobs;
  for (const Network& n : nets) jobs.push_back({&n, nullptr, 3});
  std::string names;
  for (const auto& r : registered_scores()) names += (names.empty() ? "" : ",") + std::string(r.name);
  ScoreOptions options;
  options.float64 = true;
  options.zen_batch = 6;
  ScoreSet set(parse_score_list(names), options);
  const Tensor batch = synthetic_batch(10, 1), constant = synthetic_batch(12, 2);
  auto backend = make_cpu_backend(1);
  const auto scored = set.score(jobs, *backend, {&batch, &constant, nullptr});
  ASSERT_EQ(scored.size(), jobs.size());
  for (size_t j = 0; j < jobs.size(); ++j)
    for (size_t s = 0; s < set.names().size(); ++s)
      EXPECT_FALSE(std::isnan(scored[j].values[s])) << set.names()[s] << " of network " << j;
}

}  // namespace zcnas::test
