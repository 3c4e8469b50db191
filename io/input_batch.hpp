// The batch that scores read: CIFAR-10 images chosen by offset or seed and normalised, a tensor of a safetensors
// file, or a synthetic stand-in. Every front end (CLI, C API, Python) loads its batch here.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "core/tensor.hpp"

namespace zcnas {

// Where a batch comes from: a CIFAR-10 file or directory, a safetensors file, or a synthetic batch.
struct BatchSource {
  std::string data;   // CIFAR-10 binary file or directory of batch files
  std::string input;  // safetensors file whose F32 tensor `input` [B, 3, H, W] is the batch
  std::optional<int64_t> offset;
  std::optional<uint64_t> seed;
  int64_t batch = 128;
  std::string normalisation = "cifar10";  // cifar10 | cifar100 | imagenet16
};

// The batch [B, 3, H, W]. `warning` (when not null) receives the loud warning text when the batch is synthetic.
Tensor load_batch(const BatchSource& source, std::string* warning = nullptr);
// Tensor `name` of a safetensors file, F32 [B, 3, H, W]; throws naming the file and the tensor.
Tensor load_batch_tensor(const std::string& path, const std::string& name);

}  // namespace zcnas
