// The C API (include/zcnas/zcnas.h) over the scoring facade: handles own C++ objects, every entry point catches
// every exception and turns it into a status and this thread's message.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/scorer.hpp"
#include "core/device.hpp"
#include "core/error.hpp"
#include "io/input_batch.hpp"
#include "zcnas/zcnas.h"

#ifdef ZCNAS_WITH_CUDA
#include <cuda_runtime_api.h>
#endif

namespace {

// An error whose status is not ZCNAS_ERROR_INVALID_INPUT (the status of a zcnas::Error).
struct ApiError : std::exception {
  ApiError(zcnas_status status, std::string message) : status(status), message(std::move(message)) {}
  const char* what() const noexcept override { return message.c_str(); }
  zcnas_status status;
  std::string message;
};

thread_local std::string t_last_error;

zcnas_status fail(zcnas_status status, const char* message) noexcept {
  try {
    t_last_error = message;
  } catch (...) {
    t_last_error.clear();  // no memory for the message: the status still says what happened
  }
  return status;
}

// Runs `body`; an exception becomes a status and this thread's message, prefixed with the function's name.
template <class Body>
zcnas_status guarded(const char* function, Body&& body) noexcept {
  try {
    try {
      body();
      return ZCNAS_OK;
    } catch (const ApiError& e) {
      return fail(e.status, (std::string(function) + ": " + e.message).c_str());
    } catch (const zcnas::Error& e) {
      return fail(ZCNAS_ERROR_INVALID_INPUT, (std::string(function) + ": " + e.what()).c_str());
    } catch (const std::bad_alloc&) {
      return fail(ZCNAS_ERROR_OUT_OF_MEMORY, "out of memory");
    } catch (const std::exception& e) {
      return fail(ZCNAS_ERROR_INTERNAL, (std::string(function) + ": " + e.what()).c_str());
    }
  } catch (...) {  // the message itself could not be built, or a foreign exception
    return fail(ZCNAS_ERROR_INTERNAL, "unexpected error");
  }
}

void require_arg(const void* pointer, const char* name) {
  if (pointer == nullptr) throw ApiError(ZCNAS_ERROR_NULL_ARGUMENT, fmt::format("argument '{}' is NULL", name));
}

// Handles are numbered so that an engine's cached scorer is never taken for another handle's at the same address.
uint64_t next_handle_id() {
  static std::atomic<uint64_t> counter{0};
  return ++counter;
}

std::string text_or(const char* text, const char* fallback) { return text ? text : fallback; }

}  // namespace

struct zcnas_space {
  uint64_t id = next_handle_id();
  std::string name;
  zcnas::BuildOptions network;
  std::vector<std::string> flag_names;
};

struct zcnas_score_set {
  uint64_t id = next_handle_id();
  std::vector<std::string> names;
};

struct zcnas_batch {
  zcnas::Tensor tensor;
};

struct zcnas_engine {
  std::string device;
  int cpu_threads = 0;
  int64_t chunk = 0;
  // The scorer of the last (space, score set) scored: the device it opened stays open for the next call.
  uint64_t space_id = 0, scores_id = 0;
  std::unique_ptr<zcnas::Scorer> scorer;

  zcnas::Scorer& scorer_for(const zcnas_space& space, const zcnas_score_set& scores) {
    if (!scorer || space_id != space.id || scores_id != scores.id) {
      scorer.reset();
      zcnas::ScorerSettings settings;
      settings.space = space.name;
      settings.network = space.network;
      settings.scores = scores.names;
      settings.device = device;
      settings.cpu_threads = cpu_threads;
      scorer = std::make_unique<zcnas::Scorer>(std::move(settings));
      space_id = space.id;
      scores_id = scores.id;
    }
    return *scorer;
  }
};

namespace {

size_t column_count(const zcnas_space& space, const zcnas_score_set& scores) {
  return scores.names.size() + space.flag_names.size();
}

bool reads_batch(const zcnas::Scorer& scorer) {
  const zcnas::ScoreNeeds needs = scorer.needs();
  return needs.main_batch || needs.constant_weight_batch;
}

// The caller's batch shape, checked as [B, 3, H, W].
zcnas::Shape batch_shape(const int64_t* shape) {
  require_arg(shape, "shape");
  const zcnas::Shape dims(shape, shape + 4);
  // The bounds keep B*3*H*W far from overflow whatever the caller's shape holds.
  ZCNAS_REQUIRE(dims[0] > 0 && dims[1] == 3 && dims[2] > 0 && dims[3] > 0 && dims[2] <= (1 << 16) &&
                    dims[3] <= (1 << 16) && dims[0] <= (int64_t{1} << 24),
                "batch shape {}: expected [B, 3, H, W] (float32 NCHW images with 3 channels)",
                zcnas::shape_to_string(dims));
  return dims;
}

// The caller's host batch as a tensor, when the scores read one.
std::optional<zcnas::Tensor> batch_of(const zcnas::Scorer& scorer, const float* batch, const int64_t* shape) {
  if (!reads_batch(scorer)) return std::nullopt;
  zcnas::Tensor tensor(batch_shape(shape));
  require_arg(batch, "batch");
  std::memcpy(tensor.data.data(), batch, tensor.data.size() * sizeof(float));
  return tensor;
}

// Scores the jobs made by job(i) for i < n_archs in chunks of the engine's size and writes the rows.
template <class JobOf>
void score_rows(zcnas_engine& engine, zcnas::Scorer& scorer, size_t n_archs, JobOf&& job,
                const std::optional<zcnas::Tensor>& batch, double* results) {
  std::vector<zcnas::ArchJob> jobs;
  jobs.reserve(n_archs);
  for (size_t i = 0; i < n_archs; ++i) jobs.push_back(job(i));  // every arch checked before any runs
  const zcnas::ScoreBatches batches{batch ? &*batch : nullptr, batch ? &*batch : nullptr, nullptr};
  const int64_t chunk = engine.chunk > 0 ? engine.chunk : (scorer.device() == zcnas::Device::Cuda ? 1024 : 1);
  size_t row = 0;
  for (size_t start = 0; start < jobs.size(); start += static_cast<size_t>(chunk)) {
    const size_t end = std::min(jobs.size(), start + static_cast<size_t>(chunk));
    const std::vector<zcnas::ArchJob> part(jobs.begin() + static_cast<std::ptrdiff_t>(start),
                                           jobs.begin() + static_cast<std::ptrdiff_t>(end));
    for (const auto& r : scorer.score(part, batches)) {
      std::copy(r.values.begin(), r.values.end(), results + row * r.values.size());
      ++row;
    }
  }
}

// The checks and the scoring shared by the four score calls; `host_batch` gives the batch on the host.
template <class JobOf, class HostBatch>
void score_call(zcnas_engine* engine, const zcnas_space* space, const zcnas_score_set* scores, const void* archs,
                const char* archs_name, size_t n_archs, double* results, size_t results_len, JobOf&& job,
                HostBatch&& host_batch) {
  require_arg(engine, "engine");
  require_arg(space, "space");
  require_arg(scores, "scores");
  if (n_archs == 0) return;
  require_arg(archs, archs_name);
  require_arg(results, "results");
  const size_t columns = column_count(*space, *scores);
  ZCNAS_REQUIRE(n_archs <= std::numeric_limits<size_t>::max() / columns && results_len >= n_archs * columns,
                "results holds {} doubles, {} archs x {} columns need {}", results_len, n_archs, columns,
                n_archs * columns);
  zcnas::Scorer& scorer = engine->scorer_for(*space, *scores);
  score_rows(
      *engine, scorer, n_archs, [&](size_t i) { return job(scorer, i); }, host_batch(scorer), results);
}

zcnas::ArchJob job_of_arch(const zcnas::Scorer& scorer, const char* const* archs, size_t i) {
  if (archs[i] == nullptr) throw ApiError(ZCNAS_ERROR_NULL_ARGUMENT, fmt::format("archs[{}] is NULL", i));
  return scorer.job_of_arch(archs[i]);
}

// A device batch copied to the host on the caller's stream (CUDA builds); throws in a build without CUDA.
std::optional<zcnas::Tensor> device_batch_of(const zcnas::Scorer& scorer, const float* device_batch,
                                             const int64_t* shape, void* stream) {
#ifdef ZCNAS_WITH_CUDA
  if (!reads_batch(scorer)) return std::nullopt;
  zcnas::Tensor tensor(batch_shape(shape));
  require_arg(device_batch, "device_batch");
  auto* cuda_stream = static_cast<cudaStream_t>(stream);
  cudaError_t status = cudaMemcpyAsync(tensor.data.data(), device_batch, tensor.data.size() * sizeof(float),
                                       cudaMemcpyDeviceToHost, cuda_stream);
  if (status == cudaSuccess) status = cudaStreamSynchronize(cuda_stream);
  if (status != cudaSuccess)
    throw ApiError(status == cudaErrorNoDevice || status == cudaErrorInsufficientDriver ? ZCNAS_ERROR_UNSUPPORTED
                                                                                        : ZCNAS_ERROR_INVALID_INPUT,
                   fmt::format("copying the device batch {} to the host: {} ({})", zcnas::shape_to_string(tensor.shape),
                               cudaGetErrorName(status), cudaGetErrorString(status)));
  return tensor;
#else
  (void)scorer, (void)device_batch, (void)shape, (void)stream;
  throw ApiError(ZCNAS_ERROR_UNSUPPORTED,
                 "a batch in device memory needs a CUDA build of libzcnas; this one was built without CUDA "
                 "(pass the batch in host memory)");
#endif
}

zcnas::Tensor load_cifar10(const char* path, int pick, uint64_t offset_or_seed, int64_t batch_size,
                           const char* normalisation) {
  require_arg(path, "path");
  zcnas::BatchSource source;
  source.data = path;
  ZCNAS_REQUIRE(pick == ZCNAS_PICK_OFFSET || pick == ZCNAS_PICK_SEED,
                "pick {} is neither ZCNAS_PICK_OFFSET nor ZCNAS_PICK_SEED", pick);
  if (pick == ZCNAS_PICK_SEED) {
    source.seed = offset_or_seed;
  } else {
    ZCNAS_REQUIRE(offset_or_seed <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()),
                  "offset {} is out of range", offset_or_seed);
    source.offset = static_cast<int64_t>(offset_or_seed);
  }
  source.batch = batch_size;
  source.normalisation = text_or(normalisation, "cifar10");
  return zcnas::load_batch(source);
}

}  // namespace

extern "C" {

const char* zcnas_version(void) { return ZCNAS_VERSION_STRING; }

const char* zcnas_last_error(void) { return t_last_error.c_str(); }

const char* zcnas_status_name(zcnas_status status) {
  switch (status) {
    case ZCNAS_OK:
      return "ZCNAS_OK";
    case ZCNAS_ERROR_NULL_ARGUMENT:
      return "ZCNAS_ERROR_NULL_ARGUMENT";
    case ZCNAS_ERROR_INVALID_INPUT:
      return "ZCNAS_ERROR_INVALID_INPUT";
    case ZCNAS_ERROR_UNSUPPORTED:
      return "ZCNAS_ERROR_UNSUPPORTED";
    case ZCNAS_ERROR_OUT_OF_MEMORY:
      return "ZCNAS_ERROR_OUT_OF_MEMORY";
    case ZCNAS_ERROR_INTERNAL:
      return "ZCNAS_ERROR_INTERNAL";
  }
  return "unknown zcnas_status";
}

zcnas_status zcnas_engine_create(const char* device, int cpu_threads, int64_t chunk, zcnas_engine** out) {
  return guarded(__func__, [&] {
    require_arg(out, "out");
    *out = nullptr;
    auto engine = std::make_unique<zcnas_engine>();
    engine->device = text_or(device, "auto");
    const zcnas::DeviceChoice choice = zcnas::parse_device(engine->device);
    try {
      zcnas::resolve_device(choice);  // "cuda" without a GPU fails here, not at the first score call
    } catch (const zcnas::Error& e) {
      throw ApiError(ZCNAS_ERROR_UNSUPPORTED, e.what());
    }
    engine->cpu_threads = cpu_threads;
    engine->chunk = chunk;
    *out = engine.release();
  });
}

void zcnas_engine_destroy(zcnas_engine* engine) { delete engine; }

zcnas_status zcnas_space_create(const char* name, int64_t width, int depth, int64_t classes, zcnas_space** out) {
  return guarded(__func__, [&] {
    require_arg(name, "name");
    require_arg(out, "out");
    *out = nullptr;
    auto space = std::make_unique<zcnas_space>();
    space->name = name;
    space->flag_names = zcnas::make_space(name)->arch_flag_names();
    if (width > 0) space->network.channels = width;
    if (depth > 0) space->network.depth = depth;
    if (classes > 0) space->network.num_classes = classes;
    *out = space.release();
  });
}

void zcnas_space_destroy(zcnas_space* space) { delete space; }

zcnas_status zcnas_space_size(const zcnas_space* space, int64_t* size) {
  return guarded(__func__, [&] {
    require_arg(space, "space");
    require_arg(size, "size");
    *size = zcnas::make_space(space->name)->size();
  });
}

zcnas_status zcnas_score_set_create(const char* names, zcnas_score_set** out) {
  return guarded(__func__, [&] {
    require_arg(names, "names");
    require_arg(out, "out");
    *out = nullptr;
    auto scores = std::make_unique<zcnas_score_set>();
    scores->names = zcnas::parse_score_list(names);
    zcnas::ScoreSet check(scores->names);  // an unknown score fails here, not at the first score call
    *out = scores.release();
  });
}

void zcnas_score_set_destroy(zcnas_score_set* scores) { delete scores; }

zcnas_status zcnas_columns_count(const zcnas_space* space, const zcnas_score_set* scores, size_t* count) {
  return guarded(__func__, [&] {
    require_arg(space, "space");
    require_arg(scores, "scores");
    require_arg(count, "count");
    *count = column_count(*space, *scores);
  });
}

zcnas_status zcnas_column_name(const zcnas_space* space, const zcnas_score_set* scores, size_t column,
                               const char** name) {
  return guarded(__func__, [&] {
    require_arg(space, "space");
    require_arg(scores, "scores");
    require_arg(name, "name");
    const size_t n_scores = scores->names.size();
    ZCNAS_REQUIRE(column < column_count(*space, *scores), "column {} is out of range (0..{})", column,
                  column_count(*space, *scores) - 1);
    *name = column < n_scores ? scores->names[column].c_str() : space->flag_names[column - n_scores].c_str();
  });
}

zcnas_status zcnas_batch_load(const char* path, int pick, uint64_t offset_or_seed, int64_t batch_size,
                              const char* normalisation, zcnas_batch** out) {
  return guarded(__func__, [&] {
    require_arg(out, "out");
    *out = nullptr;
    auto batch = std::make_unique<zcnas_batch>();
    batch->tensor = load_cifar10(path, pick, offset_or_seed, batch_size, normalisation);
    *out = batch.release();
  });
}

zcnas_status zcnas_batch_load_into(const char* path, int pick, uint64_t offset_or_seed, int64_t batch_size,
                                   const char* normalisation, float* out, size_t out_floats) {
  return guarded(__func__, [&] {
    require_arg(out, "out");
    ZCNAS_REQUIRE(batch_size > 0 && static_cast<uint64_t>(batch_size) <= out_floats / (3 * 32 * 32),
                  "out holds {} floats, a batch of {} CIFAR-10 images needs {}", out_floats, batch_size,
                  batch_size * 3 * 32 * 32);
    const zcnas::Tensor batch = load_cifar10(path, pick, offset_or_seed, batch_size, normalisation);
    std::copy(batch.data.begin(), batch.data.end(), out);
  });
}

void zcnas_batch_destroy(zcnas_batch* batch) { delete batch; }

zcnas_status zcnas_batch_shape(const zcnas_batch* batch, int64_t shape[4]) {
  return guarded(__func__, [&] {
    require_arg(batch, "batch");
    require_arg(shape, "shape");
    std::copy(batch->tensor.shape.begin(), batch->tensor.shape.end(), shape);
  });
}

zcnas_status zcnas_batch_data(const zcnas_batch* batch, const float** data) {
  return guarded(__func__, [&] {
    require_arg(batch, "batch");
    require_arg(data, "data");
    *data = batch->tensor.data.data();
  });
}

zcnas_status zcnas_score_archs(zcnas_engine* engine, const zcnas_space* space, const zcnas_score_set* scores,
                               const char* const* archs, size_t n_archs, const float* batch, const int64_t shape[4],
                               double* results, size_t results_len) {
  return guarded(__func__, [&] {
    score_call(
        engine, space, scores, archs, "archs", n_archs, results, results_len,
        [&](const zcnas::Scorer& scorer, size_t i) { return job_of_arch(scorer, archs, i); },
        [&](const zcnas::Scorer& scorer) { return batch_of(scorer, batch, shape); });
  });
}

zcnas_status zcnas_score_indices(zcnas_engine* engine, const zcnas_space* space, const zcnas_score_set* scores,
                                 const int64_t* indices, size_t n_archs, const float* batch, const int64_t shape[4],
                                 double* results, size_t results_len) {
  return guarded(__func__, [&] {
    score_call(
        engine, space, scores, indices, "indices", n_archs, results, results_len,
        [&](const zcnas::Scorer& scorer, size_t i) { return scorer.job_of_index(indices[i]); },
        [&](const zcnas::Scorer& scorer) { return batch_of(scorer, batch, shape); });
  });
}

zcnas_status zcnas_score_archs_device(zcnas_engine* engine, const zcnas_space* space, const zcnas_score_set* scores,
                                      const char* const* archs, size_t n_archs, const float* device_batch,
                                      const int64_t shape[4], void* cuda_stream, double* results, size_t results_len) {
  return guarded(__func__, [&] {
    score_call(
        engine, space, scores, archs, "archs", n_archs, results, results_len,
        [&](const zcnas::Scorer& scorer, size_t i) { return job_of_arch(scorer, archs, i); },
        [&](const zcnas::Scorer& scorer) { return device_batch_of(scorer, device_batch, shape, cuda_stream); });
  });
}

zcnas_status zcnas_score_indices_device(zcnas_engine* engine, const zcnas_space* space, const zcnas_score_set* scores,
                                        const int64_t* indices, size_t n_archs, const float* device_batch,
                                        const int64_t shape[4], void* cuda_stream, double* results,
                                        size_t results_len) {
  return guarded(__func__, [&] {
    score_call(
        engine, space, scores, indices, "indices", n_archs, results, results_len,
        [&](const zcnas::Scorer& scorer, size_t i) { return scorer.job_of_index(indices[i]); },
        [&](const zcnas::Scorer& scorer) { return device_batch_of(scorer, device_batch, shape, cuda_stream); });
  });
}

}  // extern "C"
