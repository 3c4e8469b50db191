// The CPU backend and device selection.
#include "scores/backend.hpp"

namespace zcnas {
namespace {

class CpuBackend final : public Backend {
  // Runs fn with the job's parameters, drawing them from the seed when none are given.
  template <typename Fn>
  auto with_params(const NetworkJob& job, Fn&& fn) {
    ZCNAS_REQUIRE(job.net != nullptr, "network job without a network");
    if (job.params) return fn(*job.params);
    const ParamStore drawn = init_params(*job.net, job.init_seed);
    return fn(drawn);
  }

 public:
  explicit CpuBackend(int threads) : exec_(threads) {}
  std::string name() const override { return fmt::format("cpu ({} threads)", exec_.threads()); }

  std::vector<NaswotResult> naswot(const std::vector<NetworkJob>& jobs, const Tensor& input,
                                   bool keep_kernel) override {
    std::vector<NaswotResult> out;
    out.reserve(jobs.size());
    for (const auto& job : jobs) {
      NaswotResult r = with_params(job, [&](const ParamStore& p) { return naswot_cpu(exec_, *job.net, p, input); });
      if (!keep_kernel) r.K = TensorF64();
      out.push_back(std::move(r));
    }
    return out;
  }

  Tensor forward(const NetworkJob& job, const Tensor& input) override {
    return with_params(job, [&](const ParamStore& p) { return exec_.forward(*job.net, p, input); });
  }

 private:
  CpuExecutor<float> exec_;
};

}  // namespace

DeviceChoice parse_device(const std::string& text) {
  if (text == "auto") return DeviceChoice::Auto;
  if (text == "cpu") return DeviceChoice::Cpu;
  if (text == "cuda") return DeviceChoice::Cuda;
  throw Error(fmt::format("unknown device '{}' (use auto, cpu or cuda)", text));
}

std::unique_ptr<Backend> make_cpu_backend(int threads) { return std::make_unique<CpuBackend>(threads); }

#ifndef ZCNAS_WITH_CUDA
int cuda_device_count() { return 0; }
std::unique_ptr<Backend> make_cuda_backend(int) {
  throw Error("--device cuda: this zcnas was built without CUDA (no nvcc/cuDNN at configure time)");
}
#endif

std::unique_ptr<Backend> make_backend(DeviceChoice choice, std::string* note) {
  switch (choice) {
    case DeviceChoice::Cpu: return make_cpu_backend();
    case DeviceChoice::Cuda: return make_cuda_backend();
    case DeviceChoice::Auto:
      if (cuda_device_count() > 0) return make_cuda_backend();
      if (note) *note = "no CUDA device found: --device auto falls back to the CPU";
      return make_cpu_backend();
  }
  return make_cpu_backend();
}

}  // namespace zcnas
