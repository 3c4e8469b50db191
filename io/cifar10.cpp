// CIFAR-10 reader, image selection and normalisation.
#include "io/cifar10.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "core/random.hpp"

namespace zcnas {
namespace fs = std::filesystem;

Normalisation Normalisation::cifar10() {
  return {{125.3 / 255, 123.0 / 255, 113.9 / 255}, {63.0 / 255, 62.1 / 255, 66.7 / 255}};
}
Normalisation Normalisation::cifar100() {
  return {{129.3 / 255, 124.1 / 255, 112.4 / 255}, {68.2 / 255, 65.4 / 255, 70.4 / 255}};
}
Normalisation Normalisation::imagenet16() {
  return {{122.68 / 255, 116.66 / 255, 104.01 / 255}, {63.22 / 255, 61.26 / 255, 65.09 / 255}};
}

Normalisation Normalisation::named(const std::string& name) {
  if (name == "cifar10") return cifar10();
  if (name == "cifar100") return cifar100();
  ZCNAS_REQUIRE(name == "imagenet16", "unknown normalisation '{}': expected cifar10, cifar100 or imagenet16", name);
  return imagenet16();
}

namespace {

void append_file(ImageSet& set, const fs::path& file) {
  std::error_code ec;
  const auto bytes = fs::file_size(file, ec);
  ZCNAS_REQUIRE(!ec, "cannot read CIFAR-10 file '{}': {}", file.string(), ec.message());
  ZCNAS_REQUIRE(bytes > 0 && bytes % kCifarRecordBytes == 0,
                "CIFAR-10 file '{}' has {} bytes, not a whole number of {}-byte records", file.string(), bytes,
                kCifarRecordBytes);
  std::ifstream in(file, std::ios::binary);
  ZCNAS_REQUIRE(in, "cannot open CIFAR-10 file '{}'", file.string());
  std::vector<char> buf(bytes);
  in.read(buf.data(), static_cast<std::streamsize>(bytes));
  ZCNAS_REQUIRE(in, "short read from CIFAR-10 file '{}'", file.string());
  const int64_t count = static_cast<int64_t>(bytes) / kCifarRecordBytes;
  const size_t base = set.pixels.size();
  set.pixels.resize(base + static_cast<size_t>(count * kCifarImageBytes));
  for (int64_t r = 0; r < count; ++r) {
    const char* rec = buf.data() + r * kCifarRecordBytes;
    set.labels.push_back(static_cast<uint8_t>(rec[0]));
    std::copy(rec + 1, rec + kCifarRecordBytes, set.pixels.begin() + static_cast<std::ptrdiff_t>(base + r * kCifarImageBytes));
  }
  set.files.push_back(file.string());
}

}  // namespace

ImageSet load_cifar10(const std::string& path) {
  ImageSet set;
  std::error_code ec;
  ZCNAS_REQUIRE(fs::exists(path, ec), "CIFAR-10 data '{}' does not exist", path);
  if (!fs::is_directory(path)) {
    append_file(set, path);
    return set;
  }
  std::vector<fs::path> train, all;
  for (const auto& entry : fs::directory_iterator(path)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".bin") continue;
    all.push_back(entry.path());
    if (entry.path().filename().string().rfind("data_batch_", 0) == 0) train.push_back(entry.path());
  }
  auto& files = train.empty() ? all : train;
  ZCNAS_REQUIRE(!files.empty(), "CIFAR-10 directory '{}' holds no .bin batch files", path);
  std::sort(files.begin(), files.end());
  for (const auto& f : files) append_file(set, f);
  return set;
}

std::vector<int64_t> select_by_offset(int64_t available, int64_t offset, int64_t batch) {
  ZCNAS_REQUIRE(batch > 0, "batch size must be positive, got {}", batch);
  ZCNAS_REQUIRE(offset >= 0 && offset + batch <= available,
                "images {}..{} requested but the data holds {} images", offset, offset + batch - 1, available);
  std::vector<int64_t> idx(static_cast<size_t>(batch));
  std::iota(idx.begin(), idx.end(), offset);
  return idx;
}

std::vector<int64_t> select_by_seed(int64_t available, uint64_t seed, int64_t batch) {
  ZCNAS_REQUIRE(batch > 0, "batch size must be positive, got {}", batch);
  ZCNAS_REQUIRE(batch <= available, "batch of {} images requested but the data holds {}", batch, available);
  // Partial Fisher-Yates with a counter-based generator: the same images on every platform.
  std::vector<int64_t> all(static_cast<size_t>(available));
  std::iota(all.begin(), all.end(), 0);
  for (int64_t i = 0; i < batch; ++i) {
    const uint64_t r = counter_random_u64(seed, 0x696d616765ULL /* "image" */, static_cast<uint64_t>(i));
    const int64_t j = i + static_cast<int64_t>(r % static_cast<uint64_t>(available - i));
    std::swap(all[static_cast<size_t>(i)], all[static_cast<size_t>(j)]);
  }
  all.resize(static_cast<size_t>(batch));
  return all;
}

Tensor make_batch(const ImageSet& images, const std::vector<int64_t>& indices, const Normalisation& norm) {
  const auto batch = static_cast<int64_t>(indices.size());
  Tensor out({batch, 3, 32, 32});
  const int64_t plane = 32 * 32;
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t img = indices[static_cast<size_t>(b)];
    ZCNAS_REQUIRE(img >= 0 && img < images.size(), "image index {} out of range (the data holds {})", img,
                  images.size());
    const uint8_t* src = images.pixels.data() + img * kCifarImageBytes;
    float* dst = out.data.data() + b * kCifarImageBytes;
    for (int c = 0; c < 3; ++c) {
      // float32 throughout, in PyTorch's order: x / 255, then (x - mean) / std.
      const float mean = static_cast<float>(norm.mean[static_cast<size_t>(c)]);
      const float stdev = static_cast<float>(norm.std[static_cast<size_t>(c)]);
      for (int64_t p = 0; p < plane; ++p) {
        const float x = static_cast<float>(src[c * plane + p]) / 255.0f;
        dst[c * plane + p] = (x - mean) / stdev;
      }
    }
  }
  return out;
}

Tensor synthetic_batch(int64_t batch, uint64_t seed) {
  ZCNAS_REQUIRE(batch > 0, "batch size must be positive, got {}", batch);
  Tensor out({batch, 3, 32, 32});
  for (size_t i = 0; i < out.data.size(); ++i) {
    // Box-Muller on two counter-based uniforms: a standard normal per element.
    const double u1 = counter_uniform01(seed, 0x73796e7468ULL /* "synth" */, 2 * i) + 1e-12;
    const double u2 = counter_uniform01(seed, 0x73796e7468ULL, 2 * i + 1);
    out.data[i] = static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
  }
  return out;
}

}  // namespace zcnas
