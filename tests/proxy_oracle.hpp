// The proxy oracle of ../shared/oracle/proxies (SWAP, MeCo, Zen-score, linear regions on NB201): its cases and
// inputs, as the tests read them.
#pragma once
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/tensor.hpp"
#include "io/safetensors.hpp"
#include "nn/network.hpp"
#include "nn/params.hpp"
#include "oracle_cases.hpp"
#include "scores/score_set.hpp"
#include "spaces/nb201/nb201.hpp"
#include "test_support.hpp"

namespace zcnas::test {

inline nlohmann::json load_proxy_cases(const std::string& proxy) {
  std::ifstream in(shared_path("oracle/proxies/" + proxy + "/cases.json"));
  return nlohmann::json::parse(in);
}

// Case k of the proxy's cases.json.
inline nlohmann::json load_proxy_case(const std::string& proxy, int k) {
  return load_proxy_cases(proxy)["cases"].at(static_cast<size_t>(k));
}

// The weights a case's `weights` entry names (relative to the proxy's folder), for its network.
inline ParamStore load_proxy_weights(const std::string& proxy, const nlohmann::json& c, const Network& net) {
  return load_params(net, shared_path("oracle/proxies/" + proxy + "/" + c["weights"].get<std::string>()));
}

// Tensor `name` of the proxy's input.safetensors.
inline Tensor proxy_input(const std::string& proxy, const std::string& name = "input") {
  return raw_to_f32(read_safetensors(shared_path("oracle/proxies/" + proxy + "/input.safetensors")).at(name), name);
}

// The authors' repeat protocol on one case: protocol_stats.repeats jobs of its network, weights drawn by `scheme`
// from seeds 0, 1, ..., scored by the first score of `set`. Our draws are not the authors' RNG's, so the mean
// must fall within the oracle's mean +- 2 std (equal to it where the std is 0 or the mean infinite).
inline void expect_protocol_mean_within_spread(const std::string& proxy, const nlohmann::json& c, ScoreSet& set,
                                               Backend& backend, ParamScheme scheme, const ScoreBatches& batches) {
  const auto& stats = c["protocol_stats"];
  const Network net = nb201::build_network(nb201::parse_arch(c["arch"].get<std::string>()));
  std::vector<NetworkJob> jobs;
  for (int64_t r = 0; r < stats["repeats"].get<int64_t>(); ++r)
    jobs.push_back({&net, nullptr, static_cast<uint64_t>(r), scheme});
  double mean = 0.0;
  for (const auto& row : set.score(jobs, backend, batches)) mean += row.values[0];
  mean /= static_cast<double>(jobs.size());
  const double ref = json_number(stats["mean"]), std = json_number(stats["std"]);
  std::printf("%s %s: mean over %zu repeats %.2f, oracle %.2f +- %.2f (%.2f std)\n", proxy.c_str(),
              c["name"].get<std::string>().c_str(), jobs.size(), mean, ref, std,
              std > 0 ? (mean - ref) / std : 0.0);
  if (std == 0.0 || std::isinf(ref)) {
    EXPECT_EQ(mean, ref) << proxy << " " << c["name"];
  } else {
    EXPECT_LE(std::abs(mean - ref), 2 * std) << proxy << " " << c["name"];
  }
}

}  // namespace zcnas::test
