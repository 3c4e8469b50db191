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

// PyTorch's default distributions (SPEC.md §1), drawn by a counter-based generator keyed by seed and
// parameter name: element i of parameter p is the same on every backend and in every order of drawing.
ParamStore init_params(const Network& net, uint64_t seed);

// Every weight (conv, BN affine weight, linear weight) set to `value`, every bias to 0 (the epsilon score).
ParamStore constant_params(const Network& net, float value);

// A state_dict saved as safetensors under the reference's parameter names. Every parameter must be
// present with its exact shape; batch-norm buffers (running_mean, running_var, num_batches_tracked) are
// accepted and ignored; any other tensor is an error that names it.
ParamStore load_params(const Network& net, const std::string& path);

}  // namespace zcnas
