// A network description: a graph of forward-only ops that does not know the device. Spaces build it,
// executors (CPU, CUDA) run it, scores observe its hooked tensors.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.hpp"

namespace zcnas {

enum class OpKind {
  Input,      // the batch, [B, C, H, W]
  Conv,       // no bias; stride, pad, dilation, groups, shift; weight [Cout, Cin / groups, k, k]
  BatchNorm,  // train mode: the batch's own mean and biased variance over (N, H, W), eps 1e-5
  Relu,
  Add,            // sum of its inputs, left to right
  Zero,           // zeros of the given shape (the `none` op's sum)
  AvgPool3x3,     // stride 1 or 2, pad 1, count_include_pad = False
  MaxPool3x3,     // stride 1 or 2, pad 1 (padding never wins)
  AvgPool2x2,     // stride 2, no padding
  MaxPool2x2,     // stride 2, no padding
  GlobalAvgPool,  // [B, C, H, W] -> [B, C, 1, 1]
  Linear,         // [B, C, 1, 1] -> [B, out, 1, 1]; weight [out, C], bias [out]
  Truncate,       // the first `channels` channels of its input
  Concat,         // its inputs side by side along the channels, in order
};

const char* op_name(OpKind op);

constexpr double kBatchNormEps = 1e-5;

struct Node {
  OpKind op = OpKind::Input;
  std::vector<int> inputs;
  int64_t channels = 0, height = 0, width = 0;  // per-sample output shape
  int kernel = 0, stride = 1, pad = 0;          // Conv; stride of 3x3 pools too
  int dilation = 1, groups = 1, shift = 0;      // Conv: see ConvOptions
  std::string weight, bias;                     // parameter names, "" when absent
};

// How a parameter is drawn by default (PyTorch's defaults) and what it is for a constant-weight pass.
enum class ParamRole { Weight, Bias };
enum class ParamInit { Uniform, Normal, Ones, Zeros };

struct ParamSpec {
  std::string name;
  Shape shape;
  ParamRole role = ParamRole::Weight;
  ParamInit init = ParamInit::Uniform;
  double bound = 0.0;  // Uniform: U(-bound, +bound), bound = 1/sqrt(fan_in)
  double std = 0.0;    // Normal: N(0, std^2)
};

// A tensor whose sign pattern a score observes, counted `multiplicity` times by NASWOT (SPEC.md §2, wrappers
// included). relu_modules: how many ReLU modules of the reference output sign(this tensor); SWAP and linear
// regions (SPEC.md §8) read those outputs only, once per module.
struct Hook {
  int node = 0;
  int multiplicity = 0;
  int relu_modules = 0;
};

// The output of one module of the reference network (a leaf, a wrapper or a container), in the order its
// forward hook fires there: children before parents. A tensor that several modules return appears once per
// module. MeCo (SPEC.md §8.2) reads every one.
struct ModuleOutput {
  std::string name;  // the module's name in named_modules(); "" for the root
  int node = 0;
};

// A convolution's less common settings, as PyTorch's nn.Conv2d has them, and one it lacks.
struct ConvOptions {
  int dilation = 1;  // spacing of the kernel's taps
  int groups = 1;    // channel groups; groups == Cin == Cout is a depthwise convolution
  // The convolution reads x shifted up and left: input row y + shift, column x + shift where x[:, :, y, x] would
  // be read (DARTS' FactorizedReduce convolves x[:, :, 1:, 1:] padded back at the bottom and right). Needs
  // pad 0, and no output may read the shifted-in zeros.
  int shift = 0;
};

class Network {
 public:
  int input(int64_t channels, int64_t height, int64_t width);
  int conv(int x, int64_t out_channels, int kernel, int stride, int pad, const std::string& weight,
           const ConvOptions& options = {});
  int batch_norm(int x, const std::string& prefix);  // parameters prefix.weight, prefix.bias
  int relu(int x);                                    // one ReLU node per input, shared by its consumers
  int add(const std::vector<int>& xs);
  int zero_like(int x);
  int avg_pool3x3(int x, int stride = 1);  // output (H - 1) / stride + 1 square
  int max_pool3x3(int x, int stride = 1);
  int avg_pool2x2(int x);
  int max_pool2x2(int x);
  int global_avg_pool(int x);
  int linear(int x, int64_t out_features, const std::string& prefix);  // prefix.weight, prefix.bias
  int truncate(int x, int64_t channels);                               // x itself when it has exactly `channels`
  int concat(const std::vector<int>& xs);                              // the input itself when there is one

  // Replaces the default draw of parameter `name` (a space whose reference re-initialises its weights):
  // Normal takes `std`, the others ignore it. Throws naming an unknown parameter.
  void set_param_init(const std::string& name, ParamInit init, double std = 0.0);

  // Observe node x's sign pattern `multiplicity` more times, `relu_modules` of them as a ReLU module's output
  // (repeated hooks of one node merge).
  void hook(int x, int multiplicity, int relu_modules = 0);
  void set_output(int x);
  // Record that the reference module `name` returns node x (call in the order the modules' hooks fire).
  void module_output(const std::string& name, int x);

  const std::vector<Node>& nodes() const { return nodes_; }
  const Node& node(int i) const { return nodes_.at(static_cast<size_t>(i)); }
  const std::vector<ParamSpec>& params() const { return params_; }
  const std::vector<Hook>& hooks() const { return hooks_; }
  const std::vector<ModuleOutput>& module_outputs() const { return module_outputs_; }
  int output() const { return output_; }

  int64_t units(int x) const;          // per-sample elements of node x
  int64_t hooked_tensors() const;      // hooks counted with multiplicity
  int64_t hooked_units() const;        // per-sample units over all hooks, with multiplicity
  int64_t relu_tensors() const;        // ReLU-module outputs among the hooks, once per module
  int64_t relu_units() const;          // per-sample units of those, once per module
  int64_t parameter_count() const;     // every learnable parameter (BN affine included)
  int64_t multiply_adds() const;       // per sample: conv and linear multiply-accumulates

 private:
  int push(Node n);
  int same_shape_op(int x, OpKind op, bool halve);
  int pool3x3(int x, OpKind op, int stride);
  void add_param(const std::string& name, Shape shape, ParamRole role, ParamInit init, double bound);

  std::vector<Node> nodes_;
  std::vector<ParamSpec> params_;
  std::vector<Hook> hooks_;
  std::vector<ModuleOutput> module_outputs_;
  std::vector<int> relu_of_;  // relu_of_[x]: the Relu node reading x, or -1
  int output_ = -1;
};

}  // namespace zcnas
