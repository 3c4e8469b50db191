// The CUDA backend: many networks in flight. Jobs are dealt to lanes (a host thread, a stream and an executor
// each); a lane draws the job's parameters on the device, runs the forward with fused sign bits and hands
// them to its reducer with the lane's kernels, which wait for the device only once per reduction_batch()
// (`logdet_batch`) networks.
#include <atomic>
#include <cstring>
#include <exception>
#include <limits>
#include <map>
#include <thread>

#include "core/cuda_context.hpp"
#include "kernels/hamming.cuh"
#include "kernels/logdet.cuh"
#include "kernels/unit_patterns.cuh"
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

// The DeviceKernels of one lane: its stream, its workspaces, its log-determinant solver.
class CudaKernels final : public DeviceKernels {
 public:
  CudaKernels(cudaStream_t stream, const CudaBackendOptions& options)
      : stream_(stream), batch_(options.logdet_batch), logdet_(stream) {
    if (options.int8_hamming) int8_ = std::make_unique<cuda::HammingInt8Gemm>(stream);
  }

  int64_t reduction_batch() const override { return batch_; }

  void* workspace(const void* owner, int slot, size_t bytes) override {
    DeviceBuffer<unsigned char>& buf = buffers_[{owner, slot}];
    if (buf.size() < bytes) {
      ZCNAS_CUDA_CHECK(cudaStreamSynchronize(stream_));  // queued work may still use the old memory
      buf.reserve_discard(bytes);
    }
    return buf.data();
  }

  void zero(void* data, size_t bytes) override { ZCNAS_CUDA_CHECK(cudaMemsetAsync(data, 0, bytes, stream_)); }

  void accumulate_hamming(const SignBitsGroup& g, int64_t batch, int64_t* K) override {
    if (int8_) {
      int8_->accumulate(g.bits, batch, g.words, g.units, g.multiplicity, K);
    } else {
      cuda::accumulate_hamming(g.bits, batch, g.words, g.units, g.multiplicity, K, stream_);
    }
  }

  void kernel_to_double(const int64_t* K, int64_t count, int64_t offset, double* out) override {
    cuda::kernel_to_double(K, count, offset, out, stream_);
  }

  void flag_identical_samples(const int64_t* K, int64_t batch, int* flag) override {
    cuda::flag_identical_samples(K, batch, flag, stream_);
  }

  void unit_patterns(const uint64_t* bits, int64_t row_words, int64_t batch, int64_t units, uint64_t* keys) override {
    cuda::unit_patterns(bits, row_words, batch, units, keys, stream_);
  }

  void mark_patterns(const uint64_t* keys, int64_t count, uint64_t* bitmap) override {
    cuda::mark_patterns(keys, count, bitmap, stream_);
  }

  void count_equal_to_diagonal(const int64_t* K, int64_t batch, int64_t* counts) override {
    cuda::count_equal_to_diagonal(K, batch, counts, stream_);
  }

  void log_abs_det(const double* K, int64_t n, int64_t count, double* host_scores) override {
    logdet_.compute(K, n, count, host_scores);  // synchronises
  }

  void download(const void* data, size_t bytes, void* host) override {
    ZCNAS_CUDA_CHECK(cudaMemcpyAsync(host, data, bytes, cudaMemcpyDeviceToHost, stream_));
    ZCNAS_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }

 private:
  cudaStream_t stream_;
  int64_t batch_;
  cuda::BatchedLogAbsDet logdet_;
  std::unique_ptr<cuda::HammingInt8Gemm> int8_;
  std::map<std::pair<const void*, int>, DeviceBuffer<unsigned char>> buffers_;
};

// A network in flight: a host thread, a stream, an executor and the kernels reducers use on that stream.
struct Lane {
  Lane(cuda::CudaContext& context, const CudaBackendOptions& options)
      : exec(context, nullptr, executor_options(options)), kernels(exec.stream(), options) {}

  cudaStream_t stream() const { return exec.stream(); }

  CudaExecutor exec;
  CudaKernels kernels;
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

  void hooked_pass(const std::vector<NetworkJob>& jobs, const Tensor& input,
                   const ReducerFactory& make_reducer) override {
    if (jobs.empty()) return;
    for (const auto& job : jobs) check_job(job, input);
    context_.make_current();
    upload_input(input);

    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    const size_t used = std::min(lanes_.size(), jobs.size());
    std::vector<std::unique_ptr<SignBitsReducer>> reducers;
    reducers.reserve(used);
    for (size_t l = 0; l < used; ++l) reducers.push_back(make_reducer());
    std::vector<std::exception_ptr> errors(used);
    auto work = [&](size_t l) {
      try {
        context_.make_current();
        Lane& lane = *lanes_[l];
        while (!failed) {
          const size_t j = next++;
          if (j >= jobs.size()) break;
          set_params(lane.exec, jobs[j]);
          lane.exec.forward(*jobs[j].net, input_.data(), input_shape_[0], true);
          reducers[l]->add(j, lane.exec.hooked_sign_bits(), lane.kernels);
        }
        reducers[l]->finish(lane.kernels);
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

  ObservedForward observe(const NetworkJob& job, const Tensor& input, const std::vector<int>& taps) override {
    check_job(job, input);
    context_.make_current();
    upload_input(input);
    CudaExecutor& exec = lanes_[0]->exec;
    set_params(exec, job);
    exec.forward(*job.net, input_.data(), input.shape[0], PlanOutputs{false, taps, true});
    return exec.download_observed();
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
    } else if (job.init != ParamScheme::Default) {
      // The re-initialisations of SPEC.md §8 are drawn on the host and uploaded; only the default is drawn here.
      exec.upload_params(*job.net, init_params(*job.net, job.init_seed, job.init));
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
