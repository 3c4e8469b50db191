// The sign bits (x > 0) of a forward's hooked tensors, as an executor leaves them in its device's memory.
#pragma once
#include <cstdint>
#include <vector>

namespace zcnas {

// Group g holds [batch][words] words whose rows concatenate the codes of every tensor counted `multiplicity`
// times by NASWOT and `relu_multiplicity` times as a ReLU module's output (SWAP, linear regions); each tensor
// is padded to whole words with zero bits.
struct SignBitsGroup {
  int64_t multiplicity = 0;
  int64_t units = 0;  // per sample, without multiplicity
  int64_t words = 0;
  const uint64_t* bits = nullptr;  // the executor's device memory
  int64_t relu_multiplicity = 0;
  std::vector<int64_t> tensor_units;  // the units of each tensor, in row order
};

// Hooked tensors that are exactly zero everywhere have no bits: every pair of samples agrees on all their
// units, counted in constant_agreement. Valid until the executor's next forward.
struct HookedSignBits {
  int64_t batch = 0;
  std::vector<SignBitsGroup> groups;
  int64_t constant_agreement = 0;  // sum of multiplicity * units over all-zero hooked tensors
  int64_t tensors = 0;             // hooked tensors, with multiplicity
  int64_t units = 0;               // per-sample units over all hooked tensors, with multiplicity
  int64_t relu_constant_units = 0;  // sum of relu_multiplicity * units over all-zero hooked tensors
  int64_t relu_tensors = 0;         // ReLU-module outputs, once per module
  int64_t relu_units = 0;           // per-sample units of those, once per module
  int64_t parameters = 0;           // the network's learnable parameters (SWAP's regularisation)
};

}  // namespace zcnas
