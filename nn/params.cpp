// Parameter initialisation and state_dict loading.
#include "nn/params.hpp"

#include <set>

#include "core/random.hpp"
#include "io/safetensors.hpp"

namespace zcnas {

const Tensor& ParamStore::at(const std::string& name) const {
  auto it = tensors_.find(name);
  ZCNAS_REQUIRE(it != tensors_.end(), "parameter '{}' has no value", name);
  return it->second;
}

ParamStore init_params(const Network& net, uint64_t seed) {
  ParamStore store;
  for (const auto& spec : net.params()) {
    Tensor t(spec.shape);
    switch (spec.init) {
      case ParamInit::Ones: std::fill(t.data.begin(), t.data.end(), 1.0f); break;
      case ParamInit::Zeros: break;
      case ParamInit::Uniform: {
        const uint64_t key = name_key(spec.name);
        for (size_t i = 0; i < t.data.size(); ++i) {
          const double u = counter_uniform01(seed, key, i);
          t.data[i] = static_cast<float>(spec.bound * (2.0 * u - 1.0));
        }
        break;
      }
    }
    store.set(spec.name, std::move(t));
  }
  return store;
}

ParamStore constant_params(const Network& net, float value) {
  ParamStore store;
  for (const auto& spec : net.params())
    store.set(spec.name, Tensor(spec.shape, spec.role == ParamRole::Weight ? value : 0.0f));
  return store;
}

ParamStore load_params(const Network& net, const std::string& path) {
  const TensorFile file = read_safetensors(path);
  std::set<std::string> ignorable;
  for (const auto& n : net.nodes()) {
    if (n.op != OpKind::BatchNorm) continue;
    const std::string prefix = n.weight.substr(0, n.weight.size() - std::string(".weight").size());
    for (const char* buffer : {".running_mean", ".running_var", ".num_batches_tracked"}) ignorable.insert(prefix + buffer);
  }
  ParamStore store;
  std::set<std::string> expected;
  for (const auto& spec : net.params()) {
    expected.insert(spec.name);
    auto it = file.find(spec.name);
    ZCNAS_REQUIRE(it != file.end(), "weights file '{}' has no tensor '{}' (expected shape {})", path, spec.name,
                  shape_to_string(spec.shape));
    ZCNAS_REQUIRE(it->second.shape == spec.shape, "weights file '{}': tensor '{}' has shape {}, expected {}", path,
                  spec.name, shape_to_string(it->second.shape), shape_to_string(spec.shape));
    store.set(spec.name, raw_to_f32(it->second, fmt::format("weights file '{}': tensor '{}'", path, spec.name)));
  }
  for (const auto& [name, raw] : file) {
    ZCNAS_REQUIRE(expected.count(name) || ignorable.count(name),
                  "weights file '{}' has tensor '{}' (shape {}), which this network does not have", path, name,
                  shape_to_string(raw.shape));
  }
  return store;
}

}  // namespace zcnas
