// The device search's sequence of steps, written once over a Device: search_device (evolution_cuda.cu) drives
// it with a CUDA stream, the emulated tests with the SIMT emulator, so that both run the same orchestration.
// No CUDA runtime call here; a Device provides them:
//   Buffer<T> allocate<T>(size_t count)                          uninitialised device memory
//   void upload(Buffer<T>&, const std::vector<T>&)                 grows the buffer; done on return
//   std::vector<T> download(const Buffer<T>&, size_t count)        after the queued work
//   void zero(Buffer<uint8_t>&, size_t count)
//   void launch(kernel, name, file, line, LaunchShape, args...)    queues kernel(args...) on that shape
//   policy()                                                       Thrust's execution policy on the same queue
#pragma once
#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/error.hpp"
#include "search/evolution.hpp"
#include "search/evolution_kernels.cuh"
#include "search/evolution_space.hpp"
#include "search/table_fitness.hpp"

// A launch that names its kernel and this file's line when it fails.
#define ZCNAS_EVOLUTION_LAUNCH(device, kernel, shape, ...) \
  (device).launch(kernel, "launch of " #kernel, __FILE__, __LINE__, shape, __VA_ARGS__)

namespace zcnas::evolution {
namespace {

// Scores indices that live on the device with a host fitness: copy out, evaluate, copy back.
template <typename Device, typename IndexBuffer, typename ScoreBuffer>
void score_on_host(Device& device, Fitness& fitness, const IndexBuffer& indices, size_t count, ScoreBuffer& scores) {
  const std::vector<int32_t> on_host = device.download(indices, count);
  const std::vector<double> host_scores = fitness.evaluate(std::vector<int64_t>(on_host.begin(), on_host.end()));
  ZCNAS_REQUIRE(host_scores.size() == count, "fitness returned {} scores for {} archs", host_scores.size(), count);
  device.upload(scores, host_scores);
}

// Runs first_run .. first_run+runs-1 of a validated config (runs > 0) on `device`, as search_cpu does on the
// host. With a TableFitness the search is a handful of kernels; otherwise each generation's children come to
// the host to be scored.
template <typename Device>
std::vector<SearchRun> device_search(Device& device, const SearchSpace& search_space, Fitness& fitness,
                                     const SearchConfig& config, int64_t runs, int64_t first_run) {
  const int64_t draws = initial_draws(config);
  const int64_t population = config.algorithm == SearchAlgorithm::Random ? 0 : config.population;
  const int64_t cycles = config.algorithm == SearchAlgorithm::Random ? 0 : config.cycles;
  // Draw ids are int32 on the device (the ranking sort).
  ZCNAS_REQUIRE(runs * draws < std::numeric_limits<int32_t>::max(),
                "search_device: {} runs x {} initial draws exceed the device's 2^31 draw ids", runs, draws);

  const HostSpace host_space(search_space, fitness.domain(), config.algorithm != SearchAlgorithm::Random);
  auto mutations = device.template allocate<int32_t>(0);
  auto domain = device.template allocate<int32_t>(0);
  auto in_domain = device.template allocate<uint8_t>(0);
  device.upload(mutations, host_space.mutations.child);
  device.upload(domain, host_space.domain);
  device.upload(in_domain, host_space.in_domain);
  const SpaceTables space{host_space.mutations.child.empty() ? nullptr : mutations.data(),
                          host_space.mutations.per_arch, in_domain.data(), domain.data(),
                          static_cast<int64_t>(host_space.domain.size())};

  const auto* table = dynamic_cast<const TableFitness*>(&fitness);
  auto score_by_index = device.template allocate<double>(0);
  if (table != nullptr) device.upload(score_by_index, table->score_by_index());
  const double* table_scores = table != nullptr ? score_by_index.data() : nullptr;

  const auto initial = static_cast<size_t>(runs * draws);
  auto samples = device.template allocate<int32_t>(initial);
  auto sample_fitness = device.template allocate<double>(initial);
  ZCNAS_EVOLUTION_LAUNCH(device, draw_initial_kernel, per_draw_launch(runs, draws), space, config.seed, first_run, runs,
                         draws, table_scores, samples.data(), sample_fitness.data());
  if (table == nullptr) score_on_host(device, fitness, samples, initial, sample_fitness);

  const bool select = config.algorithm == SearchAlgorithm::Area && population < draws;
  auto ranked = device.template allocate<int32_t>(select ? initial : 0);
  auto selected = device.template allocate<uint8_t>(select ? initial : 0);
  if (select) {
    device.zero(selected, initial);
    rank_initial_draws(device.policy(), ranked.data(), runs * draws, InitialRanking{sample_fitness.data(), draws});
    ZCNAS_EVOLUTION_LAUNCH(device, mark_selected_kernel, per_member_launch(runs, population), ranked.data(), runs,
                           draws, population, selected.data());
  }

  const auto members = static_cast<size_t>(std::max<int64_t>(population * runs, 1));
  auto member = device.template allocate<int32_t>(members);
  auto member_fitness = device.template allocate<double>(members);
  auto oldest = device.template allocate<int64_t>(static_cast<size_t>(runs));
  auto best = device.template allocate<RunBest>(static_cast<size_t>(runs));
  const int64_t history_stride = draws + cycles;
  auto history =
      device.template allocate<int32_t>(config.keep_history ? static_cast<size_t>(runs * history_stride) : 0);
  int32_t* history_data = config.keep_history ? history.data() : nullptr;

  ZCNAS_EVOLUTION_LAUNCH(device, start_population_kernel, per_run_launch(runs), samples.data(), sample_fitness.data(),
                         select ? selected.data() : nullptr, runs, draws, population, member.data(),
                         member_fitness.data(), oldest.data(), best.data(), history_data, history_stride);

  if (cycles > 0 && table != nullptr) {
    ZCNAS_EVOLUTION_LAUNCH(device, evolve_table_kernel, per_run_launch(runs), space, table_scores, config.seed,
                           first_run, runs, population, config.tournament, cycles, member.data(), member_fitness.data(),
                           oldest.data(), best.data(), history_data, history_stride, draws);
  } else if (cycles > 0) {
    auto children = device.template allocate<int32_t>(static_cast<size_t>(runs));
    auto child_fitness = device.template allocate<double>(static_cast<size_t>(runs));
    for (int64_t c = 0; c < cycles; ++c) {
      ZCNAS_EVOLUTION_LAUNCH(device, propose_children_kernel, per_run_launch(runs), space, config.seed, first_run, runs,
                             population, config.tournament, c, member.data(), member_fitness.data(), children.data());
      score_on_host(device, fitness, children, static_cast<size_t>(runs), child_fitness);
      ZCNAS_EVOLUTION_LAUNCH(device, insert_children_kernel, per_run_launch(runs), children.data(),
                             child_fitness.data(), runs, population, member.data(), member_fitness.data(),
                             oldest.data(), best.data(), history_data, history_stride, draws + c);
    }
  }

  const auto best_host = device.download(best, static_cast<size_t>(runs));
  const auto oldest_host = device.download(oldest, static_cast<size_t>(runs));
  const auto member_host = device.download(member, static_cast<size_t>(population * runs));
  const auto history_host =
      device.download(history, config.keep_history ? static_cast<size_t>(runs * history_stride) : 0);

  std::vector<std::vector<int64_t>> runs_history(config.keep_history ? static_cast<size_t>(runs) : 0);
  for (size_t r = 0; r < runs_history.size(); ++r)
    runs_history[r].assign(history_host.begin() + static_cast<int64_t>(r) * history_stride,
                           history_host.begin() + static_cast<int64_t>(r + 1) * history_stride);
  return collect_runs(best_host, oldest_host, member_host, population, first_run, std::move(runs_history));
}

}  // namespace
}  // namespace zcnas::evolution

#undef ZCNAS_EVOLUTION_LAUNCH
