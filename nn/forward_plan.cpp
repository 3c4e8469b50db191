// Forward planning: liveness, fusion of batch norm / pooling / ReLU / sign bits into node steps, zero
// propagation and arena offsets (see forward_plan.hpp).
#include "nn/forward_plan.hpp"

#include <algorithm>
#include <climits>
#include <map>

#include "core/error.hpp"
#include "kernels/tensor_layout.hpp"

namespace zcnas {
namespace {

enum class ValueKind {
  Dead,      // not needed
  Zero,      // exactly zero everywhere: nothing is stored
  Buffer,    // stored in term.buffer
  Term,      // not stored: `term` (batch norm, 3x3 pooling or a truncation of a buffer), applied by its readers
  Unstored,  // computed, but every consumer took what it needs (ReLU, sign bits) from the producing step
};

struct Value {
  ValueKind kind = ValueKind::Dead;
  TermPlan term;  // Buffer: a plain term of the buffer; Term: the term
};

Value zero_value() { return {ValueKind::Zero, {}}; }
Value stored_value(int buffer) { return {ValueKind::Buffer, {TermPlan{TermKind::Plain, buffer, -1}}}; }
// A node whose value is `term` read over all its channels: stored when that is a plain read of a whole buffer.
Value value_of(const TermPlan& term, int64_t node_channels) {
  const bool whole = term.x_channels == 0 || term.x_channels == node_channels;
  if (term.kind == TermKind::Plain && whole) return stored_value(term.buffer);
  return {ValueKind::Term, term};
}

// Offsets in one arena for buffers with known lifetimes: best fit among free blocks, else the top grows.
class ArenaAllocator {
 public:
  static constexpr int64_t kAlign = 64;  // floats: 256-byte aligned tensors

  int64_t allocate(int64_t floats) {
    floats = (floats + kAlign - 1) / kAlign * kAlign;
    auto best = free_.end();
    for (auto it = free_.begin(); it != free_.end(); ++it)
      if (it->second >= floats && (best == free_.end() || it->second < best->second)) best = it;
    if (best != free_.end()) {
      const int64_t offset = best->first, left = best->second - floats;
      free_.erase(best);
      if (left > 0) free_.emplace(offset + floats, left);
      return offset;
    }
    // Extend the top, reusing a free block that ends there.
    int64_t offset = top_;
    if (!free_.empty()) {
      auto last = std::prev(free_.end());
      if (last->first + last->second == top_) {
        offset = last->first;
        free_.erase(last);
      }
    }
    top_ = offset + floats;
    return offset;
  }

  void release(int64_t offset, int64_t floats) {
    floats = (floats + kAlign - 1) / kAlign * kAlign;
    auto it = free_.emplace(offset, floats).first;
    auto next = std::next(it);
    if (next != free_.end() && it->first + it->second == next->first) {
      it->second += next->second;
      free_.erase(next);
    }
    if (it != free_.begin()) {
      auto prev = std::prev(it);
      if (prev->first + prev->second == it->first) {
        prev->second += it->second;
        free_.erase(it);
      }
    }
  }

  int64_t peak() const { return top_; }

 private:
  std::map<int64_t, int64_t> free_;  // offset -> floats
  int64_t top_ = 0;
};

bool needs_stored_input(OpKind op) {
  return op == OpKind::Conv || op == OpKind::BatchNorm || op == OpKind::AvgPool3x3 || op == OpKind::MaxPool3x3 ||
         op == OpKind::AvgPool2x2 || op == OpKind::MaxPool2x2 || op == OpKind::GlobalAvgPool || op == OpKind::Linear;
}

// Ops that read their inputs as terms (with batch norm, pooling or truncation still to apply).
bool reads_terms(OpKind op) { return op == OpKind::Add || op == OpKind::Concat || op == OpKind::Truncate; }

class Planner {
 public:
  Planner(const Network& net, int64_t batch, const PlanOutputs& outputs, ForwardPlan& plan)
      : net_(net), batch_(batch), plan_(plan), n_(net.nodes().size()), outputs_(outputs), taps_(outputs.taps) {
    value_.assign(n_, Value{});
    live_.assign(n_, false);
    hook_.assign(n_, 0);
    relu_hook_.assign(n_, 0);
    stored_.assign(n_, false);
    term_reader_.assign(n_, false);
    relus_.assign(n_, {});
    plan_.node_stats.assign(n_, -1);
    for (int t : taps_)
      ZCNAS_REQUIRE(t >= 0 && static_cast<size_t>(t) < n_, "forward plan: tap of node {}, which does not exist", t);
    if (outputs.sign_bits)
      for (const auto& h : net.hooks()) {
        hook_[static_cast<size_t>(h.node)] += h.multiplicity;
        relu_hook_[static_cast<size_t>(h.node)] += h.relu_modules;
      }
    analyse();
  }

  void build() {
    for (size_t id = 0; id < n_; ++id)
      if (live_[id]) plan_node(static_cast<int>(id));
    const int out = net_.output();
    const Value& v = value_[static_cast<size_t>(out)];
    if (v.kind == ValueKind::Zero) {
      plan_.output_buffer = kZeroBuffer;
      plan_.zero_floats = std::max(plan_.zero_floats, numel(out));
    } else {
      ZCNAS_REQUIRE(v.kind == ValueKind::Buffer, "forward plan: output node {} was not stored", out);
      plan_.output_buffer = v.term.buffer;
    }
    for (int t : taps_) plan_.tap_buffers.push_back(stored_buffer(t));
    assign_offsets();
  }

 private:
  const Node& node(int id) const { return net_.node(id); }
  int64_t units(int id) const { return net_.units(id); }
  int64_t numel(int id) const { return batch_ * units(id); }

  void analyse() {
    ZCNAS_REQUIRE(n_ > 0 && node(0).op == OpKind::Input, "network has no input node");
    ZCNAS_REQUIRE(net_.output() >= 0, "network has no output node");
    live_[static_cast<size_t>(net_.output())] = true;
    for (int t : taps_) live_[static_cast<size_t>(t)] = stored_[static_cast<size_t>(t)] = true;
    for (size_t id = n_; id-- > 0;) {
      if (hooked(id) || (outputs_.batch_norm_statistics && node(static_cast<int>(id)).op == OpKind::BatchNorm))
        live_[id] = true;
      if (!live_[id]) continue;
      for (int in : node(static_cast<int>(id)).inputs) live_[static_cast<size_t>(in)] = true;
    }
    stored_[static_cast<size_t>(net_.output())] = true;
    for (size_t id = 0; id < n_; ++id) {
      if (!live_[id]) continue;
      const Node& n = node(static_cast<int>(id));
      for (int in : n.inputs) {
        const auto i = static_cast<size_t>(in);
        if (n.op == OpKind::Relu) {
          relus_[i].push_back(static_cast<int>(id));
          // ReLU(x) > 0 exactly where x > 0: a hooked ReLU counts as more hooks of its input.
          hook_[i] += hook_[id];
          hook_[id] = 0;
          relu_hook_[i] += relu_hook_[id];
          relu_hook_[id] = 0;
        } else if (reads_terms(n.op)) {
          term_reader_[i] = true;
        } else if (needs_stored_input(n.op)) {
          stored_[i] = true;
        }
      }
    }
  }

  int new_buffer(int64_t floats) {
    plan_.buffer_floats.push_back(floats);
    return static_cast<int>(plan_.buffer_floats.size()) - 1;
  }

  int new_stats(int64_t channels) {
    plan_.stats_offset.push_back(plan_.stats_entries);
    plan_.stats_entries += channels;
    return static_cast<int>(plan_.stats_offset.size()) - 1;
  }

  // The stored tensor behind a value that a consumer must read from memory.
  int stored_buffer(int id) {
    const Value& v = value_[static_cast<size_t>(id)];
    if (v.kind == ValueKind::Zero) {
      plan_.zero_floats = std::max(plan_.zero_floats, numel(id));
      return kZeroBuffer;
    }
    ZCNAS_REQUIRE(v.kind == ValueKind::Buffer, "forward plan: node {} ({}) is read but was not stored", id,
                  op_name(node(id).op));
    return v.term.buffer;
  }

  // Node id's value as a term of a reader; throws when it was not kept.
  TermPlan term_of(int id, int reader) const {
    const Value& v = value_[static_cast<size_t>(id)];
    ZCNAS_REQUIRE(v.kind == ValueKind::Buffer || v.kind == ValueKind::Term,
                  "forward plan: {} node {} reads node {}, which was not kept", op_name(node(reader).op), reader, id);
    return v.term;
  }

  void plan_node(int id) {
    const Node& n = node(id);
    Value& v = value_[static_cast<size_t>(id)];
    auto input = [&](size_t k) -> const Value& { return value_[static_cast<size_t>(n.inputs[k])]; };
    switch (n.op) {
      case OpKind::Input:
        v = stored_value(kInputBuffer);
        finish(id);
        return;
      case OpKind::Zero:
        v = zero_value();
        finish(id);
        return;
      case OpKind::Relu:
        // Written by the step that produced its input (see finish); only a ReLU of a ReLU needs more.
        ZCNAS_REQUIRE(v.kind != ValueKind::Dead, "forward plan: ReLU node {} was not produced with its input", id);
        finish(id);
        return;
      case OpKind::Conv:
        one_input_step(id, StepKind::Conv);
        return;
      case OpKind::AvgPool2x2:
        one_input_step(id, StepKind::AvgPool2x2);
        return;
      case OpKind::MaxPool2x2:
        one_input_step(id, StepKind::MaxPool2x2);
        return;
      case OpKind::GlobalAvgPool:
        one_input_step(id, StepKind::GlobalAvgPool);
        return;
      case OpKind::Linear: {
        Step s;
        s.kind = StepKind::Linear;
        s.node = id;
        s.in = stored_buffer(n.inputs[0]);  // zeros too: the bias still counts
        s.out = new_buffer(numel(id));
        plan_.steps.push_back(s);
        v = stored_value(s.out);
        finish(id);
        return;
      }
      case OpKind::BatchNorm: {
        Step s;
        s.kind = StepKind::BatchNormStats;
        s.node = id;
        s.in = stored_buffer(n.inputs[0]);
        s.stats = plan_.node_stats[static_cast<size_t>(id)] = new_stats(n.channels);
        plan_.steps.push_back(s);
        v = {ValueKind::Term, {TermKind::BatchNorm, s.in, s.stats}};
        finish(id);
        return;
      }
      case OpKind::AvgPool3x3:
      case OpKind::MaxPool3x3: {
        const bool avg = n.op == OpKind::AvgPool3x3;
        if (n.stride != 1) {  // a strided pool has a step of its own
          one_input_step(id, avg ? StepKind::AvgPool3x3 : StepKind::MaxPool3x3);
          return;
        }
        const TermKind kind = avg ? TermKind::AvgPool3x3 : TermKind::MaxPool3x3;
        v = input(0).kind == ValueKind::Zero ? zero_value()
                                             : Value{ValueKind::Term, {kind, stored_buffer(n.inputs[0]), -1}};
        finish(id);
        return;
      }
      case OpKind::Truncate:
        if (input(0).kind == ValueKind::Zero) {
          v = zero_value();
        } else {
          TermPlan t = term_of(n.inputs[0], id);
          if (t.x_channels == 0) t.x_channels = node(n.inputs[0]).channels;  // the buffer's channels, not ours
          v = value_of(t, n.channels);
        }
        finish(id);
        return;
      case OpKind::Add: {
        std::vector<TermPlan> terms;
        for (size_t k = 0; k < n.inputs.size(); ++k)
          if (input(k).kind != ValueKind::Zero) terms.push_back(term_of(n.inputs[k], id));  // zeros add nothing
        if (terms.empty()) {
          v = zero_value();
          finish(id);
        } else if (terms.size() == 1) {  // the other inputs are zero: an alias, no copy
          v = value_of(terms[0], n.channels);
          finish(id);
        } else {
          emit_pointwise(id, std::move(terms),
                         stored_[static_cast<size_t>(id)] || term_reader_[static_cast<size_t>(id)]);
        }
        return;
      }
      case OpKind::Concat: {
        std::vector<TermPlan> terms;
        int64_t first = 0;
        for (size_t k = 0; k < n.inputs.size(); ++k) {
          const int64_t channels = node(n.inputs[k]).channels;
          if (input(k).kind != ValueKind::Zero) {  // channels no term covers are zero
            TermPlan t = term_of(n.inputs[k], id);
            t.first_channel = first;
            t.channels = channels;
            terms.push_back(t);
          }
          first += channels;
        }
        if (terms.empty()) {
          v = zero_value();
          finish(id);
        } else {
          emit_pointwise(id, std::move(terms),
                         stored_[static_cast<size_t>(id)] || term_reader_[static_cast<size_t>(id)]);
        }
        return;
      }
    }
  }

  // Node id as a step of `kind` from its one stored input to a buffer of its own; none of these ops has a bias, so an
  // input of zeros gives zeros and no step.
  void one_input_step(int id, StepKind kind) {
    const int in = node(id).inputs[0];
    Value& v = value_[static_cast<size_t>(id)];
    if (value_[static_cast<size_t>(in)].kind == ValueKind::Zero) {
      v = zero_value();
    } else {
      Step s;
      s.kind = kind;
      s.node = id;
      s.in = stored_buffer(in);
      s.out = new_buffer(numel(id));
      plan_.steps.push_back(s);
      v = stored_value(s.out);
    }
    finish(id);
  }

  // Gives node id's ReLU consumers and hooks what they need, once its value is known.
  void finish(int id) {
    const auto i = static_cast<size_t>(id);
    Value& v = value_[i];
    if (v.kind == ValueKind::Zero) {
      plan_.constant_agreement += hook_[i] * units(id);  // all codes 0: every pair agrees everywhere
      plan_.relu_constant_units += relu_hook_[i] * units(id);
      for (int r : relus_[i]) value_[static_cast<size_t>(r)] = zero_value();
      return;
    }
    const bool hooked = this->hooked(i), relu = !relus_[i].empty();
    if (v.kind == ValueKind::Buffer) {
      if (hooked || relu) emit_pointwise(id, {v.term}, false);
      return;
    }
    // Batch norm, pooling or truncation not yet applied: stored only when a consumer cannot apply it itself.
    if (!hooked && !relu && !stored_[i]) return;
    emit_pointwise(id, {v.term}, stored_[i]);
  }

  // One fused node step (a chain of them past kMaxPointwiseTerms terms, keeping the left-to-right sum).
  void emit_pointwise(int id, std::vector<TermPlan> terms, bool store_value) {
    const auto i = static_cast<size_t>(id);
    while (terms.size() > static_cast<size_t>(kMaxPointwiseTerms)) {
      Step s;
      s.kind = StepKind::Pointwise;
      s.node = id;
      s.n_terms = kMaxPointwiseTerms;
      std::copy_n(terms.begin(), kMaxPointwiseTerms, s.terms.begin());
      s.out = new_buffer(numel(id));
      plan_.steps.push_back(s);
      terms.erase(terms.begin() + 1, terms.begin() + kMaxPointwiseTerms);
      terms[0] = {TermKind::Plain, s.out, -1};
    }
    Step s;
    s.kind = StepKind::Pointwise;
    s.node = id;
    s.n_terms = static_cast<int>(terms.size());
    std::copy(terms.begin(), terms.end(), s.terms.begin());
    if (store_value) s.out = new_buffer(numel(id));
    if (!relus_[i].empty()) s.relu = new_buffer(numel(id));
    if (hooked(i)) place_bits(id, s);
    plan_.steps.push_back(s);
    if (store_value) {
      value_[i] = stored_value(s.out);
    } else if (value_[i].kind == ValueKind::Dead) {
      value_[i] = {ValueKind::Unstored, {}};
    }
    for (int r : relus_[i]) value_[static_cast<size_t>(r)] = stored_value(s.relu);
  }

  void place_bits(int id, Step& s) {
    const int64_t m = hook_[static_cast<size_t>(id)], r = relu_hook_[static_cast<size_t>(id)];
    auto it = std::find_if(plan_.groups.begin(), plan_.groups.end(),
                           [&](const BitsGroup& g) { return g.multiplicity == m && g.relu_multiplicity == r; });
    if (it == plan_.groups.end()) it = plan_.groups.insert(plan_.groups.end(), BitsGroup{m, 0, 0, 0, r, {}});
    s.bits_group = static_cast<int>(it - plan_.groups.begin());
    s.bits_offset = it->words;
    it->words += sign_words(units(id));
    it->units += units(id);
    it->tensor_units.push_back(units(id));
  }

  // Buffers live from their writing step to their last reader; the output lives on.
  void assign_offsets() {
    const size_t nb = plan_.buffer_floats.size();
    std::vector<int> last(nb, -1);
    auto reads = [&](const Step& s, auto&& fn) {
      if (s.in >= 0) fn(s.in);
      for (int t = 0; t < s.n_terms; ++t)
        if (s.terms[static_cast<size_t>(t)].buffer >= 0) fn(s.terms[static_cast<size_t>(t)].buffer);
    };
    for (size_t k = 0; k < plan_.steps.size(); ++k)
      reads(plan_.steps[k], [&](int b) { last[static_cast<size_t>(b)] = static_cast<int>(k); });
    if (plan_.output_buffer >= 0) last[static_cast<size_t>(plan_.output_buffer)] = INT_MAX;
    for (int b : plan_.tap_buffers)
      if (b >= 0) last[static_cast<size_t>(b)] = INT_MAX;

    plan_.buffer_offset.assign(nb, -1);
    ArenaAllocator arena;
    std::vector<int> done;
    for (size_t k = 0; k < plan_.steps.size(); ++k) {
      const Step& s = plan_.steps[k];
      for (int b : {s.out, s.relu})
        if (b >= 0)
          plan_.buffer_offset[static_cast<size_t>(b)] = arena.allocate(plan_.buffer_floats[static_cast<size_t>(b)]);
      done.clear();
      reads(s, [&](int b) { done.push_back(b); });
      for (int b : {s.out, s.relu})
        if (b >= 0) done.push_back(b);
      std::sort(done.begin(), done.end());
      done.erase(std::unique(done.begin(), done.end()), done.end());
      for (int b : done)
        if (last[static_cast<size_t>(b)] <= static_cast<int>(k))
          arena.release(plan_.buffer_offset[static_cast<size_t>(b)], plan_.buffer_floats[static_cast<size_t>(b)]);
    }
    plan_.arena_floats = arena.peak();
    int64_t base = 0;
    for (auto& g : plan_.groups) {
      g.base = base;
      base += batch_ * g.words;
    }
    plan_.bits_words = base;
  }

  const Network& net_;
  int64_t batch_;
  ForwardPlan& plan_;
  size_t n_;
  const PlanOutputs& outputs_;
  const std::vector<int>& taps_;
  std::vector<Value> value_;
  std::vector<bool> live_;
  bool hooked(size_t i) const { return hook_[i] > 0 || relu_hook_[i] > 0; }

  std::vector<int64_t> hook_;            // effective multiplicity of each node's sign bits
  std::vector<int64_t> relu_hook_;       // ReLU modules whose output is sign(node), through ReLU nodes
  std::vector<bool> stored_;             // a consumer reads the node from memory
  std::vector<bool> term_reader_;        // an add, concat or truncation reads it as a term (stored or not)
  std::vector<std::vector<int>> relus_;  // ReLU nodes reading it
};

}  // namespace

const char* step_name(StepKind kind) {
  switch (kind) {
    case StepKind::Conv:
      return "conv";
    case StepKind::BatchNormStats:
      return "batch-norm statistics";
    case StepKind::Pointwise:
      return "fused node (batch norm, stride-1 pooling, truncation, add, concat, ReLU, sign bits)";
    case StepKind::AvgPool2x2:
      return "avg pool 2x2";
    case StepKind::MaxPool2x2:
      return "max pool 2x2";
    case StepKind::AvgPool3x3:
      return "avg pool 3x3, stride 2";
    case StepKind::MaxPool3x3:
      return "max pool 3x3, stride 2";
    case StepKind::GlobalAvgPool:
      return "global avg pool";
    case StepKind::Linear:
      return "linear";
  }
  return "?";
}

ForwardPlan plan_forward(const Network& net, int64_t batch, const PlanOutputs& outputs) {
  ZCNAS_REQUIRE(batch > 0, "forward plan: batch {} (need > 0)", batch);
  ForwardPlan plan;
  Planner(net, batch, outputs, plan).build();
  return plan;
}

}  // namespace zcnas
