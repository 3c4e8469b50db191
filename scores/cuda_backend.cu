// The CUDA backend: NASWOT for many networks at once. Jobs are dealt to lanes (a host thread, a stream and
// an executor each); a lane draws the job's parameters on the device, runs the forward with fused sign bits,
// accumulates the job's Hamming kernel into its slot, and every `logdet_batch` jobs factorises all its slots
// in one batched Cholesky and reads back the scores: the only host synchronisation of the lane.
#include <atomic>
#include <cstring>
#include <exception>
#include <limits>
#include <thread>

#include "core/cuda_context.hpp"
#include "kernels/hamming.cuh"
#include "kernels/logdet.cuh"
#include "nn/cuda_executor.hpp"
#include "scores/backend.hpp"
#include "scores/cuda_backend.hpp"

namespace zcnas {
namespace {

using cuda::DeviceBuffer;

CudaExecutorOptions executor_options(const CudaBackendOptions& o) {
  CudaExecutorOptions e;
  e.math = o.tf32 ? ConvMath::Tf32 : ConvMath::Fp32;
  e.transform_convolutions = o.transform_convolutions;
  return e;
}

struct Lane {
  Lane(cuda::CudaContext& context, const CudaBackendOptions& options)
      : exec(context, nullptr, executor_options(options)), logdet(exec.stream()) {
    if (options.int8_hamming) int8 = std::make_unique<cuda::HammingInt8Gemm>(exec.stream());
  }

  cudaStream_t stream() const { return exec.stream(); }

  CudaExecutor exec;
  cuda::BatchedLogAbsDet logdet;
  std::unique_ptr<cuda::HammingInt8Gemm> int8;
  DeviceBuffer<int64_t> K;        // [slots][B][B] agreements, exact
  DeviceBuffer<double> K_double;  // [slots][B][B] the same, for the factorisation
  DeviceBuffer<int> identical;    // [slots] two samples with identical codes: K exactly singular
  cuda::PinnedBuffer<int> host_identical;
  cuda::PinnedBuffer<double> host_K;  // keep_kernel only
  std::vector<size_t> pending;        // job index of each filled slot
  std::vector<double> scores;
};

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(const CudaBackendOptions& options) : options_(options), context_(options.device) {
    ZCNAS_REQUIRE(options.lanes >= 1 && options.logdet_batch >= 1, "CUDA backend: lanes={} logdet_batch={} (need >= 1)",
                  options.lanes, options.logdet_batch);
    for (int l = 0; l < options.lanes; ++l) lanes_.push_back(std::make_unique<Lane>(context_, options));
  }

  ~CudaBackend() override {
    for (auto& lane : lanes_) cudaStreamSynchronize(lane->stream());
  }

  Device device() const override { return Device::Cuda; }

  std::string name() const override {
    return fmt::format("cuda:{} ({}{}{})", context_.device(), context_.name(), options_.tf32 ? ", tf32" : "",
                       options_.int8_hamming ? ", int8 Hamming" : "");
  }

  std::vector<NaswotResult> naswot(const std::vector<NetworkJob>& jobs, const Tensor& input,
                                   bool keep_kernel) override {
    if (jobs.empty()) return {};
    for (const auto& job : jobs) check_job(job, input);
    context_.make_current();
    upload_input(input);

    std::vector<NaswotResult> results(jobs.size());
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    const size_t used = std::min(lanes_.size(), jobs.size());
    std::vector<std::exception_ptr> errors(used);
    auto work = [&](size_t l) {
      try {
        context_.make_current();
        run_lane(*lanes_[l], jobs, keep_kernel, next, failed, results);
      } catch (...) {
        errors[l] = std::current_exception();
        failed = true;
      }
    };
    std::vector<std::thread> threads;
    for (size_t l = 1; l < used; ++l) threads.emplace_back(work, l);
    work(0);
    for (auto& t : threads) t.join();
    for (auto& e : errors)
      if (e) std::rethrow_exception(e);
    return results;
  }

  Tensor forward(const NetworkJob& job, const Tensor& input) override {
    check_job(job, input);
    context_.make_current();
    upload_input(input);
    CudaExecutor& exec = lanes_[0]->exec;
    set_params(exec, job);
    const DeviceTensorView out = exec.forward(*job.net, input_.data(), input.shape[0], false);
    return exec.download(out);
  }

 private:
  static void check_job(const NetworkJob& job, const Tensor& input) {
    ZCNAS_REQUIRE(job.net != nullptr && !job.net->nodes().empty(), "network job without a network");
    const Node& in = job.net->node(0);
    ZCNAS_REQUIRE(input.shape.size() == 4 && input.shape[0] > 0 && input.shape[1] == in.channels &&
                      input.shape[2] == in.height && input.shape[3] == in.width,
                  "input batch has shape {}, the network takes [B, {}, {}, {}]", shape_to_string(input.shape),
                  in.channels, in.height, in.width);
  }

  static void set_params(CudaExecutor& exec, const NetworkJob& job) {
    if (job.params) {
      exec.upload_params(*job.net, *job.params);
    } else {
      exec.draw_params(*job.net, job.init_seed);
    }
  }

  // The batch goes to the device once, and again only when a call brings a different one.
  void upload_input(const Tensor& input) {
    if (input.shape == input_shape_ && input.data.size() == input_copy_.size() &&
        std::memcmp(input.data.data(), input_copy_.data(), input.data.size() * sizeof(float)) == 0)
      return;
    cudaStream_t s = lanes_[0]->stream();
    for (auto& lane : lanes_) ZCNAS_CUDA_CHECK(cudaStreamSynchronize(lane->stream()));  // nothing reads it now
    input_.reserve_discard(input.data.size());
    ZCNAS_CUDA_CHECK(cudaMemcpyAsync(input_.data(), input.data.data(), input.data.size() * sizeof(float),
                                     cudaMemcpyHostToDevice, s));
    ZCNAS_CUDA_CHECK(cudaStreamSynchronize(s));  // visible to every lane's stream from here on
    input_shape_ = input.shape;
    input_copy_ = input.data;
  }

  void run_lane(Lane& lane, const std::vector<NetworkJob>& jobs, bool keep_kernel, std::atomic<size_t>& next,
                const std::atomic<bool>& failed, std::vector<NaswotResult>& results) {
    const int64_t batch = input_shape_[0];
    const auto slots = static_cast<size_t>(options_.logdet_batch);
    const size_t kernel_size = static_cast<size_t>(batch * batch);
    lane.K.reserve_discard(slots * kernel_size);  // the lane is idle: its last flush synchronised it
    lane.K_double.reserve_discard(slots * kernel_size);
    lane.identical.reserve_discard(slots);
    lane.host_identical.reserve_discard(slots);
    lane.pending.clear();
    cudaStream_t s = lane.stream();

    while (!failed) {
      const size_t j = next++;
      if (j >= jobs.size()) break;
      const NetworkJob& job = jobs[j];
      set_params(lane.exec, job);
      lane.exec.forward(*job.net, input_.data(), batch, true);
      const HookedSignBits& hooked = lane.exec.hooked_sign_bits();

      const size_t slot = lane.pending.size();
      int64_t* K = lane.K.data() + slot * kernel_size;
      ZCNAS_CUDA_CHECK(cudaMemsetAsync(K, 0, kernel_size * sizeof(int64_t), s));
      for (const SignBitsGroup& g : hooked.groups) {
        if (lane.int8) {
          lane.int8->accumulate(g.bits, batch, g.words, g.units, g.multiplicity, K);
        } else {
          cuda::accumulate_hamming(g.bits, batch, g.words, g.units, g.multiplicity, K, s);
        }
      }
      cuda::flag_identical_samples(K, batch, lane.identical.data() + slot, s);
      cuda::kernel_to_double(K, static_cast<int64_t>(kernel_size), hooked.constant_agreement,
                             lane.K_double.data() + slot * kernel_size, s);
      lane.pending.push_back(j);
      if (lane.pending.size() == slots) flush(lane, jobs, keep_kernel, batch, results);
    }
    if (!lane.pending.empty()) flush(lane, jobs, keep_kernel, batch, results);
  }

  void flush(Lane& lane, const std::vector<NetworkJob>& jobs, bool keep_kernel, int64_t batch,
             std::vector<NaswotResult>& results) {
    const size_t count = lane.pending.size(), kernel_size = static_cast<size_t>(batch * batch);
    lane.scores.resize(count);
    ZCNAS_CUDA_CHECK(cudaMemcpyAsync(lane.host_identical.data(), lane.identical.data(), count * sizeof(int),
                                     cudaMemcpyDeviceToHost, lane.stream()));
    lane.logdet.compute(lane.K_double.data(), batch, static_cast<int64_t>(count), lane.scores.data());  // synchronises
    if (keep_kernel) {
      lane.host_K.reserve_discard(count * kernel_size);
      ZCNAS_CUDA_CHECK(cudaMemcpyAsync(lane.host_K.data(), lane.K_double.data(), count * kernel_size * sizeof(double),
                                       cudaMemcpyDeviceToHost, lane.stream()));
      ZCNAS_CUDA_CHECK(cudaStreamSynchronize(lane.stream()));
    }
    for (size_t k = 0; k < count; ++k) {
      const size_t j = lane.pending[k];
      NaswotResult& r = results[j];
      // Identical codes make K exactly singular; say so even where rounding lets Cholesky pass.
      r.score = lane.host_identical[k] ? -std::numeric_limits<double>::infinity() : lane.scores[k];
      r.hooked_tensors = jobs[j].net->hooked_tensors();
      r.hooked_units = jobs[j].net->hooked_units();
      if (keep_kernel) {
        r.K = TensorF64({batch, batch});
        std::copy_n(lane.host_K.data() + k * kernel_size, kernel_size, r.K.data.begin());
      }
    }
    lane.pending.clear();
  }

  CudaBackendOptions options_;
  cuda::CudaContext context_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  DeviceBuffer<float> input_;
  Shape input_shape_;
  std::vector<float> input_copy_;
};

}  // namespace

std::unique_ptr<Backend> make_cuda_backend(const CudaBackendOptions& options) {
  resolve_device(DeviceChoice::Cuda);  // throws with the runtime's reason when there is no GPU
  const int count = cuda_device_count();
  ZCNAS_REQUIRE(options.device >= 0 && options.device < count, "--device cuda: device {} does not exist ({} present)",
                options.device, count);
  return std::make_unique<CudaBackend>(options);
}

std::unique_ptr<Backend> make_cuda_backend(int device) {
  CudaBackendOptions options;
  options.device = device;
  return make_cuda_backend(options);
}

}  // namespace zcnas
