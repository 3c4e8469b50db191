// The device search of search/evolution_device.hpp, its kernels run by the SIMT emulator and its ranking by
// Thrust's CPP system, against the CPU twin: random search, REA and AREA, with a score table (the whole search
// in kernels) and with live scoring (children scored on the host), under every schedule.
#include "emulated/simt.hpp"
// The emulator comes first: kernel code compiles against it.
#include <gtest/gtest.h>
#include <thrust/system/cpp/execution_policy.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "emulated/emulated_support.hpp"
#include "search/evolution_device.hpp"
#include "search/table_fitness.hpp"
#include "search_fixtures.hpp"
#include "spaces/nb201/nb201.hpp"

namespace zcnas {
namespace {

// evolution::device_search's Device on the host. Memory starts as garbage, as cudaMalloc's does. Every
// allocation is followed by a guard as large as itself, zeros (so that a thread past a bound reads harmless
// values and writes into the guard, not the heap), which each launch and download checks.
class EmulatedSearchDevice {
 public:
  static constexpr unsigned char kPoison = 0xa5;
  static constexpr size_t kMinGuardBytes = 256;

  template <typename T>
  class Buffer {
   public:
    Buffer(std::shared_ptr<std::vector<unsigned char>> bytes, size_t count) : bytes_(std::move(bytes)), count_(count) {}
    T* data() { return reinterpret_cast<T*>(bytes_->data()); }
    const T* data() const { return reinterpret_cast<const T*>(bytes_->data()); }
    size_t size() const { return count_; }

   private:
    std::shared_ptr<std::vector<unsigned char>> bytes_;
    size_t count_;
  };

  explicit EmulatedSearchDevice(simt::Schedule schedule) : schedule_(schedule) {}

  template <typename T>
  Buffer<T> allocate(size_t count) {
    static_assert(std::is_trivially_copyable_v<T>);
    const size_t used = count * sizeof(T);
    auto bytes = std::make_shared<std::vector<unsigned char>>(used + std::max(used, kMinGuardBytes), 0);
    std::fill_n(bytes->begin(), used, kPoison);
    allocations_.push_back({bytes, used});
    return Buffer<T>(std::move(bytes), count);
  }

  template <typename T>
  void upload(Buffer<T>& buffer, const std::vector<T>& host) {
    if (buffer.size() < std::max<size_t>(host.size(), 1)) buffer = allocate<T>(std::max<size_t>(host.size(), 1));
    if (!host.empty()) std::memcpy(buffer.data(), host.data(), host.size() * sizeof(T));
  }

  template <typename T>
  std::vector<T> download(const Buffer<T>& buffer, size_t count) {
    check_guards("a download");
    EXPECT_LE(count, buffer.size()) << "download past the end of a buffer";
    return std::vector<T>(buffer.data(), buffer.data() + std::min(count, buffer.size()));
  }

  void zero(Buffer<uint8_t>& buffer, size_t count) {
    ASSERT_LE(count, buffer.size());
    std::memset(buffer.data(), 0, count);
  }

  template <typename Kernel, typename... Args>
  void launch(Kernel kernel, const char* name, const char*, int, const cuda::LaunchShape& shape, Args... args) {
    launched_.emplace_back(name);
    simt::launch(shape, schedule_, kernel, args...);
    check_guards(name);
  }

  auto policy() const { return thrust::cpp::par; }

  const std::vector<std::string>& launched() const { return launched_; }

 private:
  struct Allocation {
    std::weak_ptr<std::vector<unsigned char>> bytes;
    size_t used;
  };

  void check_guards(const char* after) {
    for (const Allocation& a : allocations_) {
      const auto bytes = a.bytes.lock();
      if (bytes == nullptr) continue;
      const auto guard = bytes->begin() + static_cast<std::ptrdiff_t>(a.used);
      const auto written = std::find_if(guard, bytes->end(), [](unsigned char b) { return b != 0; });
      if (written == bytes->end()) continue;
      ADD_FAILURE() << "after " << after << ": a buffer of " << a.used << " bytes was written " << written - guard
                    << " bytes past its end";
      std::fill(guard, bytes->end(), 0);  // report each overrun once
    }
  }

  simt::Schedule schedule_;
  std::vector<Allocation> allocations_;
  std::vector<std::string> launched_;
};

// A score table over every `step`-th index: whole numbers, so that ties happen, with -inf and NaN as singular
// kernels give.
ScoreTable synthetic_table(int64_t step) {
  const std::vector<double> scores =
      test::noisy_scores(std::vector<double>(static_cast<size_t>(nb201::kNumArchs), 0.0), 17, 40.0, 29);
  ScoreTable t;
  t.path = "synthetic";
  t.columns = {"s"};
  t.values.resize(1);
  for (int64_t i = 0; i < nb201::kNumArchs; i += step) {
    t.index.push_back(i);
    t.values[0].push_back(std::round(scores[static_cast<size_t>(i)]));
    t.line.push_back(static_cast<int64_t>(t.index.size()) + 1);
  }
  return t;
}

struct SearchCase {
  const char* name;
  SearchAlgorithm algorithm;
  int64_t samples, population;
};

void PrintTo(const SearchCase& c, std::ostream* os) { *os << c.name; }

// AREA twice: with P < M its population is ranked (Thrust, then mark_selected_kernel); with P == M it is
// every draw.
const SearchCase kCases[] = {{"random", SearchAlgorithm::Random, 33, 0},
                             {"rea", SearchAlgorithm::Rea, 0, 13},
                             {"area", SearchAlgorithm::Area, 57, 13},
                             {"area_p_equals_m", SearchAlgorithm::Area, 13, 13}};

SearchConfig make_config(const SearchCase& c, int64_t cycles, bool keep_history) {
  SearchConfig config;
  config.algorithm = c.algorithm;
  config.samples = c.samples;
  config.population = c.population;
  config.tournament = 5;
  config.cycles = cycles;
  config.seed = 2024;
  config.keep_history = keep_history;
  return config;
}

// Runs whose threads fill one block partly, and more than one block with a tail (128 threads per block).
constexpr int64_t kRunCounts[] = {1, 131};
constexpr int64_t kFirstRun = 7;

// Whether the search ranked its initial draws: the Thrust sort is followed by one mark_selected launch.
void expect_ranking_iff(const EmulatedSearchDevice& device, bool ranked) {
  const auto& l = device.launched();
  EXPECT_EQ(std::count(l.begin(), l.end(), "launch of mark_selected_kernel"), ranked ? 1 : 0);
}

// AREA's ranking on its own: every draw's place, not only the P that a search's result reveals. Few distinct
// values, -inf and NaN, so that the draw order breaks many ties.
TEST(InitialRankingEmulated, MatchesTheCpuSelection) {
  struct Shape {
    int64_t runs, draws, population;
  };
  for (const Shape& shape : {Shape{1, 57, 13}, Shape{131, 57, 13}, Shape{3, 200, 199}, Shape{40, 9, 1}}) {
    const int64_t count = shape.runs * shape.draws;
    std::vector<double> fitness = test::random_values<double>(static_cast<size_t>(count), 0.0, 6.0, 5);
    for (size_t d = 0; d < fitness.size(); ++d)
      fitness[d] = d % 17 == 4 ? -INFINITY : d % 23 == 9 ? NAN : std::floor(fitness[d]);
    std::vector<int32_t> expected_ranked(static_cast<size_t>(count));
    for (int64_t r = 0; r < shape.runs; ++r) {
      const auto begin = expected_ranked.begin() + r * shape.draws, end = begin + shape.draws;
      std::iota(begin, end, static_cast<int32_t>(r * shape.draws));
      std::sort(begin, end, [&](int32_t a, int32_t b) {
        return evolution::ranks_before(fitness[static_cast<size_t>(a)], a, fitness[static_cast<size_t>(b)], b);
      });
    }
    const auto expected_selected =
        evolution::select_initial_population(fitness, shape.runs, shape.draws, shape.population);
    SCOPED_TRACE("runs " + std::to_string(shape.runs) + ", draws " + std::to_string(shape.draws));
    std::vector<int32_t> ranked(static_cast<size_t>(count), -1);
    evolution::rank_initial_draws(thrust::cpp::par, ranked.data(), count,
                                  evolution::InitialRanking{fitness.data(), shape.draws});
    EXPECT_EQ(ranked, expected_ranked);
    for (const auto& schedule : simt::kSchedules) {
      SCOPED_TRACE(simt::to_string(schedule));
      std::vector<uint8_t> selected(static_cast<size_t>(count), 0);
      simt::launch(evolution::per_member_launch(shape.runs, shape.population), schedule,
                   evolution::mark_selected_kernel, ranked.data(), shape.runs, shape.draws, shape.population,
                   selected.data());
      EXPECT_EQ(selected, expected_selected);
    }
  }
}

class EvolutionEmulated : public ::testing::TestWithParam<SearchCase> {};

TEST_P(EvolutionEmulated, TableFitnessMatchesTheCpuTwin) {
  const SearchCase& c = GetParam();
  for (int64_t step : {1, 97}) {  // full space; a sparse table whose neighbourhoods are mostly empty (restarts)
    TableFitness fitness(synthetic_table(step), "s");
    for (int64_t runs : kRunCounts)
      for (bool keep_history : {true, false}) {
        const SearchConfig config = make_config(c, 150, keep_history);
        const auto expected = search_cpu(test::nb201_space(), fitness, config, runs, kFirstRun);
        for (const auto& schedule : simt::kSchedules) {
          SCOPED_TRACE("step " + std::to_string(step) + ", runs " + std::to_string(runs) + ", history " +
                       std::to_string(keep_history) + ", " + simt::to_string(schedule));
          EmulatedSearchDevice device(schedule);
          test::expect_same_runs(
              expected, evolution::device_search(device, test::nb201_space(), fitness, config, runs, kFirstRun));
          expect_ranking_iff(device, c.algorithm == SearchAlgorithm::Area && c.population < c.samples);
          const auto& l = device.launched();
          EXPECT_EQ(std::count(l.begin(), l.end(), "launch of evolve_table_kernel"),
                    c.algorithm == SearchAlgorithm::Random ? 0 : 1);
        }
      }
  }
}

TEST_P(EvolutionEmulated, LiveFitnessMatchesTheCpuTwin) {
  const SearchCase& c = GetParam();
  TableFitness table(synthetic_table(1), "s");
  // Not a TableFitness: each generation's children go to the host to be scored.
  auto make_live = [&] {
    return CachedFitness([&](const std::vector<int64_t>& indices) { return table.evaluate(indices); }, table.domain());
  };
  for (int64_t runs : kRunCounts)
    for (bool keep_history : {true, false}) {
      const SearchConfig config = make_config(c, 30, keep_history);
      auto cpu_fitness = make_live();
      const auto expected = search_cpu(test::nb201_space(), cpu_fitness, config, runs, kFirstRun);
      for (const auto& schedule : simt::kSchedules) {
        SCOPED_TRACE("runs " + std::to_string(runs) + ", history " + std::to_string(keep_history) + ", " +
                     simt::to_string(schedule));
        auto device_fitness = make_live();
        EmulatedSearchDevice device(schedule);
        test::expect_same_runs(
            expected, evolution::device_search(device, test::nb201_space(), device_fitness, config, runs, kFirstRun));
        EXPECT_EQ(cpu_fitness.evaluations(), device_fitness.evaluations());
        expect_ranking_iff(device, c.algorithm == SearchAlgorithm::Area && c.population < c.samples);
        const auto& l = device.launched();
        EXPECT_EQ(std::count(l.begin(), l.end(), "launch of insert_children_kernel"),
                  c.algorithm == SearchAlgorithm::Random ? 0 : config.cycles);
      }
    }
}

INSTANTIATE_TEST_SUITE_P(Algorithms, EvolutionEmulated, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace zcnas
