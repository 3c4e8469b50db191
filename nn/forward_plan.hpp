// The plan of one forward, made on the host and independent of the device: which ops run in which order,
// what each one reads and writes, and where every tensor lives in one arena (counted in elements; each
// device lays them out its own way, kernels/tensor_layout.hpp).
//  - Batch norm, 3x3 pooling with stride 1 and truncation are not stored when adds and concatenations are their only
//    consumers: those apply them while reading (terms of the fused node kernel, kernels/pointwise.hpp), and a
//    concatenation is one fused step whose terms cover its parts' channels.
//  - A node's ReLU and its sign bits are written by the step that produces the node.
//  - Exactly-zero tensors (`none` edges and what they feed) are not computed; a consumer that must read one
//    reads a shared zero buffer. An add with one non-zero input aliases it: skips cost no copy.
//  - Buffers get arena offsets by liveness (best fit), so a forward needs one allocation of plan.arena_floats.
//  - Tapped nodes are stored whole and live to the end of the forward, for scores that read values (MeCo's
//    module outputs, Zen-score's features).
// nn/plan_executor.hpp runs it on any device's op table.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "kernels/pointwise.hpp"
#include "nn/network.hpp"

namespace zcnas {

constexpr int kNoBuffer = -1;
constexpr int kInputBuffer = -2;  // the caller's input batch
constexpr int kZeroBuffer = -3;   // the executor's zeros (at least plan.zero_floats of them)

enum class StepKind {
  Conv,            // in -> out, the node's weight
  BatchNormStats,  // in -> statistics slot `stats` (ChannelAffine per channel, the node's weight and bias)
  Pointwise,       // terms -> out (the value, or none), relu, sign bits
  AvgPool2x2,      // in -> out
  MaxPool2x2,      // in -> out
  AvgPool3x3,      // in -> out, stride 2 (stride-1 3x3 pooling is a term of the fused node step)
  MaxPool3x3,      // in -> out, stride 2
  GlobalAvgPool,   // in -> out
  Linear,          // in -> out, the node's weight and bias
};
constexpr int kStepKinds = static_cast<int>(StepKind::Linear) + 1;
const char* step_name(StepKind kind);

// A term of a fused step: PointwiseTerm's fields, with a buffer and a statistics slot for its pointers.
struct TermPlan {
  TermKind kind = TermKind::Plain;
  int buffer = kNoBuffer;
  int stats = -1;  // BatchNorm: the statistics slot
  int64_t first_channel = 0, channels = 0, x_channels = 0;
};

struct Step {
  StepKind kind = StepKind::Conv;
  int node = 0;  // the node whose shape and parameters the step uses
  int in = kNoBuffer;
  int out = kNoBuffer;
  int relu = kNoBuffer;  // Pointwise: max(value, 0)
  int stats = -1;        // BatchNormStats: the slot written
  int n_terms = 0;       // Pointwise
  std::array<TermPlan, kMaxPointwiseTerms> terms{};
  int bits_group = -1;      // Pointwise: sign bits go to this group ...
  int64_t bits_offset = 0;  // ... starting at this word of each of its rows
};

// The sign bits of every hooked tensor counted `multiplicity` times by NASWOT and `relu_multiplicity` times as
// a ReLU module's output: [batch][words] words at `base` in the bits arena, each row the concatenation of
// those tensors' codes (tensor_units of them, each padded to whole words).
struct BitsGroup {
  int64_t multiplicity = 0, units = 0, words = 0, base = 0;
  int64_t relu_multiplicity = 0;
  std::vector<int64_t> tensor_units;
};

struct ForwardPlan {
  std::vector<Step> steps;
  std::vector<int64_t> buffer_floats;  // per buffer
  std::vector<int64_t> buffer_offset;  // per buffer, floats into the arena (256-byte aligned)
  int64_t arena_floats = 0;
  std::vector<int64_t> stats_offset;  // per statistics slot, in ChannelAffine entries
  int64_t stats_entries = 0;
  std::vector<BitsGroup> groups;
  int64_t bits_words = 0;
  int64_t zero_floats = 0;
  int64_t constant_agreement = 0;   // multiplicity * units over hooked tensors that are exactly zero
  int64_t relu_constant_units = 0;  // relu_multiplicity * units over the same tensors
  int output_buffer = kNoBuffer;    // a buffer, kInputBuffer or kZeroBuffer
  std::vector<int> tap_buffers;     // per tap, in the order asked: a buffer, kInputBuffer or kZeroBuffer
  std::vector<int> node_stats;      // per node: the statistics slot of a batch-norm node, else -1
};

// What a forward keeps for its caller besides its output.
struct PlanOutputs {
  bool sign_bits = false;              // the hooked tensors' codes (hooks are ignored otherwise)
  std::vector<int> taps;               // nodes stored whole and kept until the forward ends
  bool batch_norm_statistics = false;  // every batch norm's statistics, even one whose output nothing reads
};

ForwardPlan plan_forward(const Network& net, int64_t batch, const PlanOutputs& outputs);
inline ForwardPlan plan_forward(const Network& net, int64_t batch, bool sign_bits) {
  return plan_forward(net, batch, PlanOutputs{sign_bits, {}, false});
}

}  // namespace zcnas
