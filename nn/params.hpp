// Parameter values for a network: drawn from a seed, set to constants, or loaded from a state_dict file.
#pragma once
#include <cstdint>
#include <map>
#include <string>

#include "core/tensor.hpp"
#include "nn/network.hpp"

namespace zcnas {

class ParamStore {
 public:
  void set(const std::string& name, Tensor t) { tensors_[name] = std::move(t); }
  // The parameter's values; throws naming the parameter when it is absent.
  const Tensor& at(const std::string& name) const;
  bool contains(const std::string& name) const { return tensors_.count(name) != 0; }
  size_t size() const { return tensors_.size(); }
  const std::map<std::string, Tensor>& tensors() const { return tensors_; }

 private:
  std::map<std::string, Tensor> tensors_;
};

// How parameters are drawn: PyTorch's defaults (SPEC.md §1) or a score's re-initialisation (SPEC.md §8). The
// re-initialisations redraw conv and linear weights (Gaussian: N(0, 1), SWAP and Zen-score; KaimingFanIn:
// N(0, 2 / fan_in), linear regions) and set their biases to 0; batch norm keeps weight 1, bias 0.
enum class ParamScheme { Default, Gaussian, KaimingFanIn };
const char* param_scheme_name(ParamScheme scheme);        // "default", "gaussian", "kaiming"
ParamScheme parse_param_scheme(const std::string& name);  // throws naming the unknown name

// Parameters drawn by a counter-based generator keyed by seed and parameter name: element i of parameter p is
// the same on every backend and in every order of drawing.
ParamStore init_params(const Network& net, uint64_t seed, ParamScheme scheme = ParamScheme::Default);

// Every weight (conv, BN affine weight, linear weight) set to `value`, every bias to 0 (the epsilon score).
ParamStore constant_params(const Network& net, float value);

// A state_dict saved as safetensors under the reference's parameter names. Every parameter must be
// present with its exact shape; batch-norm buffers (running_mean, running_var, num_batches_tracked) are
// accepted and ignored; any other tensor is an error that names it.
ParamStore load_params(const Network& net, const std::string& path);

}  // namespace zcnas
