// NAS-Bench-101 cells (SPEC.md §5): a DAG of at most 7 vertices (0 = input, V-1 = output) with an op label on
// each interior vertex; arch strings, nasbench's pruning and validity, and its unique cell hash.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "spaces/nb101/md5.hpp"

namespace zcnas::nb101 {

// nasbench's `available_ops`, in its order: the op's index is its label in the hash.
enum class Op : uint8_t { Conv3x3 = 0, Conv1x1 = 1, MaxPool3x3 = 2 };
constexpr int kNumOps = 3;
constexpr int kMaxVertices = 7;
constexpr int kMaxEdges = 9;

const char* op_string(Op op);  // "conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"

// The adjacency as rows of bits: successors[v] has bit d set for the edge v->d. Only d > v is meaningful.
struct Cell {
  int vertices = 2;
  std::array<uint8_t, kMaxVertices> successors{};
  std::array<Op, kMaxVertices> ops{};  // labels of the interior vertices 1..V-2; the others stay Conv3x3

  bool has_edge(int from, int to) const { return ((successors[static_cast<size_t>(from)] >> to) & 1) != 0; }
  int num_edges() const;
  bool operator==(const Cell& other) const;
  bool operator!=(const Cell& other) const { return !(*this == other); }
};

// nasbench's ModelSpec._prune: keeps the vertices that the input reaches and that reach the output, in their
// order. Empty when the input does not reach the output (an invalid spec).
std::optional<Cell> prune(const Cell& cell);

// SPEC.md §5 "Reference crash": the output has one interior in-neighbour t, a conv, and an input->output edge,
// so NASWOT's reference adds the projection in place into a tensor that ReLU's backward needs, and fails.
bool reference_fails(const Cell& pruned);

// Parses "MATRIX:OPS": V*V row-major 0/1 digits, then V op labels separated by ',' (or '|', as the NASLib
// tables write them), `input` first and `output` last, 2 <= V <= 7. The matrix may be unpruned; the result is
// pruned and valid (at most 9 edges after pruning). Throws naming the string and what is wrong with it.
Cell parse_cell(const std::string& text);
// The pruned form parse_cell reads: "0110...:input,conv3x3-bn-relu,...,output".
std::string format_cell(const Cell& cell);
std::string matrix_string(const Cell& cell);  // the V*V row-major digits alone

// graph_util.hash_module of the cell as it is (pass a pruned cell: that is the cell's hash). Reuses one MD5
// context and the digests of the initial vertex labels; not thread-safe: one per thread.
class CellHasher {
 public:
  Digest operator()(const Cell& cell);

 private:
  const Digest& initial(int out_degree, int in_degree, int label);

  Md5 md5_;
  std::array<std::optional<Digest>, kMaxVertices * kMaxVertices*(kNumOps + 2)> initial_;
};

// The 32-hex-digit hash of a (pruned) cell, as ModelSpec.hash_spec gives it.
std::string cell_hash(const Cell& cell);

}  // namespace zcnas::nb101
