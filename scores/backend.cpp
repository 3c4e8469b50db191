// The CPU backend and the choice of backend.
#include "scores/backend.hpp"

#include "nn/cpu_executor.hpp"

namespace zcnas {
namespace {

class CpuBackend final : public Backend {
  // Runs fn with the job's parameters, drawing them from the seed when none are given.
  template <typename Fn>
  auto with_params(const NetworkJob& job, Fn&& fn) {
    ZCNAS_REQUIRE(job.net != nullptr, "network job without a network");
    if (job.params) return fn(*job.params);
    const ParamStore drawn = init_params(*job.net, job.init_seed, job.init);
    return fn(drawn);
  }

 public:
  CpuBackend(int threads, bool float64_signs) : exec_(threads), kernels_(make_cpu_kernels()) {
    if (float64_signs) exec64_ = std::make_unique<CpuExecutor<double>>(threads);
  }
  std::string name() const override {
    return fmt::format("cpu ({} threads{})", exec_.threads(), exec64_ ? ", float64 hooked pass" : "");
  }
  Device device() const override { return Device::Cpu; }

  void hooked_pass(const std::vector<NetworkJob>& jobs, const Tensor& input,
                   const ReducerFactory& make_reducer) override {
    if (jobs.empty()) return;
    const auto reducer = make_reducer();
    for (size_t j = 0; j < jobs.size(); ++j) {
      const HookedSignBits bits = with_params(jobs[j], [&](const ParamStore& p) {
        return exec64_ ? exec64_->forward_sign_bits(*jobs[j].net, p, input)
                       : exec_.forward_sign_bits(*jobs[j].net, p, input);
      });
      reducer->add(j, bits, *kernels_);
    }
    reducer->finish(*kernels_);
  }

  Tensor forward(const NetworkJob& job, const Tensor& input) override {
    return with_params(job, [&](const ParamStore& p) { return exec_.forward(*job.net, p, input); });
  }

  ObservedForward observe(const NetworkJob& job, const Tensor& input, const std::vector<int>& taps) override {
    return with_params(job, [&](const ParamStore& p) { return exec_.forward_observed(*job.net, p, input, taps); });
  }

 private:
  CpuExecutor<float> exec_;                      // forwards, and the hooked pass unless float64
  std::unique_ptr<CpuExecutor<double>> exec64_;  // the hooked pass in float64
  std::unique_ptr<DeviceKernels> kernels_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(int threads, bool float64_signs) {
  return std::make_unique<CpuBackend>(threads, float64_signs);
}

#ifndef ZCNAS_WITH_CUDA
std::unique_ptr<Backend> make_cuda_backend(int) {
  resolve_device(DeviceChoice::Cuda);  // throws: this build has no CUDA
  return nullptr;
}
#endif

std::unique_ptr<Backend> make_backend(DeviceChoice choice, std::string* note, int cpu_threads, int cuda_device) {
  return resolve_device(choice, note) == Device::Cuda ? make_cuda_backend(cuda_device) : make_cpu_backend(cpu_threads);
}

}  // namespace zcnas
