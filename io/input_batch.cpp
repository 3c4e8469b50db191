// Batch loading shared by the front ends.
#include "io/input_batch.hpp"

#include "core/error.hpp"
#include "io/cifar10.hpp"
#include "io/safetensors.hpp"

namespace zcnas {

Tensor load_batch_tensor(const std::string& path, const std::string& name) {
  const TensorFile file = read_safetensors(path);
  const auto it = file.find(name);
  ZCNAS_REQUIRE(it != file.end(), "batch file '{}' has no tensor named '{}'", path, name);
  ZCNAS_REQUIRE(it->second.dtype == "F32", "batch file '{}': tensor '{}' is {}, expected F32", path, name,
                it->second.dtype);
  Tensor t = raw_to_f32(it->second, fmt::format("batch file '{}': tensor '{}'", path, name));
  ZCNAS_REQUIRE(t.shape.size() == 4 && t.shape[0] > 0 && t.shape[1] == 3,
                "batch file '{}': tensor '{}' has shape {}, expected [B, 3, H, W]", path, name,
                shape_to_string(t.shape));
  return t;
}

Tensor load_batch(const BatchSource& source, std::string* warning) {
  ZCNAS_REQUIRE(source.input.empty() || (source.data.empty() && !source.offset && !source.seed),
                "batch file '{}' is the whole batch: give no CIFAR-10 data, offset or seed with it", source.input);
  ZCNAS_REQUIRE(!(source.offset && source.seed), "give an offset or a seed to choose the images, not both");
  if (!source.input.empty()) return load_batch_tensor(source.input, "input");
  ZCNAS_REQUIRE(source.batch > 0, "batch size must be positive, got {}", source.batch);
  const Normalisation norm = Normalisation::named(source.normalisation);
  if (source.data.empty()) {
    if (warning)
      *warning = fmt::format(
          "WARNING: no CIFAR-10 data given: scoring a SYNTHETIC batch of {} random images, not CIFAR-10. "
          "Scores are not comparable with published ones.",
          source.batch);
    return synthetic_batch(source.batch, source.seed.value_or(0));
  }
  const ImageSet images = load_cifar10(source.data);
  const auto indices = source.seed ? select_by_seed(images.size(), *source.seed, source.batch)
                                   : select_by_offset(images.size(), source.offset.value_or(0), source.batch);
  return make_batch(images, indices, norm);
}

}  // namespace zcnas
