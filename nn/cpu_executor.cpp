// The CPU op table: host memory, channel-major tensors, the kernels/*_cpu.cpp ops on all cores.
#include "nn/cpu_executor.hpp"

#include <omp.h>
#include <sys/mman.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"
#include "kernels/batch_norm.hpp"
#include "kernels/conv.hpp"
#include "kernels/pointwise.hpp"
#include "kernels/pool.hpp"
#include "nn/plan_executor.hpp"

extern "C" void openblas_set_num_threads(int num_threads);
extern "C" int blas_thread_shutdown_(void);  // OpenBLAS's, exported by its pthread and OpenMP builds alike

namespace zcnas {
namespace {

// Zeroed memory in 2 MB pages where the kernel gives them (transparent huge pages, madvise mode included): a forward's
// arena of tens of MB then costs tens of page faults instead of thousands.
template <typename T>
class HugePageBuffer {
 public:
  HugePageBuffer() = default;
  HugePageBuffer(const HugePageBuffer&) = delete;
  HugePageBuffer& operator=(const HugePageBuffer&) = delete;
  ~HugePageBuffer() { std::free(data_); }

  // At least n zeroed values; what was there is dropped when it grows.
  void grow(int64_t n) {
    if (n <= size_) return;
    constexpr size_t kPage = size_t{2} << 20;
    const size_t bytes = (static_cast<size_t>(n) * sizeof(T) + kPage - 1) / kPage * kPage;
    std::free(data_);
    data_ = static_cast<T*>(std::aligned_alloc(kPage, bytes));
    ZCNAS_REQUIRE(data_ != nullptr, "could not allocate {} bytes for a forward's tensors", bytes);
#ifdef MADV_HUGEPAGE
    madvise(data_, bytes, MADV_HUGEPAGE);  // advice only: without it the memory works the same
#endif
    std::memset(data_, 0, bytes);
    size_ = static_cast<int64_t>(bytes / sizeof(T));
  }
  T* data() { return data_; }

 private:
  T* data_ = nullptr;
  int64_t size_ = 0;
};

template <typename T>
class CpuOps {
 public:
  using Scalar = T;

  explicit CpuOps(int threads) : threads_(threads) {}

  // Memory for a plan, grown only when a larger one arrives; the input batch converted to [C][B][H*W].
  void prepare(const ForwardPlan& plan, const Node& in, const Tensor& input) {
    arena_.grow(plan.arena_floats);
    grow(stats_, plan.stats_entries);
    grow(bits_, plan.bits_words);
    grow(zeros_, plan.zero_floats);
    const int64_t batch = input.shape[0], channels = in.channels, spatial = in.height * in.width;
    grow(input_, batch * channels * spatial);
    const float* src = input.data.data();
    T* dst = input_.data();
#pragma omp parallel for num_threads(threads_) collapse(2)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t b = 0; b < batch; ++b)
        for (int64_t s = 0; s < spatial; ++s)
          dst[(c * batch + b) * spatial + s] = static_cast<T>(src[(b * channels + c) * spatial + s]);
  }

  // Parameters as T: float ones used in place, double ones converted once per network.
  void set_params(const ParamStore& params) {
    params_ = &params;
    converted_.clear();
  }

  T* arena() { return arena_.data(); }
  const T* input() const { return input_.data(); }
  const T* zeros() const { return zeros_.data(); }
  BasicChannelAffine<T>* stats() { return stats_.data(); }
  uint64_t* bits() { return bits_.data(); }

  const T* param(const std::string& name, int64_t numel) {
    const Tensor& t = params_->at(name);
    ZCNAS_REQUIRE(t.numel() == numel, "parameter '{}' has {} values, the network needs {}", name, t.numel(), numel);
    if constexpr (std::is_same_v<T, float>) {
      return t.data.data();
    } else {
      auto it = converted_.find(name);
      if (it == converted_.end()) it = converted_.emplace(name, std::vector<T>(t.data.begin(), t.data.end())).first;
      return it->second.data();
    }
  }

  void conv(const ConvShape& shape, const T* x, const T* w, T* y) { conv2d_cpu(shape, x, w, y, threads_, conv_); }
  void batch_norm_stats(const T* x, int64_t batch, int64_t channels, int64_t spatial, const T* gamma, const T* beta,
                        BasicChannelAffine<T>* out) {
    batch_norm_stats_cpu(x, batch, channels, spatial, gamma, beta, out, threads_);
  }
  void pointwise(const PointwiseShape& shape, const BasicPointwiseTerm<T>* terms, int n,
                 const BasicPointwiseOutputs<T>& out) {
    pointwise_cpu(shape, terms, n, out, threads_);
  }
  void avg_pool2x2(const T* x, int64_t batch, int64_t channels, int64_t height, int64_t width, T* y) {
    avg_pool2x2_cpu(x, batch, channels, height, width, y, threads_);
  }
  void max_pool2x2(const T* x, int64_t batch, int64_t channels, int64_t height, int64_t width, T* y) {
    max_pool2x2_cpu(x, batch, channels, height, width, y, threads_);
  }
  void avg_pool3x3(const T* x, int64_t batch, int64_t channels, int64_t height, int64_t width, int stride, T* y) {
    avg_pool3x3_cpu(x, batch, channels, height, width, stride, y, threads_);
  }
  void max_pool3x3(const T* x, int64_t batch, int64_t channels, int64_t height, int64_t width, int stride, T* y) {
    max_pool3x3_cpu(x, batch, channels, height, width, stride, y, threads_);
  }
  void global_avg_pool(const T* x, int64_t batch, int64_t channels, int64_t spatial, T* y) {
    global_avg_pool_cpu(x, batch, channels, spatial, y);
  }
  void linear(const T* x, int64_t batch, int64_t in, int64_t out, const T* w, const T* b, T* y) {
    linear_cpu(x, batch, in, out, w, b, y);
  }

  int threads() const { return threads_; }

 private:
  template <typename U>
  static void grow(std::vector<U>& v, int64_t n) {
    if (static_cast<size_t>(n) > v.size()) v.assign(static_cast<size_t>(n), U{});
  }

  int threads_;
  HugePageBuffer<T> arena_;
  std::vector<T> input_, zeros_;  // zeros_ is never written after it grows
  std::vector<BasicChannelAffine<T>> stats_;
  std::vector<uint64_t> bits_;
  ConvScratch<T> conv_;
  const ParamStore* params_ = nullptr;
  std::unordered_map<std::string, std::vector<T>> converted_;
};

}  // namespace

template <typename T>
struct CpuExecutor<T>::Impl {
  explicit Impl(int threads) : ops(threads) {}

  // Plans and runs one forward; returns the plan's output buffer.
  const T* run(const Network& net, const ParamStore& params, const Tensor& input, bool sign_bits,
               const std::vector<int>& taps = {}, ObservedForward* observed = nullptr) {
    const auto& nodes = net.nodes();
    ZCNAS_REQUIRE(!nodes.empty() && nodes[0].op == OpKind::Input, "network has no input node");
    const Node& in = nodes[0];
    ZCNAS_REQUIRE(input.shape.size() == 4 && input.shape[1] == in.channels && input.shape[2] == in.height &&
                      input.shape[3] == in.width,
                  "input batch has shape {}, the network takes [B, {}, {}, {}]", shape_to_string(input.shape),
                  in.channels, in.height, in.width);
    ZCNAS_REQUIRE(input.shape[0] > 0, "input batch is empty");
    const int64_t batch = input.shape[0];
    plan = plan_forward(net, batch, PlanOutputs{sign_bits, taps, observed != nullptr});
    ops.prepare(plan, in, input);
    ops.set_params(params);
    PlanRun<CpuOps<T>> run(ops, net, plan, batch);
    run.run(&seconds);
    if (sign_bits) hooked = run.sign_bits();
    if (observed) {
      observed->taps.clear();
      for (size_t k = 0; k < taps.size(); ++k)
        observed->taps.push_back(sample_major<double>(net.node(taps[k]), batch, run.tap(k)));
      observed->batch_norm_variance = batch_norm_variances(net, plan, ops.stats());
    }
    return run.buffer(plan.output_buffer);
  }

  // A node's tensor [C][B][HW] as [B, C, H, W].
  template <typename U>
  static BasicTensor<U> sample_major(const Node& n, int64_t batch, const T* v) {
    const int64_t spatial = n.height * n.width;
    BasicTensor<U> result({batch, n.channels, n.height, n.width});
    for (int64_t c = 0; c < n.channels; ++c)
      for (int64_t b = 0; b < batch; ++b)
        for (int64_t s = 0; s < spatial; ++s)
          result.data[static_cast<size_t>((b * n.channels + c) * spatial + s)] =
              static_cast<U>(v[(c * batch + b) * spatial + s]);
    return result;
  }

  CpuOps<T> ops;
  ForwardPlan plan;
  HookedSignBits hooked;
  std::array<double, kStepKinds> seconds{};
};

template <typename T>
CpuExecutor<T>::CpuExecutor(int threads)
    : impl_(std::make_unique<Impl>(threads > 0 ? threads : omp_get_max_threads())) {
  // Each OpenMP thread runs its own single-threaded GEMM on its own block of images. OpenBLAS's own worker threads,
  // started when the library loads, busy-wait for work for about 0.1 s before they sleep, on the cores this
  // executor's threads need: they are stopped (a later multi-threaded BLAS call starts them again).
  openblas_set_num_threads(1);
  blas_thread_shutdown_();
}

template <typename T>
CpuExecutor<T>::~CpuExecutor() = default;

template <typename T>
int CpuExecutor<T>::threads() const {
  return impl_->ops.threads();
}

template <typename T>
const std::array<double, kStepKinds>& CpuExecutor<T>::step_seconds() const {
  return impl_->seconds;
}

template <typename T>
BasicTensor<T> CpuExecutor<T>::forward(const Network& net, const ParamStore& params, const Tensor& input) {
  const T* v = impl_->run(net, params, input, false);
  return Impl::template sample_major<T>(net.node(net.output()), input.shape[0], v);
}

template <typename T>
ObservedForward CpuExecutor<T>::forward_observed(const Network& net, const ParamStore& params, const Tensor& input,
                                                 const std::vector<int>& taps) {
  ObservedForward observed;
  impl_->run(net, params, input, false, taps, &observed);
  return observed;
}

template <typename T>
HookedSignBits CpuExecutor<T>::forward_sign_bits(const Network& net, const ParamStore& params, const Tensor& input) {
  impl_->run(net, params, input, true);
  return impl_->hooked;
}

template class CpuExecutor<float>;
template class CpuExecutor<double>;

}  // namespace zcnas
