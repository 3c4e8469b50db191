// CUDA executor: plan a forward on the host (fusion, aliasing, arena offsets), then queue it on one stream.
#include <algorithm>
#include <array>
#include <mutex>
#include <tuple>
#include <unordered_map>

#include "core/cuda_context.hpp"
#include "core/random.hpp"
#include "kernels/batch_norm.cuh"
#include "kernels/init_params.cuh"
#include "kernels/pointwise.cuh"
#include "kernels/pool.cuh"
#include "kernels/tensor_layout.hpp"
#include "nn/cuda_executor.hpp"
#include "nn/cudnn_descriptors.hpp"
#include "nn/forward_plan.hpp"
#include "nn/plan_executor.hpp"

namespace zcnas {
namespace {

using cuda::ConvDescriptors;
using cuda::DeviceBuffer;

// ---------------------------------------------------------------------------------------------------------
// Convolutions: descriptors per shape (per executor), algorithm per shape and options (per device).

struct ConvKey {
  ConvShape shape;
  ConvMath math = ConvMath::Fp32;
  bool transform = false;
  size_t workspace_limit = 0;

  auto tie() const { return std::tuple_cat(shape.tie(), std::tie(math, transform, workspace_limit)); }
  bool operator==(const ConvKey& o) const { return tie() == o.tie(); }
};

struct ConvKeyHash {
  size_t operator()(const ConvKey& k) const {
    uint64_t h = 0;
    std::apply([&h](const auto&... v) { ((h = mix64(h ^ static_cast<uint64_t>(v))), ...); }, k.tie());
    return static_cast<size_t>(h);
  }
};

struct ConvChoice {
  cudnnConvolutionFwdAlgo_t algo = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM;
  cudnnMathType_t math = CUDNN_FMA_MATH;
  size_t workspace = 0;
};

bool is_transform(cudnnConvolutionFwdAlgo_t a) {
  return a == CUDNN_CONVOLUTION_FWD_ALGO_FFT || a == CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING ||
         a == CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD || a == CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED;
}

// Measures every algorithm once per (shape, options) on the device and keeps the fastest that is
// deterministic, fits the workspace limit and keeps the requested arithmetic. Shared by all executors of a
// context; cudnnFind synchronises the device, which happens once per shape.
class ConvAlgorithmCache {
 public:
  ConvChoice get(const ConvKey& key, cudnnHandle_t handle, const ConvDescriptors& d) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = choices_.find(key);
    if (it != choices_.end()) return it->second;
    const ConvChoice choice = measure(key, handle, d);
    choices_.emplace(key, choice);
    return choice;
  }

 private:
  static ConvChoice measure(const ConvKey& key, cudnnHandle_t handle, const ConvDescriptors& d) {
    std::array<cudnnConvolutionFwdAlgoPerf_t, CUDNN_CONVOLUTION_FWD_ALGO_COUNT> perf{};
    int returned = 0;
    ZCNAS_CUDA_CHECK(cudnnFindConvolutionForwardAlgorithm(handle, d.x, d.w, d.conv, d.y, static_cast<int>(perf.size()),
                                                          &returned, perf.data()));
    for (int i = 0; i < returned; ++i) {  // sorted fastest first
      const auto& p = perf[static_cast<size_t>(i)];
      if (p.status != CUDNN_STATUS_SUCCESS || p.memory > key.workspace_limit) continue;
      if (p.determinism != CUDNN_DETERMINISTIC) continue;  // the same score on every run
      if (key.math == ConvMath::Fp32 && p.mathType != CUDNN_FMA_MATH) continue;
      if (!key.transform && is_transform(p.algo)) continue;
      return ConvChoice{p.algo, p.mathType, p.memory};
    }
    // Implicit GEMM in FMA arithmetic supports every shape here.
    ConvChoice fallback;
    ZCNAS_CUDA_CHECK(cudnnSetConvolutionMathType(d.conv, CUDNN_FMA_MATH));
    ZCNAS_CUDA_CHECK(
        cudnnGetConvolutionForwardWorkspaceSize(handle, d.x, d.w, d.conv, d.y, fallback.algo, &fallback.workspace));
    return fallback;
  }

  std::mutex mutex_;
  std::unordered_map<ConvKey, ConvChoice, ConvKeyHash> choices_;
};

struct ConvPlan {
  ConvDescriptors desc;
  ConvChoice choice;
};

// Grows a buffer (with headroom, so that a sequence of growing networks reallocates rarely) after
// synchronising the stream that may still use it.
template <typename T>
void ensure_capacity(DeviceBuffer<T>& buf, int64_t count, cudaStream_t stream) {
  if (static_cast<size_t>(count) <= buf.size()) return;
  ZCNAS_CUDA_CHECK(cudaStreamSynchronize(stream));
  buf.reserve_discard(static_cast<size_t>(count) + static_cast<size_t>(count) / 4);
}

struct DeviceParam {
  const float* data = nullptr;
  int64_t numel = 0;
};

}  // namespace

// ---------------------------------------------------------------------------------------------------------

struct CudaExecutor::Impl {
  cuda::CudaContext& context;
  CudaExecutorOptions options;
  cuda::Stream stream;
  cuda::CudnnHandle cudnn;
  ConvAlgorithmCache& algorithms;
  std::unordered_map<ConvKey, std::unique_ptr<ConvPlan>, ConvKeyHash> convs;

  DeviceBuffer<float> arena_buf;                // activations
  DeviceBuffer<float> params;                   // parameters of the current network
  DeviceBuffer<float> zeros_buf;                // read-only zeros for `none` edges
  DeviceBuffer<float> param_ones, param_zeros;  // drawn batch-norm weights and biases
  DeviceBuffer<ChannelAffine> stats_buf;        // batch-norm statistics of the current forward
  DeviceBuffer<uint64_t> bits_buf;              // sign bits of the current forward
  DeviceBuffer<unsigned char> workspace;
  cuda::BatchNormWorkspace bn_workspace;
  cuda::PinnedBuffer<float> staging;  // upload_params
  cuda::Event staging_free;

  const Network* params_net = nullptr;
  std::unordered_map<std::string, DeviceParam> param_ptrs;
  std::vector<cuda::UniformParam> draws;
  ForwardPlan plan;
  HookedSignBits hooked;
  const float* input_ptr = nullptr;      // the current forward's batch
  const Network* forward_net = nullptr;  // the current forward's network, batch and taps
  int64_t forward_batch = 0;
  std::vector<int> taps;
  std::vector<const float*> tap_ptrs;

  Impl(cuda::CudaContext& ctx, cudaStream_t s, CudaExecutorOptions opts)
      : context(ctx),
        options(opts),
        stream(s ? cuda::Stream::borrow(s) : cuda::Stream::create()),
        cudnn(stream.get()),
        algorithms(ctx.cache<ConvAlgorithmCache>()) {
    staging_free.record(stream.get());
  }

  cudaStream_t st() const { return stream.get(); }

  void ensure_constant(DeviceBuffer<float>& buf, int64_t count, float value) {
    if (static_cast<size_t>(count) <= buf.size()) return;
    ensure_capacity(buf, count, st());
    cuda::fill_constant(buf.data(), static_cast<int64_t>(buf.size()), value, st());
  }

  const DeviceParam& device_param(const std::string& name, int64_t numel) const {
    auto it = param_ptrs.find(name);
    ZCNAS_REQUIRE(it != param_ptrs.end(), "parameter '{}' has no value on the device", name);
    ZCNAS_REQUIRE(it->second.numel == numel, "parameter '{}' has {} values, the network needs {}", name,
                  it->second.numel, numel);
    return it->second;
  }

  ConvPlan& conv_plan(const ConvShape& shape) {
    ConvKey key;
    key.shape = shape;
    key.math = options.math;
    key.transform = options.transform_convolutions;
    key.workspace_limit = options.conv_workspace_limit;
    auto it = convs.find(key);
    if (it != convs.end()) return *it->second;
    auto plan_ptr = std::make_unique<ConvPlan>();
    plan_ptr->desc.init(key.shape, key.math);
    plan_ptr->choice = algorithms.get(key, cudnn.get(), plan_ptr->desc);
    ZCNAS_CUDA_CHECK(cudnnSetConvolutionMathType(plan_ptr->desc.conv, plan_ptr->choice.math));
    return *convs.emplace(key, std::move(plan_ptr)).first->second;
  }

  // The op table that nn/plan_executor.hpp walks.
  using Scalar = float;
  float* arena() { return arena_buf.data(); }
  const float* input() const { return input_ptr; }
  const float* zeros() const { return zeros_buf.data(); }
  ChannelAffine* stats() { return stats_buf.data(); }
  uint64_t* bits() { return bits_buf.data(); }
  const float* param(const std::string& name, int64_t numel) const { return device_param(name, numel).data; }

  void conv(const ConvShape& shape, const float* x, const float* w, float* y) {
    ConvPlan& cp = conv_plan(shape);
    const float one = 1.0f, zero = 0.0f;
    ZCNAS_CUDA_CHECK(cudnnConvolutionForward(cudnn.get(), &one, cp.desc.x, x + cp.desc.x_offset, cp.desc.w, w,
                                             cp.desc.conv, cp.choice.algo, workspace.data(), cp.choice.workspace, &zero,
                                             cp.desc.y, y));
  }
  void batch_norm_stats(const float* x, int64_t batch, int64_t channels, int64_t spatial, const float* gamma,
                        const float* beta, ChannelAffine* out) {
    cuda::batch_norm_stats(x, batch, channels, spatial, gamma, beta, out, bn_workspace, st());
  }
  void pointwise(const PointwiseShape& shape, const PointwiseTerm* terms, int n, const PointwiseOutputs& out) {
    cuda::pointwise(shape, terms, n, out, st());
  }
  void avg_pool2x2(const float* x, int64_t batch, int64_t channels, int64_t height, int64_t width, float* y) {
    cuda::avg_pool2x2(x, batch, channels, height, width, y, st());
  }
  void max_pool2x2(const float* x, int64_t batch, int64_t channels, int64_t height, int64_t width, float* y) {
    cuda::max_pool2x2(x, batch, channels, height, width, y, st());
  }
  void avg_pool3x3(const float* x, int64_t batch, int64_t channels, int64_t height, int64_t width, int stride,
                   float* y) {
    cuda::avg_pool3x3(x, batch, channels, height, width, stride, y, st());
  }
  void max_pool3x3(const float* x, int64_t batch, int64_t channels, int64_t height, int64_t width, int stride,
                   float* y) {
    cuda::max_pool3x3(x, batch, channels, height, width, stride, y, st());
  }
  void global_avg_pool(const float* x, int64_t batch, int64_t channels, int64_t spatial, float* y) {
    cuda::global_avg_pool(x, batch, channels, spatial, y, st());
  }
  void linear(const float* x, int64_t batch, int64_t in, int64_t out, const float* w, const float* b, float* y) {
    cuda::linear(x, batch, in, out, w, b, y, st());
  }
};

CudaExecutor::CudaExecutor(cuda::CudaContext& context, cudaStream_t stream, CudaExecutorOptions options) {
  context.make_current();
  impl_ = std::make_unique<Impl>(context, stream, options);
}

CudaExecutor::~CudaExecutor() {
  if (impl_) cudaStreamSynchronize(impl_->st());  // queued work may still use the buffers freed below
}

cudaStream_t CudaExecutor::stream() const { return impl_->st(); }
const CudaExecutorOptions& CudaExecutor::options() const { return impl_->options; }
const HookedSignBits& CudaExecutor::hooked_sign_bits() const { return impl_->hooked; }

size_t CudaExecutor::device_bytes() const {
  const Impl& m = *impl_;
  return m.arena_buf.bytes() + m.params.bytes() + m.zeros_buf.bytes() + m.param_ones.bytes() + m.param_zeros.bytes() +
         m.stats_buf.bytes() + m.bits_buf.bytes() + m.workspace.bytes();
}

void CudaExecutor::upload_params(const Network& net, const ParamStore& params) {
  Impl& m = *impl_;
  int64_t total = 0;
  for (const auto& spec : net.params()) {
    const Tensor& t = params.at(spec.name);
    ZCNAS_REQUIRE(t.numel() == shape_numel(spec.shape), "parameter '{}' has {} values, the network needs {}", spec.name,
                  t.numel(), shape_numel(spec.shape));
    total += (t.numel() + 63) / 64 * 64;
  }
  ensure_capacity(m.params, total, m.st());
  m.staging_free.synchronize();  // the previous upload has left the staging buffer
  m.staging.reserve_discard(static_cast<size_t>(total));
  m.param_ptrs.clear();
  int64_t offset = 0;
  for (const auto& spec : net.params()) {
    const Tensor& t = params.at(spec.name);
    std::copy(t.data.begin(), t.data.end(), m.staging.data() + offset);
    m.param_ptrs[spec.name] = {m.params.data() + offset, t.numel()};
    offset += (t.numel() + 63) / 64 * 64;
  }
  if (total > 0)
    ZCNAS_CUDA_CHECK(cudaMemcpyAsync(m.params.data(), m.staging.data(), static_cast<size_t>(total) * sizeof(float),
                                     cudaMemcpyHostToDevice, m.st()));
  m.staging_free.record(m.st());
  m.params_net = &net;
}

void CudaExecutor::draw_params(const Network& net, uint64_t seed) {
  // The device draws uniform parameters; a network with normal ones (NB101's) is drawn on the host.
  for (const auto& spec : net.params())
    if (spec.init == ParamInit::Normal) return upload_params(net, init_params(net, seed));
  Impl& m = *impl_;
  int64_t total = 0, constants = 0;
  for (const auto& spec : net.params()) {
    const int64_t numel = shape_numel(spec.shape);
    if (spec.init == ParamInit::Uniform)
      total += (numel + 63) / 64 * 64;
    else
      constants = std::max(constants, numel);
  }
  ensure_capacity(m.params, total, m.st());
  m.ensure_constant(m.param_zeros, constants, 0.0f);
  m.ensure_constant(m.param_ones, constants, 1.0f);
  m.param_ptrs.clear();
  m.draws.clear();
  int64_t offset = 0;
  for (const auto& spec : net.params()) {
    const int64_t numel = shape_numel(spec.shape);
    switch (spec.init) {
      case ParamInit::Ones:
        m.param_ptrs[spec.name] = {m.param_ones.data(), numel};
        break;
      case ParamInit::Zeros:
        m.param_ptrs[spec.name] = {m.param_zeros.data(), numel};
        break;
      case ParamInit::Normal:
        throw Error("draw_params: normal parameters are drawn on the host");
      case ParamInit::Uniform:
        m.draws.push_back({name_key(spec.name), spec.bound, numel, m.params.data() + offset});
        m.param_ptrs[spec.name] = {m.params.data() + offset, numel};
        offset += (numel + 63) / 64 * 64;
        break;
    }
  }
  cuda::draw_uniform_params(m.draws.data(), static_cast<int64_t>(m.draws.size()), seed, m.st());
  m.params_net = &net;
}

ParamStore CudaExecutor::download_params(const Network& net) {
  Impl& m = *impl_;
  ZCNAS_REQUIRE(m.params_net == &net, "download_params: the device holds another network's parameters");
  m.stream.synchronize();
  ParamStore store;
  for (const auto& spec : net.params()) {
    const DeviceParam& p = m.device_param(spec.name, shape_numel(spec.shape));
    Tensor t(spec.shape);
    ZCNAS_CUDA_CHECK(
        cudaMemcpy(t.data.data(), p.data, static_cast<size_t>(p.numel) * sizeof(float), cudaMemcpyDeviceToHost));
    store.set(spec.name, std::move(t));
  }
  return store;
}

DeviceTensorView CudaExecutor::forward(const Network& net, const float* input, int64_t batch, bool sign_bits) {
  return forward(net, input, batch, PlanOutputs{sign_bits, {}, false});
}

DeviceTensorView CudaExecutor::forward(const Network& net, const float* input, int64_t batch,
                                       const PlanOutputs& outputs) {
  Impl& m = *impl_;
  ZCNAS_REQUIRE(m.params_net == &net, "CUDA forward: parameters were uploaded or drawn for another network");
  ZCNAS_REQUIRE(batch > 0, "CUDA forward: input batch is empty");
  ZCNAS_REQUIRE(input != nullptr, "CUDA forward: null input");

  m.plan = plan_forward(net, batch, outputs);
  const bool sign_bits = outputs.sign_bits;
  const std::vector<int>& taps = outputs.taps;
  const ForwardPlan& plan = m.plan;
  ensure_capacity(m.arena_buf, plan.arena_floats, m.st());
  ensure_capacity(m.stats_buf, plan.stats_entries, m.st());
  ensure_capacity(m.bits_buf, plan.bits_words, m.st());
  m.ensure_constant(m.zeros_buf, plan.zero_floats, 0.0f);
  size_t workspace = 0;
  for (const Step& s : plan.steps) {
    if (s.kind != StepKind::Conv) continue;
    workspace = std::max(workspace, m.conv_plan(conv_shape(net, net.node(s.node), batch)).choice.workspace);
  }
  ensure_capacity(m.workspace, static_cast<int64_t>(workspace), m.st());

  m.input_ptr = input;
  PlanRun<Impl> run(m, net, plan, batch);
  run.run();
  m.hooked = sign_bits ? run.sign_bits() : HookedSignBits{};
  m.forward_net = &net;
  m.forward_batch = batch;
  m.taps = taps;
  m.tap_ptrs.clear();
  for (size_t k = 0; k < taps.size(); ++k) m.tap_ptrs.push_back(run.tap(k));
  const Node& o = net.node(net.output());
  return {run.buffer(plan.output_buffer), {batch, o.channels, o.height, o.width}};
}

Tensor CudaExecutor::download(const DeviceTensorView& view) {
  Tensor t(view.shape);
  if (t.numel() == 0) return t;
  ZCNAS_CUDA_CHECK(cudaMemcpyAsync(t.data.data(), view.data, static_cast<size_t>(t.numel()) * sizeof(float),
                                   cudaMemcpyDeviceToHost, impl_->st()));
  impl_->stream.synchronize();
  return t;
}

}  // namespace zcnas

namespace zcnas {

ObservedForward CudaExecutor::download_observed() {
  Impl& m = *impl_;
  ZCNAS_REQUIRE(m.forward_net != nullptr, "download_observed: no forward has run");
  const Network& net = *m.forward_net;
  // Every copy is queued first: one synchronisation per forward, not one per tap.
  std::vector<Tensor> taps;
  taps.reserve(m.taps.size());  // the copies write into these buffers
  for (size_t k = 0; k < m.taps.size(); ++k) {
    const Node& n = net.node(m.taps[k]);
    taps.emplace_back(Shape{m.forward_batch, n.channels, n.height, n.width});
    ZCNAS_CUDA_CHECK(cudaMemcpyAsync(taps.back().data.data(), m.tap_ptrs[k], taps.back().data.size() * sizeof(float),
                                     cudaMemcpyDeviceToHost, m.st()));
  }
  std::vector<ChannelAffine> stats(static_cast<size_t>(m.plan.stats_entries));
  if (!stats.empty())
    ZCNAS_CUDA_CHECK(cudaMemcpyAsync(stats.data(), m.stats_buf.data(), stats.size() * sizeof(ChannelAffine),
                                     cudaMemcpyDeviceToHost, m.st()));
  m.stream.synchronize();
  ObservedForward observed;
  for (const Tensor& t : taps) {
    observed.taps.emplace_back(t.shape);
    std::copy(t.data.begin(), t.data.end(), observed.taps.back().data.begin());
  }
  observed.batch_norm_variance = batch_norm_variances(net, m.plan, stats.data());
  return observed;
}

}  // namespace zcnas
