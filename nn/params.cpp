// Parameter initialisation and state_dict loading.
#include "nn/params.hpp"

#include <cmath>
#include <set>

#include "core/random.hpp"
#include "io/safetensors.hpp"

namespace zcnas {

const Tensor& ParamStore::at(const std::string& name) const {
  auto it = tensors_.find(name);
  ZCNAS_REQUIRE(it != tensors_.end(), "parameter '{}' has no value", name);
  return it->second;
}

const char* param_scheme_name(ParamScheme scheme) {
  switch (scheme) {
    case ParamScheme::Default:
      return "default";
    case ParamScheme::Gaussian:
      return "gaussian";
    case ParamScheme::KaimingFanIn:
      return "kaiming";
  }
  return "?";
}

ParamScheme parse_param_scheme(const std::string& name) {
  for (ParamScheme s : {ParamScheme::Default, ParamScheme::Gaussian, ParamScheme::KaimingFanIn})
    if (name == param_scheme_name(s)) return s;
  throw Error(fmt::format("unknown initialisation '{}' (known: default, gaussian, kaiming)", name));
}

namespace {

// A conv or linear weight's N(0, std^2) redraw, or its bias set to 0.
void draw_reinit(const ParamSpec& spec, uint64_t seed, ParamScheme scheme, Tensor& t) {
  if (spec.role == ParamRole::Bias) return;  // zeros
  double std = 1.0;
  if (scheme == ParamScheme::KaimingFanIn) {
    ZCNAS_REQUIRE(spec.shape.size() >= 2 && spec.shape[0] > 0, "kaiming init of '{}': shape {} has no fan-in",
                  spec.name, shape_to_string(spec.shape));
    const auto fan_in = static_cast<double>(t.data.size()) / static_cast<double>(spec.shape[0]);
    std = std::sqrt(2.0 / fan_in);  // gain sqrt(2) for ReLU
  }
  const uint64_t key = name_key(spec.name);
  for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = static_cast<float>(std * counter_normal(seed, key, i));
}

}  // namespace

ParamStore init_params(const Network& net, uint64_t seed, ParamScheme scheme) {
  ParamStore store;
  for (const auto& spec : net.params()) {
    Tensor t(spec.shape);
    // The re-initialisations redraw what is drawn by default: conv and linear parameters.
    if (scheme != ParamScheme::Default && (spec.init == ParamInit::Uniform || spec.init == ParamInit::Normal)) {
      draw_reinit(spec, seed, scheme, t);
      store.set(spec.name, std::move(t));
      continue;
    }
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
      case ParamInit::Normal: {
        const uint64_t key = name_key(spec.name);
        for (size_t i = 0; i < t.data.size(); ++i)
          t.data[i] = static_cast<float>(spec.std * counter_normal(seed, key, i));
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
