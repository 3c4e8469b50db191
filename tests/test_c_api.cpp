// The C API (include/zcnas/zcnas.h, libzcnas.so): bad calls give a status and a message that names the problem,
// never a crash, and scores through it equal the Scorer's.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "api/scorer.hpp"
#include "core/device.hpp"
#include "io/cifar10.hpp"
#include "io/input_batch.hpp"
#include "test_support.hpp"
#include "zcnas/zcnas.h"

namespace zcnas {
namespace {

const char* const kCifarFile = "data/cifar10/data_batch_1_exact_first932.bin";
const char* const kNb201Arch =
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|";

// Expects `status` with a message that contains every one of `words`.
#define EXPECT_FAILS(call, status, ...)                                                                    \
  do {                                                                                                     \
    const zcnas_status got_ = (call);                                                                      \
    EXPECT_EQ(got_, status) << #call << " gave " << zcnas_status_name(got_) << ": " << zcnas_last_error(); \
    for (const char* word : {__VA_ARGS__})                                                                 \
      EXPECT_NE(std::string(zcnas_last_error()).find(word), std::string::npos)                             \
          << #call << ": '" << zcnas_last_error() << "' does not name '" << word << "'";                   \
  } while (0)

// B images [B, 3, 32, 32] of distinct values (identical images would give NASWOT a singular kernel).
std::vector<float> varied_batch(int64_t images) {
  std::vector<float> v(static_cast<size_t>(images * 3 * 32 * 32));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>((i * 7919) % 509) / 128.0f - 2.0f;
  return v;
}

// Handles that clean up after themselves, for the tests' brevity.
struct Handles {
  zcnas_engine* engine = nullptr;
  zcnas_space* space = nullptr;
  zcnas_score_set* scores = nullptr;
  Handles(const char* space_name, const char* score_names, int64_t width = 8, int depth = 1) {
    EXPECT_EQ(zcnas_engine_create("cpu", 1, 0, &engine), ZCNAS_OK) << zcnas_last_error();
    EXPECT_EQ(zcnas_space_create(space_name, width, depth, 0, &space), ZCNAS_OK) << zcnas_last_error();
    EXPECT_EQ(zcnas_score_set_create(score_names, &scores), ZCNAS_OK) << zcnas_last_error();
  }
  ~Handles() {
    zcnas_score_set_destroy(scores);
    zcnas_space_destroy(space);
    zcnas_engine_destroy(engine);
  }
};

// The rows that the Scorer gives for the same settings as Handles.
std::vector<double> scorer_rows(const std::string& space, const std::vector<std::string>& scores,
                                const std::vector<int64_t>& indices, const Tensor& batch, int64_t width, int depth) {
  ScorerSettings settings;
  settings.space = space;
  settings.scores = scores;
  settings.device = "cpu";
  settings.cpu_threads = 1;
  settings.network.channels = width;
  settings.network.depth = depth;
  Scorer scorer(settings);
  std::vector<ArchJob> jobs;
  for (int64_t i : indices) jobs.push_back(scorer.job_of_index(i));
  std::vector<double> out;
  for (const auto& row : scorer.score(jobs, {&batch, &batch, nullptr}))
    out.insert(out.end(), row.values.begin(), row.values.end());
  return out;
}

TEST(CApi, VersionAndStatusNames) {
  EXPECT_STREQ(zcnas_version(), ZCNAS_TEST_VERSION);
  EXPECT_STREQ(zcnas_status_name(ZCNAS_OK), "ZCNAS_OK");
  EXPECT_STREQ(zcnas_status_name(ZCNAS_ERROR_UNSUPPORTED), "ZCNAS_ERROR_UNSUPPORTED");
}

TEST(CApi, BadHandlesAreRefusedWithTheirReason) {
  zcnas_space* space = nullptr;
  EXPECT_FAILS(zcnas_space_create("nb999", 0, 0, 0, &space), ZCNAS_ERROR_INVALID_INPUT, "nb999", "zcnas_space_create");
  EXPECT_EQ(space, nullptr);
  zcnas_score_set* scores = nullptr;
  EXPECT_FAILS(zcnas_score_set_create("naswot,synflow", &scores), ZCNAS_ERROR_INVALID_INPUT, "synflow");
  EXPECT_FAILS(zcnas_score_set_create("naswot,naswot", &scores), ZCNAS_ERROR_INVALID_INPUT, "naswot");
  EXPECT_FAILS(zcnas_score_set_create("", &scores), ZCNAS_ERROR_INVALID_INPUT, "zcnas_score_set_create");
  EXPECT_EQ(scores, nullptr);
  zcnas_engine* engine = nullptr;
  EXPECT_FAILS(zcnas_engine_create("gpu", 0, 0, &engine), ZCNAS_ERROR_INVALID_INPUT, "gpu");
  if (cuda_device_count() == 0)
    EXPECT_FAILS(zcnas_engine_create("cuda", 0, 0, &engine), ZCNAS_ERROR_UNSUPPORTED, "cuda");
  EXPECT_EQ(engine, nullptr);
  // The message belongs to the thread that failed.
  std::string other_thread;
  std::thread([&] { other_thread = zcnas_last_error(); }).join();
  EXPECT_EQ(other_thread, "");
}

TEST(CApi, EveryNullPointerIsNamed) {
  Handles h("nb201", "naswot");
  const char* archs[] = {kNb201Arch};
  const int64_t indices[] = {0};
  const int64_t shape[4] = {2, 3, 32, 32};
  std::vector<float> batch(2 * 3 * 32 * 32, 0.5f);
  double row[1];
  size_t count = 0;
  const char* name = nullptr;
  int64_t size = 0;
  const float* data = nullptr;
  zcnas_engine* engine = nullptr;
  zcnas_space* space = nullptr;
  zcnas_score_set* scores = nullptr;
  zcnas_batch* loaded = nullptr;
  constexpr auto kNull = ZCNAS_ERROR_NULL_ARGUMENT;
  EXPECT_FAILS(zcnas_engine_create("cpu", 0, 0, nullptr), kNull, "'out'");
  EXPECT_FAILS(zcnas_space_create(nullptr, 0, 0, 0, &space), kNull, "'name'");
  EXPECT_FAILS(zcnas_space_create("nb201", 0, 0, 0, nullptr), kNull, "'out'");
  EXPECT_FAILS(zcnas_space_size(nullptr, &size), kNull, "'space'");
  EXPECT_FAILS(zcnas_space_size(h.space, nullptr), kNull, "'size'");
  EXPECT_FAILS(zcnas_score_set_create(nullptr, &scores), kNull, "'names'");
  EXPECT_FAILS(zcnas_score_set_create("naswot", nullptr), kNull, "'out'");
  EXPECT_FAILS(zcnas_columns_count(nullptr, h.scores, &count), kNull, "'space'");
  EXPECT_FAILS(zcnas_columns_count(h.space, nullptr, &count), kNull, "'scores'");
  EXPECT_FAILS(zcnas_columns_count(h.space, h.scores, nullptr), kNull, "'count'");
  EXPECT_FAILS(zcnas_column_name(nullptr, h.scores, 0, &name), kNull, "'space'");
  EXPECT_FAILS(zcnas_column_name(h.space, nullptr, 0, &name), kNull, "'scores'");
  EXPECT_FAILS(zcnas_column_name(h.space, h.scores, 0, nullptr), kNull, "'name'");
  EXPECT_FAILS(zcnas_batch_load(nullptr, ZCNAS_PICK_OFFSET, 0, 2, nullptr, &loaded), kNull, "'path'");
  EXPECT_FAILS(zcnas_batch_load("x.bin", ZCNAS_PICK_OFFSET, 0, 2, nullptr, nullptr), kNull, "'out'");
  EXPECT_FAILS(zcnas_batch_load_into(nullptr, ZCNAS_PICK_OFFSET, 0, 2, nullptr, batch.data(), batch.size()), kNull,
               "'path'");
  EXPECT_FAILS(zcnas_batch_load_into("x.bin", ZCNAS_PICK_OFFSET, 0, 2, nullptr, nullptr, 0), kNull, "'out'");
  int64_t out_shape[4];
  EXPECT_FAILS(zcnas_batch_shape(nullptr, out_shape), kNull, "'batch'");
  EXPECT_FAILS(zcnas_batch_data(nullptr, &data), kNull, "'batch'");
  for (int device = 0; device < 2; ++device) {
    // Host and device calls check their pointers alike (a device call in a CPU build names the build).
    auto by_arch = [&](zcnas_engine* e, const zcnas_space* s, const zcnas_score_set* c, const char* const* a,
                       const float* b, const int64_t* sh, double* r) {
      return device ? zcnas_score_archs_device(e, s, c, a, 1, b, sh, nullptr, r, 1)
                    : zcnas_score_archs(e, s, c, a, 1, b, sh, r, 1);
    };
    auto by_index = [&](zcnas_engine* e, const int64_t* i, double* r) {
      return device ? zcnas_score_indices_device(e, h.space, h.scores, i, 1, batch.data(), shape, nullptr, r, 1)
                    : zcnas_score_indices(e, h.space, h.scores, i, 1, batch.data(), shape, r, 1);
    };
    EXPECT_FAILS(by_arch(nullptr, h.space, h.scores, archs, batch.data(), shape, row), kNull, "'engine'");
    EXPECT_FAILS(by_arch(h.engine, nullptr, h.scores, archs, batch.data(), shape, row), kNull, "'space'");
    EXPECT_FAILS(by_arch(h.engine, h.space, nullptr, archs, batch.data(), shape, row), kNull, "'scores'");
    EXPECT_FAILS(by_arch(h.engine, h.space, h.scores, nullptr, batch.data(), shape, row), kNull, "'archs'");
    EXPECT_FAILS(by_arch(h.engine, h.space, h.scores, archs, batch.data(), shape, nullptr), kNull, "'results'");
    EXPECT_FAILS(by_index(nullptr, indices, row), kNull, "'engine'");
    EXPECT_FAILS(by_index(h.engine, nullptr, row), kNull, "'indices'");
    EXPECT_FAILS(by_index(h.engine, indices, nullptr), kNull, "'results'");
    if (device == 0) {
      EXPECT_FAILS(by_arch(h.engine, h.space, h.scores, archs, nullptr, shape, row), kNull, "'batch'");
      EXPECT_FAILS(by_arch(h.engine, h.space, h.scores, archs, batch.data(), nullptr, row), kNull, "'shape'");
      const char* with_null[] = {kNb201Arch, nullptr};
      double rows[2];
      EXPECT_FAILS(zcnas_score_archs(h.engine, h.space, h.scores, with_null, 2, batch.data(), shape, rows, 2), kNull,
                   "archs[1]");
    }
  }
  // Destroying nothing is allowed.
  zcnas_engine_destroy(engine);
  zcnas_space_destroy(space);
  zcnas_score_set_destroy(scores);
  zcnas_batch_destroy(loaded);
}

TEST(CApi, BadArchsIndicesShapesAndBuffersAreNamed) {
  Handles h("nb201", "naswot,params");
  const std::vector<float> batch = varied_batch(2);
  const int64_t shape[4] = {2, 3, 32, 32};
  double rows[4];
  const char* malformed[] = {"|nor_conv_3x3~0|+|conv_9x9~0|nor_conv_3x3~1|+|skip_connect~0|none~1|none~2|"};
  EXPECT_FAILS(zcnas_score_archs(h.engine, h.space, h.scores, malformed, 1, batch.data(), shape, rows, 2),
               ZCNAS_ERROR_INVALID_INPUT, "conv_9x9", "zcnas_score_archs");
  const int64_t outside[] = {0, 15625};
  EXPECT_FAILS(zcnas_score_indices(h.engine, h.space, h.scores, outside, 2, batch.data(), shape, rows, 4),
               ZCNAS_ERROR_INVALID_INPUT, "15625");
  const int64_t negative[] = {-1};
  EXPECT_FAILS(zcnas_score_indices(h.engine, h.space, h.scores, negative, 1, batch.data(), shape, rows, 2),
               ZCNAS_ERROR_INVALID_INPUT, "-1");
  const int64_t two_channels[4] = {4, 2, 32, 32};
  const int64_t index[] = {0};
  EXPECT_FAILS(zcnas_score_indices(h.engine, h.space, h.scores, index, 1, batch.data(), two_channels, rows, 2),
               ZCNAS_ERROR_INVALID_INPUT, "[4, 2, 32, 32]");
  const int64_t empty[4] = {0, 3, 32, 32};
  EXPECT_FAILS(zcnas_score_indices(h.engine, h.space, h.scores, index, 1, batch.data(), empty, rows, 2),
               ZCNAS_ERROR_INVALID_INPUT, "[0, 3, 32, 32]");
  EXPECT_FAILS(zcnas_score_indices(h.engine, h.space, h.scores, index, 1, batch.data(), shape, rows, 1),
               ZCNAS_ERROR_INVALID_INPUT, "results holds 1 doubles");
  const char* name = nullptr;
  EXPECT_FAILS(zcnas_column_name(h.space, h.scores, 2, &name), ZCNAS_ERROR_INVALID_INPUT, "column 2");
  // A space without an index order takes strings only.
  zcnas_space* darts = nullptr;
  ASSERT_EQ(zcnas_space_create("darts", 0, 0, 0, &darts), ZCNAS_OK) << zcnas_last_error();
  EXPECT_FAILS(zcnas_score_indices(h.engine, darts, h.scores, index, 1, batch.data(), shape, rows, 2),
               ZCNAS_ERROR_INVALID_INPUT, "darts");
  int64_t size = 0;
  EXPECT_EQ(zcnas_space_size(darts, &size), ZCNAS_OK);
  EXPECT_EQ(size, -1);
  zcnas_space_destroy(darts);
  // A failed call leaves the engine usable.
  EXPECT_EQ(zcnas_score_indices(h.engine, h.space, h.scores, index, 1, batch.data(), shape, rows, 2), ZCNAS_OK)
      << zcnas_last_error();
  EXPECT_TRUE(std::isfinite(rows[0])) << rows[0];
  EXPECT_GT(rows[1], 0);
}

TEST(CApi, DeviceBatches) {
  Handles h("nb201", "naswot");
  std::vector<float> batch(2 * 3 * 32 * 32, 0.5f);
  const int64_t shape[4] = {2, 3, 32, 32};
  const int64_t index[] = {0};
  double row[1];
#ifndef ZCNAS_WITH_CUDA
  EXPECT_FAILS(zcnas_score_indices_device(h.engine, h.space, h.scores, index, 1, batch.data(), shape, nullptr, row, 1),
               ZCNAS_ERROR_UNSUPPORTED, "without CUDA");
#else
  if (cuda_device_count() == 0) {
    // A host pointer where a device one belongs, on a machine without a GPU: the copy fails and says why.
    const zcnas_status status =
        zcnas_score_indices_device(h.engine, h.space, h.scores, index, 1, batch.data(), shape, nullptr, row, 1);
    EXPECT_NE(status, ZCNAS_OK);
    EXPECT_NE(std::string(zcnas_last_error()).find("device batch"), std::string::npos) << zcnas_last_error();
  } else {
    GTEST_SKIP() << "a GPU is present: tests/gpu checks the CUDA backend's scores";
  }
#endif
}

TEST(CApi, BatchLoadingNamesTheFileAndTheSize) {
  zcnas_batch* batch = nullptr;
  EXPECT_FAILS(zcnas_batch_load("/nonexistent/cifar.bin", ZCNAS_PICK_OFFSET, 0, 4, nullptr, &batch),
               ZCNAS_ERROR_INVALID_INPUT, "/nonexistent/cifar.bin");
  EXPECT_EQ(batch, nullptr);
  EXPECT_FAILS(zcnas_batch_load("/nonexistent/cifar.bin", 7, 0, 4, nullptr, &batch), ZCNAS_ERROR_INVALID_INPUT,
               "pick 7");
  std::vector<float> small(3 * 32 * 32);
  EXPECT_FAILS(
      zcnas_batch_load_into("/nonexistent/cifar.bin", ZCNAS_PICK_SEED, 3, 2, nullptr, small.data(), small.size()),
      ZCNAS_ERROR_INVALID_INPUT, "3072 floats");
  ZCNAS_REQUIRE_SHARED(kCifarFile);
  const std::string path = test::shared_path(kCifarFile);
  EXPECT_FAILS(zcnas_batch_load(path.c_str(), ZCNAS_PICK_OFFSET, 0, 4, "imagenet1k", &batch), ZCNAS_ERROR_INVALID_INPUT,
               "imagenet1k");
  EXPECT_FAILS(zcnas_batch_load(path.c_str(), ZCNAS_PICK_OFFSET, 930, 4, nullptr, &batch), ZCNAS_ERROR_INVALID_INPUT,
               "930..933");
  // Both ways of loading give load_batch's images.
  BatchSource source;
  source.data = path;
  source.seed = 11;
  source.batch = 4;
  source.normalisation = "cifar100";
  const Tensor expected = load_batch(source);
  ASSERT_EQ(zcnas_batch_load(path.c_str(), ZCNAS_PICK_SEED, 11, 4, "cifar100", &batch), ZCNAS_OK) << zcnas_last_error();
  int64_t shape[4];
  const float* data = nullptr;
  ASSERT_EQ(zcnas_batch_shape(batch, shape), ZCNAS_OK);
  ASSERT_EQ(zcnas_batch_data(batch, &data), ZCNAS_OK);
  EXPECT_EQ(Shape(shape, shape + 4), expected.shape);
  EXPECT_EQ(std::vector<float>(data, data + expected.numel()), expected.data);
  std::vector<float> into(static_cast<size_t>(expected.numel()));
  ASSERT_EQ(zcnas_batch_load_into(path.c_str(), ZCNAS_PICK_SEED, 11, 4, "cifar100", into.data(), into.size()), ZCNAS_OK)
      << zcnas_last_error();
  EXPECT_EQ(into, expected.data);
  zcnas_batch_destroy(batch);
}

TEST(CApi, ScoresEqualTheScorersOnCifar10) {
  ZCNAS_REQUIRE_SHARED(kCifarFile);
  const std::string path = test::shared_path(kCifarFile);
  zcnas_batch* batch = nullptr;
  ASSERT_EQ(zcnas_batch_load(path.c_str(), ZCNAS_PICK_OFFSET, 0, 8, nullptr, &batch), ZCNAS_OK) << zcnas_last_error();
  int64_t shape[4];
  const float* data = nullptr;
  ASSERT_EQ(zcnas_batch_shape(batch, shape), ZCNAS_OK);
  ASSERT_EQ(zcnas_batch_data(batch, &data), ZCNAS_OK);
  // The space's default network (NB201: C = 16, N = 5), as published scores use.
  Handles h("nb201", "naswot,params", 0, 0);
  const int64_t indices[] = {0, 6111};
  std::vector<double> rows(4);
  ASSERT_EQ(zcnas_score_indices(h.engine, h.space, h.scores, indices, 2, data, shape, rows.data(), rows.size()),
            ZCNAS_OK)
      << zcnas_last_error();
  BatchSource source;
  source.data = path;
  source.batch = 8;
  const Tensor tensor = load_batch(source);
  ScorerSettings settings;
  settings.scores = {"naswot", "params"};
  settings.device = "cpu";
  settings.cpu_threads = 1;
  Scorer scorer(settings);
  std::vector<double> expected;
  for (const auto& row : scorer.score({scorer.job_of_index(0), scorer.job_of_index(6111)}, {&tensor, &tensor, nullptr}))
    expected.insert(expected.end(), row.values.begin(), row.values.end());
  EXPECT_EQ(rows, expected);
  EXPECT_EQ(rows[1], 128721);   // NB201 index 0's parameters at C = 16, N = 5
  EXPECT_GT(rows[2], rows[0]);  // the convolutional cell tells the 8 images apart better than the pooling one
  zcnas_batch_destroy(batch);
}

TEST(CApi, StringsIndicesChunksAndFlagsAgree) {
  const std::vector<float> values = varied_batch(4);
  const int64_t shape[4] = {4, 3, 32, 32};
  Tensor tensor({4, 3, 32, 32});
  tensor.data = values;
  // By index, by string, and in chunks of 2 on a second engine: one answer, the Scorer's.
  Handles h("nb201", "naswot,params");
  const int64_t indices[] = {0, 6111, 77};
  std::vector<double> by_index(6), by_string(6), chunked(6);
  ASSERT_EQ(zcnas_score_indices(h.engine, h.space, h.scores, indices, 3, values.data(), shape, by_index.data(), 6),
            ZCNAS_OK)
      << zcnas_last_error();
  const std::string a0 = Scorer(ScorerSettings{}).space().arch_of(0),
                    a77 = Scorer(ScorerSettings{}).space().arch_of(77);
  const char* archs[] = {a0.c_str(), kNb201Arch, a77.c_str()};
  ASSERT_EQ(zcnas_score_archs(h.engine, h.space, h.scores, archs, 3, values.data(), shape, by_string.data(), 6),
            ZCNAS_OK)
      << zcnas_last_error();
  zcnas_engine* chunks_of_two = nullptr;
  ASSERT_EQ(zcnas_engine_create("cpu", 2, 2, &chunks_of_two), ZCNAS_OK);
  ASSERT_EQ(zcnas_score_indices(chunks_of_two, h.space, h.scores, indices, 3, values.data(), shape, chunked.data(), 6),
            ZCNAS_OK)
      << zcnas_last_error();
  zcnas_engine_destroy(chunks_of_two);
  const std::vector<double> expected = scorer_rows("nb201", {"naswot", "params"}, {0, 6111, 77}, tensor, 8, 1);
  EXPECT_EQ(by_index, expected);
  EXPECT_EQ(by_string, expected);
  EXPECT_EQ(chunked, expected);

  // NB101's rows end with its reference_fails flag; params need no batch.
  Handles nb101("nb101", "params", 16, 1);
  size_t columns = 0;
  const char* flag = nullptr;
  ASSERT_EQ(zcnas_columns_count(nb101.space, nb101.scores, &columns), ZCNAS_OK);
  ASSERT_EQ(columns, 2u);
  ASSERT_EQ(zcnas_column_name(nb101.space, nb101.scores, 1, &flag), ZCNAS_OK);
  EXPECT_STREQ(flag, "reference_fails");
  const int64_t nb101_indices[] = {0, 5};
  std::vector<double> nb101_rows(4);
  ASSERT_EQ(zcnas_score_indices(nb101.engine, nb101.space, nb101.scores, nb101_indices, 2, nullptr, nullptr,
                                nb101_rows.data(), nb101_rows.size()),
            ZCNAS_OK)
      << zcnas_last_error();
  EXPECT_EQ(nb101_rows, scorer_rows("nb101", {"params"}, {0, 5}, tensor, 16, 1));
}

TEST(CApi, DistinctEnginesOnDistinctThreads) {
  const std::vector<float> values = varied_batch(4);
  const int64_t shape[4] = {4, 3, 32, 32};
  const int64_t indices[] = {6111, 77, 1234, 9000};
  zcnas_space* space = nullptr;
  zcnas_score_set* scores = nullptr;
  ASSERT_EQ(zcnas_space_create("nb201", 8, 1, 0, &space), ZCNAS_OK);
  ASSERT_EQ(zcnas_score_set_create("naswot,params", &scores), ZCNAS_OK);
  // The space and the score set are shared by both threads; each has its own engine.
  auto score = [&](std::vector<double>& rows, zcnas_status& status) {
    zcnas_engine* engine = nullptr;
    status = zcnas_engine_create("cpu", 1, 0, &engine);
    if (status == ZCNAS_OK)
      status = zcnas_score_indices(engine, space, scores, indices, 4, values.data(), shape, rows.data(), rows.size());
    zcnas_engine_destroy(engine);
  };
  std::vector<double> alone(8), first(8), second(8);
  zcnas_status s0, s1, s2;
  score(alone, s0);
  std::thread t1([&] { score(first, s1); }), t2([&] { score(second, s2); });
  t1.join();
  t2.join();
  ASSERT_EQ(s0, ZCNAS_OK);
  ASSERT_EQ(s1, ZCNAS_OK);
  ASSERT_EQ(s2, ZCNAS_OK);
  EXPECT_EQ(first, alone);
  EXPECT_EQ(second, alone);
  zcnas_score_set_destroy(scores);
  zcnas_space_destroy(space);
}

}  // namespace
}  // namespace zcnas
