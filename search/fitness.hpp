// Fitness for searches: a score per index of the space, higher is better. Non-finite scores (-inf from a singular
// kernel, NaN) rank below every finite one.
#pragma once
#include <cstdint>
#include <functional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/error.hpp"
#include "search/fitness_order.hpp"

namespace zcnas {

class Fitness {
 public:
  virtual ~Fitness() = default;
  // Scores of the given indices, in order. Implementations may evaluate them together.
  virtual std::vector<double> evaluate(const std::vector<int64_t>& indices) = 0;
  // The indices a search may sample from (the whole space, or a table's rows).
  virtual const std::vector<int64_t>& domain() const = 0;
};

// The scores of archs named by a key (an index, a genome), each key scored once: what live fitness keeps, so that an
// arch met again, by another run or the same one, costs nothing.
template <typename Key, typename Hash = std::hash<Key>>
class ScoreCache {
 public:
  // The scores of `keys`, in order. The keys not scored before go to score_new, a
  // std::vector<double>(const std::vector<Key>&), in one call: each once, in the order of its first occurrence.
  template <typename ScoreNew>
  std::vector<double> evaluate(const std::vector<Key>& keys, const ScoreNew& score_new) {
    std::vector<Key> fresh;
    std::unordered_set<Key, Hash> queued;
    for (const Key& key : keys)
      if (scores_.count(key) == 0 && queued.insert(key).second) fresh.push_back(key);
    if (!fresh.empty()) {
      const std::vector<double> scores = score_new(fresh);
      ZCNAS_REQUIRE(scores.size() == fresh.size(), "fitness returned {} scores for {} archs", scores.size(),
                    fresh.size());
      for (size_t k = 0; k < fresh.size(); ++k) scores_.emplace(fresh[k], scores[k]);
    }
    std::vector<double> out;
    out.reserve(keys.size());
    for (const Key& key : keys) out.push_back(scores_.at(key));
    return out;
  }
  // The number of keys scored.
  int64_t evaluations() const { return static_cast<int64_t>(scores_.size()); }

 private:
  std::unordered_map<Key, double, Hash> scores_;
};

// Wraps a batch scoring function with a cache: each index is scored once per search.
class CachedFitness final : public Fitness {
 public:
  using ScoreFn = std::function<std::vector<double>(const std::vector<int64_t>&)>;
  CachedFitness(ScoreFn fn, std::vector<int64_t> domain) : fn_(std::move(fn)), domain_(std::move(domain)) {}
  std::vector<double> evaluate(const std::vector<int64_t>& indices) override { return cache_.evaluate(indices, fn_); }
  const std::vector<int64_t>& domain() const override { return domain_; }
  int64_t evaluations() const { return cache_.evaluations(); }

 private:
  ScoreFn fn_;
  std::vector<int64_t> domain_;
  ScoreCache<int64_t> cache_;
};

}  // namespace zcnas
