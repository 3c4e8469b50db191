// Data and files: the CIFAR-10 reader, image selection, safetensors and state_dict loading.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "core/error.hpp"
#include "io/cifar10.hpp"
#include "io/safetensors.hpp"
#include "io/score_table.hpp"
#include "nn/params.hpp"
#include "spaces/nb201/nb201.hpp"
#include "test_support.hpp"

namespace zcnas {
namespace {
namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() : path(fs::temp_directory_path() / fs::path("zcnas_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

// Records whose label is r % 10 and whose pixels are (r * 7 + p) % 256.
void write_records(const std::string& path, int count, int first = 0) {
  std::ofstream out(path, std::ios::binary);
  for (int r = first; r < first + count; ++r) {
    out.put(static_cast<char>(r % 10));
    for (int p = 0; p < kCifarImageBytes; ++p) out.put(static_cast<char>((r * 7 + p) % 256));
  }
}

TEST(Cifar10, ReadsAnyWholeNumberOfRecords) {
  TempDir dir;
  write_records(dir.file("a.bin"), 3);
  const ImageSet set = load_cifar10(dir.file("a.bin"));
  ASSERT_EQ(set.size(), 3);
  EXPECT_EQ(set.labels[2], 2);
  EXPECT_EQ(set.pixels[static_cast<size_t>(kCifarImageBytes + 5)], (7 + 5) % 256);
}

TEST(Cifar10, RefusesTruncatedFileNamingItAndItsSize) {
  TempDir dir;
  write_records(dir.file("short.bin"), 2);
  fs::resize_file(dir.file("short.bin"), 2 * kCifarRecordBytes - 100);
  const std::string msg = test::error_of([&] { load_cifar10(dir.file("short.bin")); });
  EXPECT_NE(msg.find("short.bin"), std::string::npos) << msg;
  EXPECT_NE(msg.find(std::to_string(2 * kCifarRecordBytes - 100)), std::string::npos) << msg;
  EXPECT_NE(test::error_of([&] { load_cifar10(dir.file("missing.bin")); }).find("missing.bin"), std::string::npos);
}

TEST(Cifar10, DirectoryReadsTrainingBatchesInNameOrder) {
  TempDir dir;
  write_records(dir.file("data_batch_2.bin"), 2, 100);
  write_records(dir.file("data_batch_1.bin"), 3, 0);
  write_records(dir.file("test_batch.bin"), 4, 200);
  const ImageSet set = load_cifar10(dir.path.string());
  ASSERT_EQ(set.size(), 5);      // the test batch is not part of the training set
  EXPECT_EQ(set.labels[3], 0);   // record 100 of data_batch_2 follows the 3 of data_batch_1
  EXPECT_EQ(set.files.size(), 2u);
}

TEST(Cifar10, SelectionByOffsetAndSeed) {
  EXPECT_EQ(select_by_offset(10, 3, 4), (std::vector<int64_t>{3, 4, 5, 6}));
  EXPECT_THROW(select_by_offset(10, 8, 4), Error);
  const auto a = select_by_seed(1000, 7, 128), b = select_by_seed(1000, 7, 128), c = select_by_seed(1000, 8, 128);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(std::set<int64_t>(a.begin(), a.end()).size(), 128u);  // distinct images
  for (int64_t i : a) EXPECT_TRUE(i >= 0 && i < 1000);
  EXPECT_THROW(select_by_seed(10, 0, 11), Error);
}

TEST(Cifar10, RealFilesMatchTheirDocumentedFirstImages) {
  ZCNAS_REQUIRE_SHARED("data/cifar10/data_batch_1_exact_first932.bin");
  const ImageSet train = load_cifar10(test::shared_path("data/cifar10/data_batch_1_exact_first932.bin"));
  ASSERT_EQ(train.size(), 932);
  EXPECT_EQ(train.labels[0], 6);  // frog
  EXPECT_EQ(std::vector<int>(train.pixels.begin(), train.pixels.begin() + 5), (std::vector<int>{59, 43, 50, 68, 98}));
  const ImageSet test_set = load_cifar10(test::shared_path("data/cifar10/test_batch_exact_first932.bin"));
  EXPECT_EQ(test_set.labels[0], 3);  // cat
  EXPECT_EQ(std::vector<int>(test_set.pixels.begin(), test_set.pixels.begin() + 4), (std::vector<int>{158, 159, 165, 166}));
}

TEST(Cifar10, NormalisationIsPyTorchsFloat32Arithmetic) {
  ImageSet set;
  set.pixels.assign(static_cast<size_t>(kCifarImageBytes), 0);
  set.labels = {0};
  set.pixels[0] = 200;
  const Tensor t = make_batch(set, {0}, Normalisation::cifar10());
  const float expected = (200.0f / 255.0f - static_cast<float>(125.3 / 255)) / static_cast<float>(63.0 / 255);
  EXPECT_EQ(t.data[0], expected);
  EXPECT_EQ(t.shape, (Shape{1, 3, 32, 32}));
}

TEST(Safetensors, RoundTripAndMalformedFiles) {
  TempDir dir;
  TensorF64 k({2, 3});
  for (size_t i = 0; i < k.data.size(); ++i) k.data[i] = 0.5 * static_cast<double>(i) - 1.0;
  write_safetensors(dir.file("k.safetensors"), {{"K", raw_from(k)}});
  const auto back = raw_to_f64(read_safetensors(dir.file("k.safetensors")).at("K"), "K");
  EXPECT_EQ(back.shape, k.shape);
  EXPECT_EQ(back.data, k.data);
  std::ofstream(dir.file("bad.safetensors")) << "garbage";
  EXPECT_NE(test::error_of([&] { read_safetensors(dir.file("bad.safetensors")); }).find("bad.safetensors"),
            std::string::npos);
}

TEST(Params, DefaultInitIsDeterministicAndWithinBounds) {
  const Network net = nb201::build_network(nb201::index_to_arch(6111));
  const ParamStore a = init_params(net, 3), b = init_params(net, 3), c = init_params(net, 4);
  EXPECT_EQ(a.at("stem.0.weight").data, b.at("stem.0.weight").data);
  EXPECT_NE(a.at("stem.0.weight").data, c.at("stem.0.weight").data);
  for (const auto& spec : net.params()) {
    const Tensor& t = a.at(spec.name);
    ASSERT_EQ(t.shape, spec.shape) << spec.name;
    if (spec.init != ParamInit::Uniform) continue;
    double lo = 1, hi = -1;
    for (float v : t.data) lo = std::min(lo, static_cast<double>(v)), hi = std::max(hi, static_cast<double>(v));
    EXPECT_LE(hi, spec.bound) << spec.name;
    EXPECT_GE(lo, -spec.bound) << spec.name;
    if (t.numel() > 100) {
      EXPECT_GT(hi - lo, spec.bound) << spec.name << " does not spread over its range";
    }
  }
  EXPECT_EQ(a.at("stem.1.weight").data, std::vector<float>(16, 1.0f));
  EXPECT_EQ(a.at("stem.1.bias").data, std::vector<float>(16, 0.0f));
}

TEST(Params, StateDictErrorsNameTheTensor) {
  TempDir dir;
  const Network net = nb201::build_network(nb201::index_to_arch(1835));  // all skip: stem, blocks, head
  const ParamStore good = init_params(net, 1);
  TensorFile file;
  for (const auto& [name, t] : good.tensors()) file[name] = raw_from(t);
  file["stem.1.running_mean"] = raw_from(Tensor({16}));  // BN buffers are accepted and ignored
  write_safetensors(dir.file("ok.safetensors"), file);
  EXPECT_EQ(load_params(net, dir.file("ok.safetensors")).at("classifier.weight").data,
            good.at("classifier.weight").data);

  TensorFile missing = file;
  missing.erase("cells.5.conv_a.op.1.weight");
  write_safetensors(dir.file("missing.safetensors"), missing);
  EXPECT_NE(test::error_of([&] { load_params(net, dir.file("missing.safetensors")); }).find("cells.5.conv_a.op.1.weight"),
            std::string::npos);

  TensorFile extra = file;
  extra["cells.0.layers.0.op.1.weight"] = raw_from(Tensor({16, 16, 3, 3}));
  write_safetensors(dir.file("extra.safetensors"), extra);
  EXPECT_NE(test::error_of([&] { load_params(net, dir.file("extra.safetensors")); }).find("cells.0.layers.0.op.1.weight"),
            std::string::npos);

  TensorFile shaped = file;
  shaped["stem.0.weight"] = raw_from(Tensor({16, 3, 1, 1}));
  write_safetensors(dir.file("shape.safetensors"), shaped);
  const std::string msg = test::error_of([&] { load_params(net, dir.file("shape.safetensors")); });
  EXPECT_NE(msg.find("stem.0.weight"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[16, 3, 3, 3]"), std::string::npos) << msg;
}

TEST(ScoreTable, FinishedRowsReadsWholeLinesWithoutTouchingTheFile) {
  // What a rank reads of a table that another rank is appending to: a cut last row is not finished, and the
  // file stays as it is (only its writer drops the cut row).
  TempDir dir;
  const std::string path = dir.file("t.csv");
  {
    ScoreTableWriter writer(path, TableFormat::Csv, {"naswot"});
    for (int64_t index : {7, 3, 11}) writer.write({index, "a", {1.5}, 0.25});
  }
  std::ofstream(path, std::ios::app) << "42,a,1.";
  const auto size = fs::file_size(path);
  EXPECT_EQ(finished_rows(path, TableFormat::Csv, {"naswot"}), (std::set<int64_t>{3, 7, 11}));
  EXPECT_EQ(fs::file_size(path), size);
  EXPECT_THROW(finished_rows(path, TableFormat::Csv, {"params"}), Error);
  EXPECT_TRUE(finished_rows(dir.file("absent.csv"), TableFormat::Csv, {"naswot"}).empty());
  // The writer that resumes it agrees, and cuts the row.
  ScoreTableWriter writer(path, TableFormat::Csv, {"naswot"});
  EXPECT_EQ(writer.done(), (std::set<int64_t>{3, 7, 11}));
  EXPECT_LT(fs::file_size(path), size);
}

}  // namespace
}  // namespace zcnas
