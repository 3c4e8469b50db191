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
  Device device() const override { return Device::Cpu; }

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

std::unique_ptr<Backend> make_cpu_backend(int threads) { return std::make_unique<CpuBackend>(threads); }

#ifndef ZCNAS_WITH_CUDA
std::unique_ptr<Backend> make_cuda_backend(int) {
  resolve_device(DeviceChoice::Cuda);  // throws: no CUDA in this build
  throw Error("--device cuda: this zcnas was built without CUDA");
}
#endif

std::unique_ptr<Backend> make_backend(DeviceChoice choice, std::string* note) {
  return resolve_device(choice, note) == Device::Cuda ? make_cuda_backend() : make_cpu_backend();
}

}  // namespace zcnas
