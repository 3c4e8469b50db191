// Several scores in one pass (ScoreSet) and the rank combination: each score as its own function computes
// it, in the order asked; ranks with ties and non-finite values as scipy's rankdata would give them.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "eval/combined.hpp"
#include "io/cifar10.hpp"
#include "nn/params.hpp"
#include "scores/epsilon.hpp"
#include "scores/naswot.hpp"
#include "scores/score_set.hpp"
#include "spaces/nb201/nb201.hpp"
#include "test_support.hpp"

namespace zcnas {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(ScoreList, ParsesInTheOrderGiven) {
  using Names = std::vector<std::string>;
  EXPECT_EQ(parse_score_list("naswot"), Names{"naswot"});
  EXPECT_EQ(parse_score_list("flops,epsilon,naswot,params"), (Names{"flops", "epsilon", "naswot", "params"}));
  for (const auto& r : registered_scores()) {
    EXPECT_EQ(parse_score_list(r.name), Names{r.name});
    EXPECT_STREQ(make_score(r.name)->name(), r.name);  // the column is the registered name
  }
  EXPECT_EQ(known_score_names(), "naswot, epsilon, params, flops, swap, swap_reg, linear_regions, meco, zen");
}

TEST(ScoreList, RefusesUnknownRepeatedAndEmptyNames) {
  EXPECT_NE(test::error_of([] { parse_score_list("naswot,synflow"); }).find("'synflow'"), std::string::npos);
  EXPECT_NE(test::error_of([] { make_score("synflow"); }).find("unknown score 'synflow' (known: naswot, epsilon"),
            std::string::npos);
  EXPECT_NE(test::error_of([] { parse_score_list("epsilon,naswot,epsilon"); }).find("'epsilon' is asked twice"),
            std::string::npos);
  EXPECT_NE(test::error_of([] { parse_score_list(""); }).find("unknown score ''"), std::string::npos);
  EXPECT_NE(test::error_of([] { parse_score_list("naswot,"); }).find("unknown score ''"), std::string::npos);
}

class ScoreSetTest : public ::testing::Test {
 protected:
  ScoreSetTest() {
    nb201::NetworkOptions small;
    small.channels = 4;
    small.cells_per_stage = 1;
    nets_.push_back(nb201::build_network(
        nb201::parse_arch("|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|nor_conv_1x1~1|skip_connect~2|"),
        small));
    nets_.push_back(nb201::build_network(nb201::parse_arch("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"), small));
    for (const auto& n : nets_) jobs_.push_back({&n, nullptr, 7});
  }
  std::vector<Network> nets_;
  std::vector<NetworkJob> jobs_;
  Tensor naswot_batch_ = synthetic_batch(12, 1);
  Tensor epsilon_batch_ = synthetic_batch(19, 1);
};

TEST_F(ScoreSetTest, EveryScoreAsItsOwnFunctionComputesIt) {
  auto backend = make_cpu_backend(1);
  ScoreOptions options;
  options.keep_kernel = true;
  ScoreSet set(parse_score_list("flops,naswot,params,epsilon"), options);
  EXPECT_EQ(set.names(), (std::vector<std::string>{"flops", "naswot", "params", "epsilon"}));
  const auto scored = set.score(jobs_, *backend, {&naswot_batch_, &epsilon_batch_});
  ASSERT_EQ(scored.size(), jobs_.size());
  CpuExecutor<float> exec(1);
  for (size_t j = 0; j < jobs_.size(); ++j) {
    const Network& net = nets_[j];
    const NaswotResult naswot = naswot_cpu(exec, net, init_params(net, 7), naswot_batch_);
    const double epsilon = epsilon_cpu(exec, net, epsilon_batch_);
    ASSERT_EQ(scored[j].values.size(), 4u);
    EXPECT_EQ(scored[j].values[0], static_cast<double>(net.multiply_adds()));
    EXPECT_EQ(scored[j].values[1], naswot.score);
    EXPECT_EQ(scored[j].values[2], static_cast<double>(net.parameter_count()));
    if (std::isnan(epsilon)) {
      EXPECT_TRUE(std::isnan(scored[j].values[3]));
    } else {
      EXPECT_EQ(scored[j].values[3], epsilon);
    }
    EXPECT_EQ(scored[j].kernel.shape, (Shape{12, 12}));
    EXPECT_EQ(scored[j].kernel.data, naswot.K.data);
  }
  // The all-none network: singular K (identical codes) and constant outputs.
  EXPECT_TRUE(std::isinf(scored[1].values[1]) && scored[1].values[1] < 0);
  EXPECT_TRUE(std::isnan(scored[1].values[3]));
  EXPECT_TRUE(std::isfinite(scored[0].values[3]));
}

TEST_F(ScoreSetTest, Float64EpsilonRunsTheDoubleExecutor) {
  auto backend = make_cpu_backend(1);
  ScoreOptions options;
  options.float64 = true;
  options.cpu_threads = 1;
  ScoreSet set(parse_score_list("epsilon"), options);
  ASSERT_EQ(set.descriptions(*backend).size(), 1u);
  EXPECT_NE(set.descriptions(*backend)[0].find("epsilon: float64"), std::string::npos);
  const auto scored = set.score(jobs_, *backend, {nullptr, &epsilon_batch_});
  CpuExecutor<double> exec64(1);
  EXPECT_EQ(scored[0].values.at(0), epsilon_cpu(exec64, nets_[0], epsilon_batch_));
  EXPECT_TRUE(std::isnan(scored[1].values.at(0)));
  EXPECT_TRUE(scored[0].kernel.data.empty());
}

TEST_F(ScoreSetTest, BaselinesNeedNoBatch) {
  auto backend = make_cpu_backend(1);
  ScoreSet set(parse_score_list("params,flops"));
  EXPECT_FALSE(set.needs().runs_networks);
  const auto scored = set.score(jobs_, *backend, {});
  EXPECT_EQ(scored[1].values, (std::vector<double>{static_cast<double>(nets_[1].parameter_count()),
                                                   static_cast<double>(nets_[1].multiply_adds())}));
}

TEST_F(ScoreSetTest, TheCpuBackendDrawsEachJobsInitialisation) {
  auto backend = make_cpu_backend(1);
  CpuExecutor<float> exec(1);
  const Network& net = nets_[0];
  for (ParamScheme scheme : {ParamScheme::Default, ParamScheme::Gaussian, ParamScheme::KaimingFanIn}) {
    const Tensor drawn = backend->forward({&net, nullptr, 7, scheme}, naswot_batch_);
    EXPECT_EQ(drawn.data, exec.forward(net, init_params(net, 7, scheme), naswot_batch_).data)
        << param_scheme_name(scheme);
    if (scheme != ParamScheme::Default) {
      EXPECT_NE(drawn.data, backend->forward({&net, nullptr, 7}, naswot_batch_).data) << param_scheme_name(scheme);
    }
  }
}

TEST_F(ScoreSetTest, MissingBatchIsNamed) {
  auto backend = make_cpu_backend(1);
  ScoreSet set(parse_score_list("naswot,epsilon"));
  EXPECT_NE(test::error_of([&] {
              set.score(jobs_, *backend, {&naswot_batch_, nullptr});
            }).find("epsilon reads the constant-weight batch"),
            std::string::npos);
  EXPECT_NE(test::error_of([&] {
              set.score(jobs_, *backend, {nullptr, &epsilon_batch_});
            }).find("naswot reads the main batch"),
            std::string::npos);
  EXPECT_THROW(ScoreSet({}), Error);
}

// ---- rank combination ----

TEST(PercentileRanks, TiesShareTheirMeanAndNonFiniteGetNaN) {
  // finite sorted: 1 (rank 1), 2 2 (2.5), 5 (4), 7 7 (5.5) -> (rank - 1) / 5
  const auto r = percentile_ranks({7, 2, kNaN, 5, 1, 7, 2, -kInf});
  const std::vector<double> want = {0.9, 0.3, kNaN, 0.6, 0.0, 0.9, 0.3, kNaN};
  ASSERT_EQ(r.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(r[i])) << i;
    } else {
      EXPECT_DOUBLE_EQ(r[i], want[i]) << i;
    }
  }
  EXPECT_TRUE(percentile_ranks({}).empty());
  EXPECT_EQ(percentile_ranks({4.0}), std::vector<double>{1.0});
}

TEST(MeanPercentileRank, AveragesOnlyTheScoresARowHas) {
  // naswot 10, -inf, 30, 20, 20 -> finite ranks 1, -, 4, 2.5, 2.5 of 4 -> 0, nan, 1, 0.5, 0.5
  // epsilon 0.5, 0.1, nan, 0.5, 0.9 -> ranks 2.5, 1, -, 2.5, 4 of 4 -> 0.5, 0, nan, 0.5, 1
  const std::vector<double> naswot = {10, -kInf, 30, 20, 20}, epsilon = {0.5, 0.1, kNaN, 0.5, 0.9};
  EXPECT_EQ(mean_percentile_rank({naswot, epsilon}), (std::vector<double>{0.25, 0.0, 1.0, 0.5, 0.75}));
  const auto none = mean_percentile_rank({{kNaN, 1.0}, {-kInf, 2.0}});
  EXPECT_TRUE(std::isnan(none[0]));  // no finite score at all: undefined, ranked lowest by eval
  EXPECT_EQ(none[1], 1.0);
}

TEST(MeanPercentileRank, RefusesNoColumnsAndRaggedColumns) {
  EXPECT_THROW(mean_percentile_rank({}), Error);
  EXPECT_NE(test::error_of([] { mean_percentile_rank({{1, 2, 3}, {1, 2}}); }).find("column 1 has 2 rows"),
            std::string::npos);
}

}  // namespace
}  // namespace zcnas
