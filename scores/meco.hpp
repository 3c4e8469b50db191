// MeCo (Jiang et al., NeurIPS 2023; SPEC.md §8.2): one sample's forward; for the output of every module of the
// reference network (Network::module_outputs, in hook order), the minimum eigenvalue of the C x C correlation
// of its channels over the M positions; the score is the sum of these terms. Higher is better.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.hpp"
#include "nn/network.hpp"
#include "scores/backend.hpp"

namespace zcnas {

// The term of one module output: f holds C rows of M values (row-major). As the authors' hook computes it:
// torch.corrcoef (rows centred, Gram / (M - 1), divided by each row's then each column's standard deviation,
// clipped to [-1, 1]), NaN and inf entries set to 0, the least eigenvalue (in float64: the matrix is symmetric).
// A one-channel output, where the authors' hook raises, gives 0, as the one-position outputs of the head do.
double meco_term(const double* f, int64_t channels, int64_t positions);

struct MecoTerm {
  std::string module;
  double value = 0.0;
  int64_t channels = 0, positions = 0;
};

// Every module output's term for sample 0 of the batch (the authors use a batch of one image), in hook order;
// a tensor that several modules return is computed once.
std::vector<MecoTerm> meco_terms(Backend& backend, const NetworkJob& job, const Tensor& input);

// The sum of the terms.
double meco_score(Backend& backend, const NetworkJob& job, const Tensor& input);

}  // namespace zcnas
