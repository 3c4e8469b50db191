// Fitness for searches: a score per index of the space, higher is better. Non-finite scores (-inf from a singular
// kernel, NaN) rank below every finite one.
#pragma once
#include <cstdint>
#include <functional>
#include <unordered_map>
#include <vector>

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

// Wraps a batch scoring function with a cache: each index is scored once per search.
class CachedFitness final : public Fitness {
 public:
  using ScoreFn = std::function<std::vector<double>(const std::vector<int64_t>&)>;
  CachedFitness(ScoreFn fn, std::vector<int64_t> domain) : fn_(std::move(fn)), domain_(std::move(domain)) {}
  std::vector<double> evaluate(const std::vector<int64_t>& indices) override;
  const std::vector<int64_t>& domain() const override { return domain_; }
  int64_t evaluations() const { return evaluations_; }

 private:
  ScoreFn fn_;
  std::vector<int64_t> domain_;
  std::unordered_map<int64_t, double> cache_;
  int64_t evaluations_ = 0;
};

}  // namespace zcnas
