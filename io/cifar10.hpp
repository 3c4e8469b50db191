// CIFAR-10 binary batches (records of 1 label byte + 3072 pixel bytes, R/G/B planes of 32x32) and batch making.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.hpp"

namespace zcnas {

constexpr int64_t kCifarImageBytes = 3 * 32 * 32;
constexpr int64_t kCifarRecordBytes = 1 + kCifarImageBytes;

// Per-channel mean and std on the 0..1 scale (SPEC.md: torchvision ToTensor then Normalize).
struct Normalisation {
  std::array<double, 3> mean;
  std::array<double, 3> std;
  static Normalisation cifar10();
  static Normalisation cifar100();
  static Normalisation imagenet16();
  // "cifar10" | "cifar100" | "imagenet16"; throws naming another name.
  static Normalisation named(const std::string& name);
};

// Images in file order; a directory contributes its data_batch_*.bin files in name order.
struct ImageSet {
  std::vector<uint8_t> pixels;  // [count, 3, 32, 32]
  std::vector<uint8_t> labels;  // [count]
  std::vector<std::string> files;
  int64_t size() const { return static_cast<int64_t>(labels.size()); }
};

// Loads a CIFAR-10 binary file, or a directory of them (data_batch_*.bin, else every *.bin, sorted by name).
// A file that is not a whole number of 3073-byte records is refused with its name and size.
ImageSet load_cifar10(const std::string& path);

// Images offset..offset+batch-1 in file order.
std::vector<int64_t> select_by_offset(int64_t available, int64_t offset, int64_t batch);
// `batch` distinct images drawn uniformly at random from a seed (reproducible on every platform).
std::vector<int64_t> select_by_seed(int64_t available, uint64_t seed, int64_t batch);

// [B, 3, 32, 32] float32: x/255, then (x - mean)/std per channel, each step rounded as PyTorch rounds it.
Tensor make_batch(const ImageSet& images, const std::vector<int64_t>& indices, const Normalisation& norm);

// A deterministic stand-in batch [B, 3, 32, 32] of roughly standard-normal values, for runs without data.
Tensor synthetic_batch(int64_t batch, uint64_t seed);

}  // namespace zcnas
