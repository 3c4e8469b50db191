// The CPU executor's ops against direct NCHW definitions computed in double.
#include <cblas.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "nn/cpu_executor.hpp"
#include "nn/params.hpp"
#include "test_support.hpp"

namespace zcnas {
namespace {

using test::random_input;

double at(const Tensor& t, int64_t b, int64_t c, int64_t y, int64_t x) {
  return t.data[static_cast<size_t>(((b * t.shape[1] + c) * t.shape[2] + y) * t.shape[3] + x)];
}

// Float32 results against a double reference: sums of up to K products of O(1) values round to within
// about K * 2^-24 relative; 1e-4 absolute + relative covers K <= 576 with margin.
void expect_close(const Tensor& got, const std::vector<double>& want) {
  ASSERT_EQ(static_cast<size_t>(got.numel()), want.size());
  for (size_t i = 0; i < want.size(); ++i)
    ASSERT_NEAR(got.data[i], want[i], 1e-4 + 1e-4 * std::fabs(want[i])) << "element " << i;
}

struct OneOp {
  Network net;
  int in = 0;
};

// 7x9 inputs take the im2col path; outputs whose width is a multiple of 8 take the direct AVX2 path
// (kernels/conv_cpu.cpp), in tiles that span one row (16 wide) or two (8 wide), and a last tile of 8 where the area
// is an odd number of 8s, with output channels split into blocks of up to 6 (13 = 5 + 4 + 4, 16 = 6 + 5 + 5); stride
// 2 there reads column phases split from even and odd input widths, padded or not. 3x3 ones of stride 1 and padding 1
// with even heights take Winograd F(2x2, 3x3): 2x2 tiles 4, 8 and 12 to a row of tiles (8, 16 and 24 wide), strips of
// 16 tiles and a last one of 8 (6x16: 24 tiles; 4x8: 8).
TEST(CpuExecutor, ConvolutionsMatchDirectDefinition) {
  struct Case {
    int64_t cin, h, w, cout;
    int k, stride, pad;
  };
  for (const Case& t : {Case{3, 7, 9, 5, 3, 1, 1},   Case{3, 7, 9, 5, 3, 2, 1},    Case{3, 7, 9, 5, 1, 1, 0},
                        Case{3, 7, 9, 5, 3, 1, 0},   Case{5, 8, 8, 13, 3, 1, 1},   Case{4, 4, 16, 6, 3, 1, 1},
                        Case{16, 8, 8, 7, 1, 1, 0},  Case{3, 10, 10, 8, 3, 1, 0},  Case{3, 32, 32, 7, 3, 1, 1},
                        Case{6, 16, 16, 4, 3, 1, 1}, Case{4, 3, 8, 16, 3, 1, 1},   Case{5, 5, 8, 11, 1, 1, 0},
                        Case{5, 16, 16, 7, 3, 2, 1}, Case{3, 17, 17, 6, 3, 2, 0},  Case{4, 16, 15, 9, 3, 2, 1},
                        Case{4, 16, 16, 9, 1, 2, 0}, Case{5, 6, 16, 7, 3, 1, 1},   Case{3, 8, 24, 9, 3, 1, 1},
                        Case{4, 4, 8, 6, 3, 1, 1},   Case{16, 16, 16, 16, 3, 1, 1}}) {
    SCOPED_TRACE(::testing::Message() << t.cin << "x" << t.h << "x" << t.w << " -> " << t.cout << ", k" << t.k << " s"
                                      << t.stride << " p" << t.pad);
    Network net;
    const int x = net.input(t.cin, t.h, t.w);
    net.set_output(net.conv(x, t.cout, t.k, t.stride, t.pad, "w"));
    const ParamStore params = init_params(net, 2);
    const Tensor in = random_input(3, t.cin, t.h, t.w, 1);
    CpuExecutor<float> exec;
    const Tensor out = exec.forward(net, params, in);
    const Tensor& w = params.at("w");
    const int64_t ho = (t.h + 2 * t.pad - t.k) / t.stride + 1, wo = (t.w + 2 * t.pad - t.k) / t.stride + 1;
    ASSERT_EQ(out.shape, (Shape{3, t.cout, ho, wo}));
    std::vector<double> want;
    double worst = 0;  // largest error relative to the sum of the terms' magnitudes
    for (int64_t b = 0; b < 3; ++b)
      for (int64_t co = 0; co < t.cout; ++co)
        for (int64_t oy = 0; oy < ho; ++oy)
          for (int64_t ox = 0; ox < wo; ++ox) {
            double s = 0, magnitude = 0;
            for (int64_t ci = 0; ci < t.cin; ++ci)
              for (int ky = 0; ky < t.k; ++ky)
                for (int kx = 0; kx < t.k; ++kx) {
                  const int64_t iy = oy * t.stride - t.pad + ky, ix = ox * t.stride - t.pad + kx;
                  if (iy < 0 || iy >= t.h || ix < 0 || ix >= t.w) continue;
                  const double term =
                      w.data[static_cast<size_t>(((co * t.cin + ci) * t.k + ky) * t.k + kx)] * at(in, b, ci, iy, ix);
                  s += term;
                  magnitude += std::fabs(term);
                }
            want.push_back(s);
            worst = std::max(worst, std::fabs(out.data[want.size() - 1] - s) / magnitude);
          }
    expect_close(out, want);
    // Direct sums and Winograd alike: measured at most 2.1e-7 (1.8 float epsilons) over these cases.
    EXPECT_LE(worst, 4 * std::numeric_limits<float>::epsilon());
  }
}

TEST(CpuExecutor, TrainModeBatchNormUsesBatchStatistics) {
  Network net;
  const int x = net.input(3, 5, 6);
  net.set_output(net.batch_norm(x, "bn"));
  ParamStore params = init_params(net, 0);
  params.set("bn.weight", Tensor({3}, 1.5f));
  params.set("bn.bias", Tensor({3}, -0.25f));
  const Tensor in = random_input(4, 3, 5, 6, 3);
  CpuExecutor<float> exec;
  const Tensor out = exec.forward(net, params, in);
  std::vector<double> mean(3, 0), var(3, 0);
  const double n = 4 * 5 * 6;
  for (int64_t c = 0; c < 3; ++c) {
    for (int64_t b = 0; b < 4; ++b)
      for (int64_t i = 0; i < 30; ++i) mean[c] += at(in, b, c, i / 6, i % 6) / n;
    for (int64_t b = 0; b < 4; ++b)
      for (int64_t i = 0; i < 30; ++i) var[c] += std::pow(at(in, b, c, i / 6, i % 6) - mean[c], 2) / n;  // biased
  }
  std::vector<double> want;
  for (int64_t b = 0; b < 4; ++b)
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t i = 0; i < 30; ++i)
        want.push_back((at(in, b, c, i / 6, i % 6) - mean[c]) / std::sqrt(var[c] + 1e-5) * 1.5 - 0.25);
  expect_close(out, want);
}

TEST(CpuExecutor, PoolsAddReluZeroHead) {
  Network net;
  const int x = net.input(2, 5, 6);
  const int pooled = net.avg_pool3x3(x);
  const int sum = net.add({pooled, net.relu(x), x});
  const int half = net.avg_pool2x2(sum);  // [2, 2, 3]
  const int gap = net.global_avg_pool(half);
  net.set_output(net.linear(gap, 3, "fc"));
  const ParamStore params = init_params(net, 5);
  const Tensor in = random_input(3, 2, 5, 6, 4);
  CpuExecutor<float> exec;
  const Tensor out = exec.forward(net, params, in);
  std::vector<double> want;
  for (int64_t b = 0; b < 3; ++b) {
    std::vector<double> feat(2, 0.0);
    for (int64_t c = 0; c < 2; ++c) {
      auto s = [&](int64_t y, int64_t xx) {
        double acc = 0;
        int cnt = 0;  // count_include_pad = False: divide by the in-bounds count
        for (int64_t dy = -1; dy <= 1; ++dy)
          for (int64_t dx = -1; dx <= 1; ++dx)
            if (y + dy >= 0 && y + dy < 5 && xx + dx >= 0 && xx + dx < 6) acc += at(in, b, c, y + dy, xx + dx), ++cnt;
        const double v = at(in, b, c, y, xx);
        return acc / cnt + std::max(v, 0.0) + v;
      };
      for (int64_t oy = 0; oy < 2; ++oy)
        for (int64_t ox = 0; ox < 3; ++ox)
          feat[c] += (s(2 * oy, 2 * ox) + s(2 * oy, 2 * ox + 1) + s(2 * oy + 1, 2 * ox) + s(2 * oy + 1, 2 * ox + 1)) / 4 / 6;
    }
    const Tensor& w = params.at("fc.weight");
    const Tensor& bias = params.at("fc.bias");
    for (int64_t o = 0; o < 3; ++o) want.push_back(bias.data[o] + w.data[o * 2] * feat[0] + w.data[o * 2 + 1] * feat[1]);
  }
  expect_close(out, want);

  Network zeros;
  const int zi = zeros.input(2, 4, 4);
  zeros.set_output(zeros.zero_like(zi));
  const Tensor z = exec.forward(zeros, ParamStore{}, random_input(2, 2, 4, 4, 9));
  for (float v : z.data) ASSERT_EQ(v, 0.0f);
}

TEST(CpuExecutor, SignBitsOfEveryHookedTensorOnceWithItsMultiplicity) {
  Network net;
  const int x = net.input(2, 4, 4);
  const int c = net.conv(net.relu(x), 3, 3, 1, 1, "w");
  net.hook(x, 2);
  net.hook(c, 1);
  net.hook(x, 2);  // merges: x counted 4 times, its codes computed once
  net.set_output(c);
  CpuExecutor<float> exec;
  const HookedSignBits bits = exec.forward_sign_bits(net, init_params(net, 0), random_input(3, 2, 4, 4, 2));
  std::vector<std::pair<int64_t, int64_t>> groups;  // (multiplicity, units) in plan order
  for (const SignBitsGroup& g : bits.groups) groups.emplace_back(g.multiplicity, g.units);
  EXPECT_EQ(groups, (std::vector<std::pair<int64_t, int64_t>>{{4, 2 * 4 * 4}, {1, 3 * 4 * 4}}));
  EXPECT_EQ(bits.tensors, 5);
  EXPECT_EQ(bits.units, 4 * 32 + 48);
  EXPECT_EQ(bits.batch, 3);
}

TEST(CpuExecutor, WrongInputShapeIsAClearError) {
  Network net;
  net.set_output(net.input(3, 8, 8));
  CpuExecutor<float> exec;
  try {
    exec.forward(net, ParamStore{}, Tensor({2, 3, 4, 4}));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[2, 3, 4, 4]"), std::string::npos) << e.what();
  }
}

TEST(CpuExecutor, Float32AndFloat64AgreeOnAFullNetwork) {
  Network net;
  int x = net.input(3, 8, 8);
  x = net.batch_norm(net.conv(x, 8, 3, 1, 1, "a"), "bn");
  x = net.add({x, net.avg_pool3x3(x)});
  x = net.batch_norm(net.conv(net.relu(x), 8, 3, 2, 1, "b"), "bn2");
  net.set_output(net.linear(net.global_avg_pool(net.relu(x)), 2, "fc"));
  const ParamStore params = init_params(net, 1);
  const Tensor in = random_input(5, 3, 8, 8, 6);
  CpuExecutor<float> f32;
  CpuExecutor<double> f64;
  const Tensor a = f32.forward(net, params, in);
  const TensorF64 b = f64.forward(net, params, in);
  expect_close(a, b.data);
}

// The executor stops OpenBLAS's idle worker threads when it starts; code beside it in the process (numpy under the
// Python module, a host program's own GEMMs) must still get multi-threaded BLAS, and exact results, afterwards.
TEST(CpuExecutor, BlasStillRunsOnSeveralThreadsAfterAnExecutorStarts) {
  const CpuExecutor<float> executor;
  constexpr int n = 192;  // large enough for OpenBLAS to split the product between threads
  std::vector<double> a(n * n), b(n * n), c(n * n, -1.0);
  for (int i = 0; i < n * n; ++i) {
    a[static_cast<size_t>(i)] = static_cast<double>(i % 7 - 3);
    b[static_cast<size_t>(i)] = static_cast<double>(i % 5 - 2);
  }
  openblas_set_num_threads(2);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a.data(), n, b.data(), n, 0.0, c.data(), n);
  openblas_set_num_threads(1);
  for (int i = 0; i < n; i += 37)
    for (int j = 0; j < n; j += 41) {
      double want = 0;  // small integers: exact in any order
      for (int k = 0; k < n; ++k) want += a[static_cast<size_t>(i * n + k)] * b[static_cast<size_t>(k * n + j)];
      ASSERT_EQ(c[static_cast<size_t>(i * n + j)], want) << "row " << i << " column " << j;
    }
}

}  // namespace
}  // namespace zcnas
