// NASWOT on the CPU: sign bits and Hamming accumulation per hooked tensor, log|det K| at the end.
#include "scores/naswot.hpp"

#include "kernels/hamming.hpp"
#include "kernels/logdet.hpp"
#include "kernels/sign_bits.hpp"

namespace zcnas {

NaswotAccumulator::NaswotAccumulator(int64_t batch) : batch_(batch), K_(static_cast<size_t>(batch * batch), 0) {}

template <typename T>
void NaswotAccumulator::add(const HookedTensor<T>& t) {
  ZCNAS_REQUIRE(t.batch == batch_, "hooked tensor of node {} has batch {}, the kernel has {}", t.node, t.batch, batch_);
  const auto layout = SignLayout::channel_major(t.batch, t.channels, t.spatial);
  const int64_t words = sign_words(layout.units());
  bits_.resize(static_cast<size_t>(batch_ * words));
  pack_sign_bits_cpu(t.data, layout, bits_.data(), words);
  accumulate_hamming_cpu(bits_.data(), batch_, words, layout.units(), t.multiplicity, K_.data());
  tensors_ += t.multiplicity;
  units_ += t.multiplicity * layout.units();
}

template void NaswotAccumulator::add<float>(const HookedTensor<float>&);
template void NaswotAccumulator::add<double>(const HookedTensor<double>&);

NaswotResult NaswotAccumulator::finish() const {
  NaswotResult r;
  r.K = TensorF64({batch_, batch_});
  for (size_t i = 0; i < K_.size(); ++i) r.K.data[i] = static_cast<double>(K_[i]);
  r.score = log_abs_det_cpu(r.K.data.data(), batch_);
  r.hooked_tensors = tensors_;
  r.hooked_units = units_;
  return r;
}

NaswotResult naswot_cpu(CpuExecutor<float>& exec, const Network& net, const ParamStore& params, const Tensor& input) {
  NaswotAccumulator acc(input.shape.at(0));
  exec.forward(net, params, input, [&](const HookedTensor<float>& t) { acc.add(t); });
  return acc.finish();
}

}  // namespace zcnas
