// Searches on a CUDA device: the populations, their ages (a ring per run, the oldest at its head),
// tournaments and mutations live in device memory, one thread per run, through the same steps as the CPU
// twin (evolution_steps.hpp). With a TableFitness the whole search is a handful of kernels; with live
// scoring only the children's indices go to the host, once per generation, to be scored.
#include <thrust/execution_policy.h>
#include <thrust/sequence.h>
#include <thrust/sort.h>

#include <limits>

#include "core/cuda_check.hpp"
#include "core/cuda_context.hpp"
#include "core/device.hpp"
#include "search/evolution.hpp"
#include "search/evolution_space.hpp"
#include "search/evolution_steps.hpp"
#include "search/table_fitness.hpp"

namespace zcnas {
namespace {

using evolution::PopulationView;
using evolution::RunBest;
using evolution::SpaceTables;

constexpr int kThreads = 128;

int blocks_for(int64_t n) { return static_cast<int>((n + kThreads - 1) / kThreads); }

// Every run's initial draws: [runs, draws]. With a score table (score_by_index non-null) their fitness too.
__global__ void draw_initial_kernel(SpaceTables space, uint64_t seed, int64_t first_run, int64_t runs, int64_t draws,
                                    const double* score_by_index, int32_t* samples, double* sample_fitness) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= runs * draws) return;
  const int64_t r = i / draws, s = i % draws;
  const int32_t index = space.domain[evolution::sample_position(seed, first_run + r, s, space.domain_size)];
  samples[i] = index;
  if (score_by_index != nullptr) sample_fitness[i] = score_by_index[index];
}

// Sorts draw ids by run, then by ranks_before within the run: the first P ids of each run's segment are
// AREA's initial population.
struct InitialRanking {
  const double* fitness;
  int64_t draws;
  __host__ __device__ bool operator()(int32_t a, int32_t b) const {
    const int64_t run_a = a / draws, run_b = b / draws;
    if (run_a != run_b) return run_a < run_b;
    return evolution::ranks_before(fitness[a], a - run_a * draws, fitness[b], b - run_b * draws);
  }
};

__global__ void mark_selected_kernel(const int32_t* ranked, int64_t runs, int64_t draws, int64_t population,
                                     uint8_t* selected) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= runs * population) return;
  const int64_t r = i / population, k = i % population;
  selected[ranked[r * draws + k]] = 1;
}

// One thread per run: the population from the initial draws, the best so far, the history's first part.
__global__ void start_population_kernel(const int32_t* samples, const double* sample_fitness, const uint8_t* selected,
                                        int64_t runs, int64_t draws, int64_t population, int32_t* member,
                                        double* member_fitness, int64_t* oldest, RunBest* best, int32_t* history,
                                        int64_t history_stride) {
  const int64_t r = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= runs) return;
  RunBest b{-1, 0.0};
  int64_t head = 0;
  evolution::start_population(samples + r * draws, sample_fitness + r * draws,
                              selected != nullptr ? selected + r * draws : nullptr, draws,
                              PopulationView{member + r, member_fitness + r, runs, population}, head, b);
  oldest[r] = head;
  best[r] = b;
  if (history != nullptr)
    for (int64_t s = 0; s < draws; ++s) history[r * history_stride + s] = samples[r * draws + s];
}

// With a score table: every cycle of every run, without leaving the device.
__global__ void evolve_table_kernel(SpaceTables space, const double* score_by_index, uint64_t seed, int64_t first_run,
                                    int64_t runs, int64_t population, int64_t tournament, int64_t cycles,
                                    int32_t* member, double* member_fitness, int64_t* oldest, RunBest* best,
                                    int32_t* history, int64_t history_stride, int64_t history_start) {
  const int64_t r = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= runs) return;
  const PopulationView view{member + r, member_fitness + r, runs, population};
  int64_t head = oldest[r];
  RunBest b = best[r];
  for (int64_t c = 0; c < cycles; ++c) {
    const int32_t child = evolution::propose_child(space, view, tournament, seed, first_run + r, c);
    const double f = score_by_index[child];
    evolution::replace_oldest(view, head, child, f);
    evolution::consider(b, child, f);
    if (history != nullptr) history[r * history_stride + history_start + c] = child;
  }
  oldest[r] = head;
  best[r] = b;
}

// With live scoring, one generation in two halves: propose (here), score on the host, then insert.
__global__ void propose_children_kernel(SpaceTables space, uint64_t seed, int64_t first_run, int64_t runs,
                                        int64_t population, int64_t tournament, int64_t cycle, int32_t* member,
                                        double* member_fitness, int32_t* children) {
  const int64_t r = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= runs) return;
  // Reads the population only; the insert half changes it.
  const PopulationView view{member + r, member_fitness + r, runs, population};
  children[r] = evolution::propose_child(space, view, tournament, seed, first_run + r, cycle);
}

__global__ void insert_children_kernel(const int32_t* children, const double* child_fitness, int64_t runs,
                                       int64_t population, int32_t* member, double* member_fitness, int64_t* oldest,
                                       RunBest* best, int32_t* history, int64_t history_stride, int64_t history_at) {
  const int64_t r = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= runs) return;
  int64_t head = oldest[r];
  evolution::replace_oldest(PopulationView{member + r, member_fitness + r, runs, population}, head, children[r],
                            child_fitness[r]);
  oldest[r] = head;
  evolution::consider(best[r], children[r], child_fitness[r]);
  if (history != nullptr) history[r * history_stride + history_at] = children[r];
}

template <typename T>
void upload(cuda::DeviceBuffer<T>& buffer, const std::vector<T>& host, cudaStream_t stream) {
  buffer.reserve_discard(std::max<size_t>(host.size(), 1));
  if (!host.empty())
    ZCNAS_CUDA_CHECK(
        cudaMemcpyAsync(buffer.data(), host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice, stream));
}

template <typename T>
std::vector<T> download(const cuda::DeviceBuffer<T>& buffer, size_t count, cudaStream_t stream) {
  std::vector<T> host(count);
  if (count > 0)
    ZCNAS_CUDA_CHECK(cudaMemcpyAsync(host.data(), buffer.data(), count * sizeof(T), cudaMemcpyDeviceToHost, stream));
  ZCNAS_CUDA_CHECK(cudaStreamSynchronize(stream));
  return host;
}

// Scores indices that live on the device with a host fitness: copy out, evaluate, copy back.
void score_on_host(Fitness& fitness, const cuda::DeviceBuffer<int32_t>& indices, size_t count,
                   cuda::DeviceBuffer<double>& scores, cudaStream_t stream) {
  const std::vector<int32_t> on_host = download(indices, count, stream);
  const std::vector<double> host_scores = fitness.evaluate(std::vector<int64_t>(on_host.begin(), on_host.end()));
  ZCNAS_REQUIRE(host_scores.size() == count, "fitness returned {} scores for {} archs", host_scores.size(), count);
  upload(scores, host_scores, stream);
  ZCNAS_CUDA_CHECK(cudaStreamSynchronize(stream));  // host_scores must outlive the copy
}

}  // namespace

std::vector<SearchRun> search_device(const SearchSpace& search_space, Fitness& fitness, const SearchConfig& config,
                                     int64_t runs, int64_t first_run, int device) {
  validate(config);
  ZCNAS_REQUIRE(runs >= 0 && first_run >= 0, "search runs {}..{} make no sense", first_run, first_run + runs - 1);
  ZCNAS_REQUIRE(cuda_device_count() > 0, "search_device: no CUDA device on this machine");
  if (runs == 0) return {};
  const int64_t draws = initial_draws(config);
  const int64_t population = config.algorithm == SearchAlgorithm::Random ? 0 : config.population;
  const int64_t cycles = config.algorithm == SearchAlgorithm::Random ? 0 : config.cycles;
  // Draw ids are int32 on the device (the ranking sort).
  ZCNAS_REQUIRE(runs * draws < std::numeric_limits<int32_t>::max(),
                "search_device: {} runs x {} initial draws exceed the device's 2^31 draw ids", runs, draws);

  cuda::CudaContext context(device);
  const cuda::Stream owned_stream = cuda::Stream::create();
  const cudaStream_t stream = owned_stream.get();
  const evolution::HostSpace host_space(search_space, fitness.domain());
  cuda::DeviceBuffer<int32_t> index_to_code, code_to_index, domain;
  cuda::DeviceBuffer<uint8_t> in_domain;
  upload(index_to_code, host_space.codes.index_to_code, stream);
  upload(code_to_index, host_space.codes.code_to_index, stream);
  upload(domain, host_space.domain, stream);
  upload(in_domain, host_space.in_domain, stream);
  const SpaceTables space{host_space.codes.code, index_to_code.data(), code_to_index.data(),
                          in_domain.data(),      domain.data(),        static_cast<int64_t>(host_space.domain.size())};

  const auto* table = dynamic_cast<const TableFitness*>(&fitness);
  cuda::DeviceBuffer<double> score_by_index;
  if (table != nullptr) upload(score_by_index, table->score_by_index(), stream);
  const double* table_scores = table != nullptr ? score_by_index.data() : nullptr;

  const auto initial = static_cast<size_t>(runs * draws);
  cuda::DeviceBuffer<int32_t> samples(initial);
  cuda::DeviceBuffer<double> sample_fitness(initial);
  draw_initial_kernel<<<blocks_for(runs * draws), kThreads, 0, stream>>>(
      space, config.seed, first_run, runs, draws, table_scores, samples.data(), sample_fitness.data());
  ZCNAS_CUDA_CHECK_LAUNCH(draw_initial_kernel);
  if (table == nullptr) score_on_host(fitness, samples, initial, sample_fitness, stream);

  cuda::DeviceBuffer<uint8_t> selected;
  if (config.algorithm == SearchAlgorithm::Area && population < draws) {
    cuda::DeviceBuffer<int32_t> ranked(initial);
    selected.reserve_discard(initial);
    ZCNAS_CUDA_CHECK(cudaMemsetAsync(selected.data(), 0, initial, stream));
    thrust::sequence(thrust::cuda::par.on(stream), ranked.data(), ranked.data() + initial);
    thrust::sort(thrust::cuda::par.on(stream), ranked.data(), ranked.data() + initial,
                 InitialRanking{sample_fitness.data(), draws});
    mark_selected_kernel<<<blocks_for(runs * population), kThreads, 0, stream>>>(ranked.data(), runs, draws, population,
                                                                                 selected.data());
    ZCNAS_CUDA_CHECK_LAUNCH(mark_selected_kernel);
    ZCNAS_CUDA_CHECK(cudaStreamSynchronize(stream));  // `ranked` is freed at the end of this scope
  }

  const auto members = static_cast<size_t>(std::max<int64_t>(population * runs, 1));
  cuda::DeviceBuffer<int32_t> member(members);
  cuda::DeviceBuffer<double> member_fitness(members);
  cuda::DeviceBuffer<int64_t> oldest(static_cast<size_t>(runs));
  cuda::DeviceBuffer<RunBest> best(static_cast<size_t>(runs));
  const int64_t history_stride = draws + cycles;
  cuda::DeviceBuffer<int32_t> history;
  if (config.keep_history) history.reserve_discard(static_cast<size_t>(runs * history_stride));
  int32_t* history_data = config.keep_history ? history.data() : nullptr;

  start_population_kernel<<<blocks_for(runs), kThreads, 0, stream>>>(
      samples.data(), sample_fitness.data(), selected.size() > 0 ? selected.data() : nullptr, runs, draws, population,
      member.data(), member_fitness.data(), oldest.data(), best.data(), history_data, history_stride);
  ZCNAS_CUDA_CHECK_LAUNCH(start_population_kernel);

  if (cycles > 0 && table != nullptr) {
    evolve_table_kernel<<<blocks_for(runs), kThreads, 0, stream>>>(
        space, table_scores, config.seed, first_run, runs, population, config.tournament, cycles, member.data(),
        member_fitness.data(), oldest.data(), best.data(), history_data, history_stride, draws);
    ZCNAS_CUDA_CHECK_LAUNCH(evolve_table_kernel);
  } else if (cycles > 0) {
    cuda::DeviceBuffer<int32_t> children(static_cast<size_t>(runs));
    cuda::DeviceBuffer<double> child_fitness(static_cast<size_t>(runs));
    for (int64_t c = 0; c < cycles; ++c) {
      propose_children_kernel<<<blocks_for(runs), kThreads, 0, stream>>>(
          space, config.seed, first_run, runs, population, config.tournament, c, member.data(), member_fitness.data(),
          children.data());
      ZCNAS_CUDA_CHECK_LAUNCH(propose_children_kernel);
      score_on_host(fitness, children, static_cast<size_t>(runs), child_fitness, stream);
      insert_children_kernel<<<blocks_for(runs), kThreads, 0, stream>>>(
          children.data(), child_fitness.data(), runs, population, member.data(), member_fitness.data(), oldest.data(),
          best.data(), history_data, history_stride, draws + c);
      ZCNAS_CUDA_CHECK_LAUNCH(insert_children_kernel);
    }
  }

  const auto best_host = download(best, static_cast<size_t>(runs), stream);
  const auto oldest_host = download(oldest, static_cast<size_t>(runs), stream);
  const auto member_host = download(member, static_cast<size_t>(population * runs), stream);
  const auto history_host = config.keep_history ? download(history, static_cast<size_t>(runs * history_stride), stream)
                                                : std::vector<int32_t>();

  std::vector<std::vector<int64_t>> runs_history(config.keep_history ? static_cast<size_t>(runs) : 0);
  for (size_t r = 0; r < runs_history.size(); ++r)
    runs_history[r].assign(history_host.begin() + static_cast<int64_t>(r) * history_stride,
                           history_host.begin() + static_cast<int64_t>(r + 1) * history_stride);
  return evolution::collect_runs(best_host, oldest_host, member_host, population, first_run, std::move(runs_history));
}

}  // namespace zcnas
