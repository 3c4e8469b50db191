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
#include "kernels/sign_bits.hpp"
#include "nn/cuda_executor.hpp"
#include "nn/forward_plan.hpp"

namespace zcnas {
namespace {

using cuda::DeviceBuffer;

// ---------------------------------------------------------------------------------------------------------
// Convolutions: descriptors per shape (per executor), algorithm per shape and options (per device).

struct ConvKey {
  int64_t batch = 0, in_channels = 0, height = 0, width = 0, out_channels = 0;
  int kernel = 0, stride = 0, pad = 0;
  ConvMath math = ConvMath::Fp32;
  bool transform = false;
  size_t workspace_limit = 0;

  auto tie() const {
    return std::tie(batch, in_channels, height, width, out_channels, kernel, stride, pad, math, transform,
                    workspace_limit);
  }
  bool operator==(const ConvKey& o) const { return tie() == o.tie(); }
};

struct ConvKeyHash {
  size_t operator()(const ConvKey& k) const {
    uint64_t h = 0;
    for (int64_t v :
         {k.batch, k.in_channels, k.height, k.width, k.out_channels, int64_t{k.kernel}, int64_t{k.stride},
          int64_t{k.pad}, static_cast<int64_t>(k.math), int64_t{k.transform}, static_cast<int64_t>(k.workspace_limit)})
      h = mix64(h ^ static_cast<uint64_t>(v));
    return static_cast<size_t>(h);
  }
};

struct ConvChoice {
  cudnnConvolutionFwdAlgo_t algo = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM;
  cudnnMathType_t math = CUDNN_FMA_MATH;
  size_t workspace = 0;
};

// The legacy cuDNN descriptors of one convolution shape, destroyed with the object.
struct ConvDescriptors {
  cudnnTensorDescriptor_t x = nullptr, y = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;

  ConvDescriptors() = default;
  ConvDescriptors(const ConvDescriptors&) = delete;
  ConvDescriptors& operator=(const ConvDescriptors&) = delete;
  ~ConvDescriptors() {
    if (x) cudnnDestroyTensorDescriptor(x);
    if (y) cudnnDestroyTensorDescriptor(y);
    if (w) cudnnDestroyFilterDescriptor(w);
    if (conv) cudnnDestroyConvolutionDescriptor(conv);
  }

  void init(const ConvKey& k) {
    const int out_hw[2] = {static_cast<int>((k.height + 2 * k.pad - k.kernel) / k.stride + 1),
                           static_cast<int>((k.width + 2 * k.pad - k.kernel) / k.stride + 1)};
    ZCNAS_CUDA_CHECK(cudnnCreateTensorDescriptor(&x));
    ZCNAS_CUDA_CHECK(cudnnCreateTensorDescriptor(&y));
    ZCNAS_CUDA_CHECK(cudnnCreateFilterDescriptor(&w));
    ZCNAS_CUDA_CHECK(cudnnCreateConvolutionDescriptor(&conv));
    ZCNAS_CUDA_CHECK(cudnnSetTensor4dDescriptor(x, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, static_cast<int>(k.batch),
                                                static_cast<int>(k.in_channels), static_cast<int>(k.height),
                                                static_cast<int>(k.width)));
    ZCNAS_CUDA_CHECK(cudnnSetTensor4dDescriptor(y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, static_cast<int>(k.batch),
                                                static_cast<int>(k.out_channels), out_hw[0], out_hw[1]));
    ZCNAS_CUDA_CHECK(cudnnSetFilter4dDescriptor(w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW,
                                                static_cast<int>(k.out_channels), static_cast<int>(k.in_channels),
                                                k.kernel, k.kernel));
    // PyTorch's convolution is a cross-correlation.
    ZCNAS_CUDA_CHECK(cudnnSetConvolution2dDescriptor(conv, k.pad, k.pad, k.stride, k.stride, 1, 1,
                                                     CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    ZCNAS_CUDA_CHECK(
        cudnnSetConvolutionMathType(conv, k.math == ConvMath::Fp32 ? CUDNN_FMA_MATH : CUDNN_TENSOR_OP_MATH));
  }
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

  DeviceBuffer<float> arena;                    // activations
  DeviceBuffer<float> params;                   // parameters of the current network
  DeviceBuffer<float> zeros;                    // read-only zeros for `none` edges
  DeviceBuffer<float> param_ones, param_zeros;  // drawn batch-norm weights and biases
  DeviceBuffer<ChannelAffine> stats;            // batch-norm statistics of the current forward
  DeviceBuffer<uint64_t> bits;                  // sign bits of the current forward
  DeviceBuffer<unsigned char> workspace;
  cuda::BatchNormWorkspace bn_workspace;
  cuda::PinnedBuffer<float> staging;  // upload_params
  cuda::Event staging_free;

  const Network* params_net = nullptr;
  std::unordered_map<std::string, DeviceParam> param_ptrs;
  std::vector<cuda::UniformParam> draws;
  ForwardPlan plan;
  HookedSignBits hooked;

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

  const DeviceParam& param(const std::string& name, int64_t numel) const {
    auto it = param_ptrs.find(name);
    ZCNAS_REQUIRE(it != param_ptrs.end(), "parameter '{}' has no value on the device", name);
    ZCNAS_REQUIRE(it->second.numel == numel, "parameter '{}' has {} values, the network needs {}", name,
                  it->second.numel, numel);
    return it->second;
  }

  ConvPlan& conv_plan(const Node& n, const Node& in, int64_t batch) {
    ConvKey key;
    key.batch = batch;
    key.in_channels = in.channels;
    key.height = in.height;
    key.width = in.width;
    key.out_channels = n.channels;
    key.kernel = n.kernel;
    key.stride = n.stride;
    key.pad = n.pad;
    key.math = options.math;
    key.transform = options.transform_convolutions;
    key.workspace_limit = options.conv_workspace_limit;
    auto it = convs.find(key);
    if (it != convs.end()) return *it->second;
    auto plan_ptr = std::make_unique<ConvPlan>();
    plan_ptr->desc.init(key);
    plan_ptr->choice = algorithms.get(key, cudnn.get(), plan_ptr->desc);
    ZCNAS_CUDA_CHECK(cudnnSetConvolutionMathType(plan_ptr->desc.conv, plan_ptr->choice.math));
    return *convs.emplace(key, std::move(plan_ptr)).first->second;
  }

  float* buffer_ptr(int b, const float* input) {
    if (b == kInputBuffer) return const_cast<float*>(input);  // read only
    if (b == kZeroBuffer) return zeros.data();
    return arena.data() + plan.buffer_offset[static_cast<size_t>(b)];
  }

  void run_step(const Network& net, const Step& s, const float* input, int64_t batch) {
    const Node& n = net.node(s.node);
    const float* in = s.in != kNoBuffer ? buffer_ptr(s.in, input) : nullptr;
    float* out = s.out != kNoBuffer ? buffer_ptr(s.out, input) : nullptr;
    switch (s.kind) {
      case StepKind::Conv: {
        const Node& src = net.node(n.inputs[0]);
        ConvPlan& cp = conv_plan(n, src, batch);
        const DeviceParam& w = param(n.weight, n.channels * src.channels * n.kernel * n.kernel);
        const float one = 1.0f, zero = 0.0f;
        ZCNAS_CUDA_CHECK(cudnnConvolutionForward(cudnn.get(), &one, cp.desc.x, in, cp.desc.w, w.data, cp.desc.conv,
                                                 cp.choice.algo, workspace.data(), cp.choice.workspace, &zero,
                                                 cp.desc.y, out));
        return;
      }
      case StepKind::BatchNormStats: {
        const DeviceParam& g = param(n.weight, n.channels);
        const DeviceParam& b = param(n.bias, n.channels);
        cuda::batch_norm_stats(in, batch, n.channels, n.height * n.width, g.data, b.data,
                               stats.data() + plan.stats_offset[static_cast<size_t>(s.stats)], bn_workspace, st());
        return;
      }
      case StepKind::Pointwise: {
        std::array<PointwiseTerm, kMaxPointwiseTerms> terms{};
        for (int t = 0; t < s.n_terms; ++t) {
          const TermPlan& tp = s.terms[static_cast<size_t>(t)];
          terms[static_cast<size_t>(t)] = {
              tp.kind, buffer_ptr(tp.buffer, input),
              tp.stats >= 0 ? stats.data() + plan.stats_offset[static_cast<size_t>(tp.stats)] : nullptr};
        }
        PointwiseOutputs o;
        o.y = out;
        o.relu = s.relu != kNoBuffer ? buffer_ptr(s.relu, input) : nullptr;
        if (s.bits_group >= 0) {
          const BitsGroup& g = plan.groups[static_cast<size_t>(s.bits_group)];
          o.bits = bits.data() + g.base + s.bits_offset;
          o.bits_stride = g.words;
          o.bits_words = sign_words(n.channels * n.height * n.width);
        }
        cuda::pointwise({batch, n.channels, n.height, n.width}, terms.data(), s.n_terms, o, st());
        return;
      }
      case StepKind::AvgPool2x2: {
        const Node& src = net.node(n.inputs[0]);
        cuda::avg_pool2x2(in, batch, src.channels, src.height, src.width, out, st());
        return;
      }
      case StepKind::GlobalAvgPool: {
        const Node& src = net.node(n.inputs[0]);
        cuda::global_avg_pool(in, batch, src.channels, src.height * src.width, out, st());
        return;
      }
      case StepKind::Linear: {
        const int64_t cin = net.node(n.inputs[0]).channels;
        const DeviceParam& w = param(n.weight, n.channels * cin);
        const DeviceParam& b = param(n.bias, n.channels);
        cuda::linear(in, batch, cin, n.channels, w.data, b.data, out, st());
        return;
      }
    }
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
  return m.arena.bytes() + m.params.bytes() + m.zeros.bytes() + m.param_ones.bytes() + m.param_zeros.bytes() +
         m.stats.bytes() + m.bits.bytes() + m.workspace.bytes();
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
    const DeviceParam& p = m.param(spec.name, shape_numel(spec.shape));
    Tensor t(spec.shape);
    ZCNAS_CUDA_CHECK(
        cudaMemcpy(t.data.data(), p.data, static_cast<size_t>(p.numel) * sizeof(float), cudaMemcpyDeviceToHost));
    store.set(spec.name, std::move(t));
  }
  return store;
}

DeviceTensorView CudaExecutor::forward(const Network& net, const float* input, int64_t batch, bool sign_bits) {
  Impl& m = *impl_;
  ZCNAS_REQUIRE(m.params_net == &net, "CUDA forward: parameters were uploaded or drawn for another network");
  ZCNAS_REQUIRE(batch > 0, "CUDA forward: input batch is empty");
  ZCNAS_REQUIRE(input != nullptr, "CUDA forward: null input");

  m.plan = plan_forward(net, batch, sign_bits);
  const ForwardPlan& plan = m.plan;

  ensure_capacity(m.arena, plan.arena_floats, m.st());
  ensure_capacity(m.stats, plan.stats_entries, m.st());
  ensure_capacity(m.bits, plan.bits_words, m.st());
  m.ensure_constant(m.zeros, plan.zero_floats, 0.0f);
  size_t workspace = 0;
  for (const Step& s : plan.steps) {
    if (s.kind != StepKind::Conv) continue;
    const Node& n = net.node(s.node);
    workspace = std::max(workspace, m.conv_plan(n, net.node(n.inputs[0]), batch).choice.workspace);
  }
  ensure_capacity(m.workspace, static_cast<int64_t>(workspace), m.st());

  for (const Step& s : plan.steps) m.run_step(net, s, input, batch);

  m.hooked = HookedSignBits{};
  m.hooked.batch = batch;
  m.hooked.constant_agreement = plan.constant_agreement;
  for (const BitsGroup& g : plan.groups)
    m.hooked.groups.push_back({g.multiplicity, g.units, g.words, m.bits.data() + g.base});

  const Node& o = net.node(net.output());
  return {m.buffer_ptr(plan.output_buffer, input), {batch, o.channels, o.height, o.width}};
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
