// CPU executor: im2col + BLAS GEMM convolutions, train-mode batch norm, pools, adds, on all cores.
#include "nn/cpu_executor.hpp"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

extern "C" void openblas_set_num_threads(int num_threads);

namespace zcnas {
namespace {

void gemm(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
}
void gemm(int m, int n, int k, const double* a, int lda, const double* b, int ldb, double* c, int ldc) {
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0, a, lda, b, ldb, 0.0, c, ldc);
}

template <typename T>
std::vector<T> convert_param(const Tensor& t) {
  return std::vector<T>(t.data.begin(), t.data.end());
}

// Parameters as T; float parameters are used in place, double ones converted once per forward.
template <typename T>
class ParamView {
 public:
  explicit ParamView(const ParamStore& store) : store_(store) {}
  const T* get(const std::string& name, int64_t expect_numel) {
    const Tensor& t = store_.at(name);
    ZCNAS_REQUIRE(t.numel() == expect_numel, "parameter '{}' has {} values, the network needs {}", name, t.numel(),
                  expect_numel);
    if constexpr (std::is_same_v<T, float>) {
      return t.data.data();
    } else {
      converted_.push_back(convert_param<T>(t));
      return converted_.back().data();
    }
  }

 private:
  const ParamStore& store_;
  std::vector<std::vector<T>> converted_;
};

// Rows (ci, ky, kx) x columns (image, oy, ox) for images [b0, b1) of a [Cin][B][H*W] input.
template <typename T>
void im2col(const T* in, int64_t cin, int64_t batch, int64_t h, int64_t w, int k, int stride, int pad, int64_t ho,
            int64_t wo, int64_t b0, int64_t b1, T* col) {
  const int64_t cols = (b1 - b0) * ho * wo;
  for (int64_t ci = 0; ci < cin; ++ci) {
    for (int ky = 0; ky < k; ++ky) {
      for (int kx = 0; kx < k; ++kx) {
        T* row = col + ((ci * k + ky) * k + kx) * cols;
        // Output columns ox whose input column ix = ox*stride - pad + kx lies inside [0, w).
        const int64_t ox_lo = std::max<int64_t>(0, (pad - kx + stride - 1) / stride);
        const int64_t ox_hi = std::min<int64_t>(wo, (w - 1 + pad - kx) / stride + 1);
        for (int64_t b = b0; b < b1; ++b) {
          const T* plane = in + (ci * batch + b) * h * w;
          T* dst_img = row + (b - b0) * ho * wo;
          for (int64_t oy = 0; oy < ho; ++oy) {
            T* dst = dst_img + oy * wo;
            const int64_t iy = oy * stride - pad + ky;
            if (iy < 0 || iy >= h || ox_lo >= ox_hi) {
              std::fill(dst, dst + wo, T(0));
              continue;
            }
            const T* src = plane + iy * w;
            std::fill(dst, dst + ox_lo, T(0));
            if (stride == 1) {
              std::memcpy(dst + ox_lo, src + ox_lo - pad + kx, static_cast<size_t>(ox_hi - ox_lo) * sizeof(T));
            } else {
              for (int64_t ox = ox_lo; ox < ox_hi; ++ox) dst[ox] = src[ox * stride - pad + kx];
            }
            std::fill(dst + ox_hi, dst + wo, T(0));
          }
        }
      }
    }
  }
}

// Sum of f(x[i]) in double with eight independent partial sums, so the loop is not one long dependency chain.
template <typename T, typename F>
double sum_double(const T* x, int64_t n, F f) {
  double part[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) part[k] += f(static_cast<double>(x[i + k]));
  for (; i < n; ++i) part[0] += f(static_cast<double>(x[i]));
  return ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
}

// 3x3 average, stride 1, pad 1, count_include_pad = False, of one [h, w] plane. Each output sums its
// in-bounds window row by row, left to right, then divides by the window's size, as PyTorch does; interior
// pixels take a fixed nine-term path that vectorises across the row.
template <typename T>
void avg_pool3x3_plane(const T* src, T* dst, int64_t h, int64_t w) {
  auto border = [&](int64_t oy, int64_t ox) {
    const int64_t y0 = std::max<int64_t>(0, oy - 1), y1 = std::min<int64_t>(h, oy + 2);
    const int64_t x0 = std::max<int64_t>(0, ox - 1), x1 = std::min<int64_t>(w, ox + 2);
    T sum = 0;
    for (int64_t iy = y0; iy < y1; ++iy)
      for (int64_t ix = x0; ix < x1; ++ix) sum += src[iy * w + ix];
    dst[oy * w + ox] = sum / static_cast<T>((y1 - y0) * (x1 - x0));
  };
  for (int64_t oy = 0; oy < h; ++oy) {
    if (oy == 0 || oy == h - 1 || w < 3) {
      for (int64_t ox = 0; ox < w; ++ox) border(oy, ox);
      continue;
    }
    border(oy, 0);
    const T* a = src + (oy - 1) * w;
    const T* b = src + oy * w;
    const T* c = src + (oy + 1) * w;
    T* d = dst + oy * w;
    for (int64_t ox = 1; ox < w - 1; ++ox) {
      T sum = a[ox - 1];
      sum += a[ox];
      sum += a[ox + 1];
      sum += b[ox - 1];
      sum += b[ox];
      sum += b[ox + 1];
      sum += c[ox - 1];
      sum += c[ox];
      sum += c[ox + 1];
      d[ox] = sum / T(9);
    }
    border(oy, w - 1);
  }
}

}  // namespace

template <typename T>
CpuExecutor<T>::CpuExecutor(int threads) : threads_(threads > 0 ? threads : omp_get_max_threads()) {
  // Each OpenMP thread runs its own single-threaded GEMM on its own block of images.
  openblas_set_num_threads(1);
  scratch_.resize(static_cast<size_t>(threads_));
  op_seconds_.assign(static_cast<size_t>(OpKind::Linear) + 1, 0.0);
}

template <typename T>
std::vector<T> CpuExecutor<T>::acquire(size_t n) {
  // Best fit among released buffers: activations come in a few sizes, so this rarely allocates.
  size_t best = pool_.size();
  for (size_t i = 0; i < pool_.size(); ++i)
    if (pool_[i].capacity() >= n && (best == pool_.size() || pool_[i].capacity() < pool_[best].capacity())) best = i;
  std::vector<T> buf;
  if (best < pool_.size()) {
    buf = std::move(pool_[best]);
    pool_.erase(pool_.begin() + static_cast<std::ptrdiff_t>(best));
  }
  buf.resize(n);
  return buf;
}

template <typename T>
void CpuExecutor<T>::release(std::vector<T>&& buf) {
  if (buf.capacity() > 0) pool_.push_back(std::move(buf));
}

template <typename T>
BasicTensor<T> CpuExecutor<T>::forward(const Network& net, const ParamStore& params, const Tensor& input,
                                       const HookFn& on_hook) {
  const auto& nodes = net.nodes();
  ZCNAS_REQUIRE(!nodes.empty() && nodes[0].op == OpKind::Input, "network has no input node");
  ZCNAS_REQUIRE(net.output() >= 0, "network has no output node");
  const Node& in_node = nodes[0];
  ZCNAS_REQUIRE(input.shape.size() == 4 && input.shape[1] == in_node.channels && input.shape[2] == in_node.height &&
                    input.shape[3] == in_node.width,
                "input batch has shape {}, the network takes [B, {}, {}, {}]", shape_to_string(input.shape),
                in_node.channels, in_node.height, in_node.width);
  const int64_t batch = input.shape[0];
  ZCNAS_REQUIRE(batch > 0, "input batch is empty");

  // Uses left per node: consumers, plus one for the output. A buffer is recycled when its count reaches 0.
  std::vector<int> uses(nodes.size(), 0);
  for (const auto& n : nodes)
    for (int i : n.inputs) ++uses[static_cast<size_t>(i)];
  ++uses[static_cast<size_t>(net.output())];
  std::vector<int> hook_mult(nodes.size(), 0);
  for (const auto& h : net.hooks()) hook_mult[static_cast<size_t>(h.node)] = h.multiplicity;

  ParamView<T> pv(params);
  std::vector<std::vector<T>> values(nodes.size());
  const int nthreads = threads_;

  for (size_t id = 0; id < nodes.size(); ++id) {
    const Node& n = nodes[id];
    const int64_t spatial = n.height * n.width;
    const int64_t numel = n.channels * batch * spatial;
    if (uses[id] == 0 && hook_mult[id] == 0) continue;  // dead node
    const auto op_start = std::chrono::steady_clock::now();
    std::vector<T> out = acquire(static_cast<size_t>(numel));
    T* y = out.data();
    auto in_data = [&](size_t k) { return values[static_cast<size_t>(n.inputs[k])].data(); };
    auto in_node = [&](size_t k) -> const Node& { return nodes[static_cast<size_t>(n.inputs[k])]; };

    switch (n.op) {
      case OpKind::Input: {
        // NCHW -> [C][B][HW]
#pragma omp parallel for num_threads(nthreads) collapse(2)
        for (int64_t c = 0; c < n.channels; ++c)
          for (int64_t b = 0; b < batch; ++b)
            for (int64_t s = 0; s < spatial; ++s)
              y[(c * batch + b) * spatial + s] = static_cast<T>(input.data[static_cast<size_t>((b * n.channels + c) * spatial + s)]);
        break;
      }
      case OpKind::Conv: {
        const Node& src = in_node(0);
        const T* x = in_data(0);
        const int k = n.kernel;
        const int64_t rows = src.channels * k * k;
        const T* wgt = pv.get(n.weight, n.channels * rows);
        const int64_t ldc = batch * spatial;
        if (k == 1 && n.stride == 1 && n.pad == 0) {
          // A 1x1 convolution reads the input as the GEMM's right-hand matrix directly.
          const int64_t per = (ldc + nthreads - 1) / nthreads;
#pragma omp parallel for num_threads(nthreads) schedule(static)
          for (int t = 0; t < nthreads; ++t) {
            const int64_t c0 = t * per, c1 = std::min(ldc, c0 + per);
            if (c1 > c0)
              gemm(static_cast<int>(n.channels), static_cast<int>(c1 - c0), static_cast<int>(rows), wgt,
                   static_cast<int>(rows), x + c0, static_cast<int>(ldc), y + c0, static_cast<int>(ldc));
          }
        } else {
          // Blocks of images whose im2col matrix stays near 1 MB, one block per thread at a time.
          const int64_t per_image = rows * spatial;
          const int64_t block = std::max<int64_t>(1, (int64_t{1} << 18) / std::max<int64_t>(1, per_image));
          const int64_t nblocks = (batch + block - 1) / block;
#pragma omp parallel for num_threads(nthreads) schedule(dynamic)
          for (int64_t blk = 0; blk < nblocks; ++blk) {
            const int64_t b0 = blk * block, b1 = std::min(batch, b0 + block);
            auto& col = scratch_[static_cast<size_t>(omp_get_thread_num())];
            if (col.size() < static_cast<size_t>(per_image * block)) col.resize(static_cast<size_t>(per_image * block));
            im2col(x, src.channels, batch, src.height, src.width, k, n.stride, n.pad, n.height, n.width, b0, b1,
                   col.data());
            const int64_t ncols = (b1 - b0) * spatial;
            gemm(static_cast<int>(n.channels), static_cast<int>(ncols), static_cast<int>(rows), wgt,
                 static_cast<int>(rows), col.data(), static_cast<int>(ncols), y + b0 * spatial, static_cast<int>(ldc));
          }
        }
        break;
      }
      case OpKind::BatchNorm: {
        const T* x = in_data(0);
        const T* gamma = pv.get(n.weight, n.channels);
        const T* beta = pv.get(n.bias, n.channels);
        const int64_t count = batch * spatial;
#pragma omp parallel for num_threads(nthreads) schedule(static)
        for (int64_t c = 0; c < n.channels; ++c) {
          const T* xc = x + c * count;
          T* yc = y + c * count;
          // Statistics in double, as PyTorch's CPU kernel accumulates them: the mean, then the squared
          // deviations from it (two passes, no cancellation).
          const double mean = sum_double(xc, count, [](double v) { return v; }) / static_cast<double>(count);
          const double sq = sum_double(xc, count, [mean](double v) { return (v - mean) * (v - mean); });
          const double invstd = 1.0 / std::sqrt(sq / static_cast<double>(count) + kBatchNormEps);
          const T m = static_cast<T>(mean), is = static_cast<T>(invstd), g = gamma[c], bb = beta[c];
          for (int64_t i = 0; i < count; ++i) yc[i] = (xc[i] - m) * is * g + bb;
        }
        break;
      }
      case OpKind::Relu: {
        const T* x = in_data(0);
#pragma omp parallel for num_threads(nthreads) schedule(static)
        for (int64_t i = 0; i < numel; ++i) y[i] = x[i] > T(0) ? x[i] : T(0);
        break;
      }
      case OpKind::Add: {
        // Left to right, as the reference sums a node's edges; the first two inputs in one pass, each
        // further one accumulated in place.
        const T* __restrict a = in_data(0);
        const T* __restrict b = in_data(1);
#pragma omp parallel for num_threads(nthreads) schedule(static)
        for (int64_t i = 0; i < numel; ++i) y[i] = a[i] + b[i];
        for (size_t k = 2; k < n.inputs.size(); ++k) {
          const T* __restrict c = in_data(k);
#pragma omp parallel for num_threads(nthreads) schedule(static)
          for (int64_t i = 0; i < numel; ++i) y[i] += c[i];
        }
        break;
      }
      case OpKind::Zero: {
        std::fill(out.begin(), out.end(), T(0));
        break;
      }
      case OpKind::AvgPool3x3: {
        const T* x = in_data(0);
        const int64_t h = n.height, w = n.width, planes = n.channels * batch;
#pragma omp parallel for num_threads(nthreads) schedule(static)
        for (int64_t p = 0; p < planes; ++p) avg_pool3x3_plane(x + p * spatial, y + p * spatial, h, w);
        break;
      }
      case OpKind::AvgPool2x2: {
        const T* x = in_data(0);
        const Node& src = in_node(0);
        const int64_t planes = n.channels * batch, wi = src.width;
#pragma omp parallel for num_threads(nthreads) schedule(static)
        for (int64_t p = 0; p < planes; ++p) {
          const T* s = x + p * src.height * wi;
          T* d = y + p * spatial;
          for (int64_t oy = 0; oy < n.height; ++oy)
            for (int64_t ox = 0; ox < n.width; ++ox) {
              const T* q = s + 2 * oy * wi + 2 * ox;
              d[oy * n.width + ox] = (q[0] + q[1] + q[wi] + q[wi + 1]) / T(4);
            }
        }
        break;
      }
      case OpKind::GlobalAvgPool: {
        const T* x = in_data(0);
        const Node& src = in_node(0);
        const int64_t area = src.height * src.width, planes = n.channels * batch;
        for (int64_t p = 0; p < planes; ++p) {
          T sum = 0;
          for (int64_t s = 0; s < area; ++s) sum += x[p * area + s];
          y[p] = sum / static_cast<T>(area);
        }
        break;
      }
      case OpKind::Linear: {
        const T* x = in_data(0);  // [Cin][B]
        const int64_t cin = in_node(0).channels;
        const T* wgt = pv.get(n.weight, n.channels * cin);
        const T* bias = pv.get(n.bias, n.channels);
        for (int64_t o = 0; o < n.channels; ++o)
          for (int64_t b = 0; b < batch; ++b) {
            T acc = 0;
            for (int64_t c = 0; c < cin; ++c) acc += wgt[o * cin + c] * x[c * batch + b];
            y[o * batch + b] = acc + bias[o];
          }
        break;
      }
    }
    values[id] = std::move(out);
    const auto op_end = std::chrono::steady_clock::now();
    op_seconds_[static_cast<size_t>(n.op)] += std::chrono::duration<double>(op_end - op_start).count();
    if (hook_mult[id] > 0 && on_hook) {
      on_hook(HookedTensor<T>{static_cast<int>(id), hook_mult[id], values[id].data(), n.channels, batch, spatial});
      hook_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - op_end).count();
    }
    for (int i : n.inputs)
      if (--uses[static_cast<size_t>(i)] == 0) release(std::move(values[static_cast<size_t>(i)]));
    if (uses[id] == 0) release(std::move(values[id]));  // hooked only
  }

  // [C][B][HW] -> [B, C, H, W]
  const Node& o = nodes[static_cast<size_t>(net.output())];
  const int64_t spatial = o.height * o.width;
  BasicTensor<T> result({batch, o.channels, o.height, o.width});
  const auto& v = values[static_cast<size_t>(net.output())];
  for (int64_t c = 0; c < o.channels; ++c)
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t s = 0; s < spatial; ++s)
        result.data[static_cast<size_t>((b * o.channels + c) * spatial + s)] = v[static_cast<size_t>((c * batch + b) * spatial + s)];
  release(std::move(values[static_cast<size_t>(net.output())]));
  return result;
}

template class CpuExecutor<float>;
template class CpuExecutor<double>;

}  // namespace zcnas
