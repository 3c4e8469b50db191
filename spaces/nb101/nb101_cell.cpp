// NB101 cells: arch strings, pruning as nasbench's ModelSpec._prune, and graph_util.hash_module.
#include "spaces/nb101/nb101_cell.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/error.hpp"

namespace zcnas::nb101 {

namespace {

constexpr const char* kOpStrings[kNumOps] = {"conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"};
constexpr const char* kInput = "input";
constexpr const char* kOutput = "output";

// Vertices reachable along edges, from `start`, forward (successors) or backward (predecessors).
uint8_t reachable(const Cell& cell, int start, bool forward) {
  uint8_t seen = static_cast<uint8_t>(1u << start);
  std::vector<int> frontier = {start};
  while (!frontier.empty()) {
    const int v = frontier.back();
    frontier.pop_back();
    for (int w = 0; w < cell.vertices; ++w) {
      const bool edge = forward ? cell.has_edge(v, w) : cell.has_edge(w, v);
      if (edge && ((seen >> w) & 1) == 0) {
        seen = static_cast<uint8_t>(seen | (1u << w));
        frontier.push_back(w);
      }
    }
  }
  return seen;
}

// Sorts at most 7 items; std::sort's unrolled insertion sort trips GCC's array-bounds warning on arrays this small.
template <typename T, typename Less>
void sort_few(T* items, int count, Less less) {
  for (int i = 1; i < count; ++i)
    for (int j = i; j > 0 && less(items[j], items[j - 1]); --j) std::swap(items[j], items[j - 1]);
}

std::vector<std::string> split_labels(const std::string& text) {
  std::vector<std::string> labels(1);
  for (char c : text) {
    if (c == ',' || c == '|')
      labels.emplace_back();
    else
      labels.back() += c;
  }
  return labels;
}

Op parse_op(const std::string& cell_text, const std::string& label, int vertex) {
  for (int op = 0; op < kNumOps; ++op)
    if (label == kOpStrings[op]) return static_cast<Op>(op);
  throw Error(fmt::format("NB101 cell '{}': vertex {} has the unknown op '{}' (interior ops: {}, {}, {})", cell_text,
                          vertex, label, kOpStrings[0], kOpStrings[1], kOpStrings[2]));
}

}  // namespace

const char* op_string(Op op) { return kOpStrings[static_cast<int>(op)]; }

int Cell::num_edges() const {
  int edges = 0;
  for (int v = 0; v < vertices; ++v)
    for (int w = v + 1; w < vertices; ++w) edges += has_edge(v, w) ? 1 : 0;
  return edges;
}

bool Cell::operator==(const Cell& other) const {
  if (vertices != other.vertices) return false;
  for (int v = 0; v < vertices; ++v) {
    for (int w = v + 1; w < vertices; ++w)
      if (has_edge(v, w) != other.has_edge(v, w)) return false;
    if (v > 0 && v < vertices - 1 && ops[static_cast<size_t>(v)] != other.ops[static_cast<size_t>(v)]) return false;
  }
  return true;
}

std::optional<Cell> prune(const Cell& cell) {
  const int last = cell.vertices - 1;
  const unsigned keep = reachable(cell, 0, true) & reachable(cell, last, false);
  if (((keep >> last) & 1) == 0) return std::nullopt;  // the input does not reach the output
  std::array<int, kMaxVertices> renumbered{};
  Cell pruned;
  pruned.vertices = 0;
  for (int v = 0; v < cell.vertices; ++v)
    if ((keep >> v) & 1) renumbered[static_cast<size_t>(v)] = pruned.vertices++;
  for (int v = 0; v < cell.vertices; ++v) {
    if (((keep >> v) & 1) == 0) continue;
    const auto to = static_cast<size_t>(renumbered[static_cast<size_t>(v)]);
    pruned.ops[to] = cell.ops[static_cast<size_t>(v)];
    for (int w = v + 1; w < cell.vertices; ++w)
      if (((keep >> w) & 1) && cell.has_edge(v, w))
        pruned.successors[to] =
            static_cast<uint8_t>(pruned.successors[to] | (1u << renumbered[static_cast<size_t>(w)]));
  }
  pruned.ops[0] = pruned.ops[static_cast<size_t>(pruned.vertices - 1)] = Op::Conv3x3;
  return pruned;
}

bool reference_fails(const Cell& pruned) {
  const int output = pruned.vertices - 1;
  if (!pruned.has_edge(0, output)) return false;
  int feeding = 0, last_feeding = 0;
  for (int t = 1; t < output; ++t)
    if (pruned.has_edge(t, output)) {
      ++feeding;
      last_feeding = t;
    }
  return feeding == 1 && pruned.ops[static_cast<size_t>(last_feeding)] != Op::MaxPool3x3;
}

Cell parse_cell(const std::string& text) {
  const size_t colon = text.find(':');
  ZCNAS_REQUIRE(colon != std::string::npos,
                "NB101 cell '{}': expected MATRIX:OPS (V*V row-major 0/1 digits, ':', then V op labels, e.g. "
                "0110001000010000:input,conv3x3-bn-relu,maxpool3x3,output) or a 32-digit cell hash",
                text);
  const std::string matrix = text.substr(0, colon);
  const std::vector<std::string> labels = split_labels(text.substr(colon + 1));
  const auto vertices = static_cast<int>(labels.size());
  ZCNAS_REQUIRE(vertices >= 2 && vertices <= kMaxVertices,
                "NB101 cell '{}' has {} op labels: a cell has 2..{} vertices", text, vertices, kMaxVertices);
  ZCNAS_REQUIRE(matrix.size() == static_cast<size_t>(vertices * vertices),
                "NB101 cell '{}': its matrix has {} digits, its {} op labels need {}x{} = {}", text, matrix.size(),
                vertices, vertices, vertices, vertices * vertices);
  ZCNAS_REQUIRE(labels.front() == kInput, "NB101 cell '{}': vertex 0 is '{}', it must be '{}'", text, labels.front(),
                kInput);
  ZCNAS_REQUIRE(labels.back() == kOutput, "NB101 cell '{}': vertex {} (the last) is '{}', it must be '{}'", text,
                vertices - 1, labels.back(), kOutput);

  Cell cell;
  cell.vertices = vertices;
  for (int v = 1; v + 1 < vertices; ++v)
    cell.ops[static_cast<size_t>(v)] = parse_op(text, labels[static_cast<size_t>(v)], v);
  for (int v = 0; v < vertices; ++v)
    for (int w = 0; w < vertices; ++w) {
      const char digit = matrix[static_cast<size_t>(v * vertices + w)];
      ZCNAS_REQUIRE(digit == '0' || digit == '1', "NB101 cell '{}': matrix character {} is '{}', not 0 or 1", text,
                    v * vertices + w, digit);
      if (digit == '0') continue;
      ZCNAS_REQUIRE(w > v, "NB101 cell '{}' has an edge {}->{}: the matrix must be strictly upper-triangular", text, v,
                    w);
      cell.successors[static_cast<size_t>(v)] =
          static_cast<uint8_t>(cell.successors[static_cast<size_t>(v)] | (1u << w));
    }

  const std::optional<Cell> pruned = prune(cell);
  ZCNAS_REQUIRE(pruned.has_value(), "NB101 cell '{}': the input does not reach the output", text);
  ZCNAS_REQUIRE(pruned->num_edges() <= kMaxEdges, "NB101 cell '{}' has {} edges after pruning: at most {} are allowed",
                text, pruned->num_edges(), kMaxEdges);
  return *pruned;
}

std::string matrix_string(const Cell& cell) {
  std::string digits;
  for (int v = 0; v < cell.vertices; ++v)
    for (int w = 0; w < cell.vertices; ++w) digits += cell.has_edge(v, w) && w > v ? '1' : '0';
  return digits;
}

std::string format_cell(const Cell& cell) {
  std::string text = matrix_string(cell) + ":" + kInput;
  for (int v = 1; v + 1 < cell.vertices; ++v) text += fmt::format(",{}", op_string(cell.ops[static_cast<size_t>(v)]));
  return text + "," + kOutput;
}

const Digest& CellHasher::initial(int out_degree, int in_degree, int label) {
  std::optional<Digest>& slot =
      initial_[static_cast<size_t>((out_degree * kMaxVertices + in_degree) * (kNumOps + 2) + label + 2)];
  if (!slot) slot = md5_(fmt::format("({}, {}, {})", out_degree, in_degree, label));  // Python's tuple text
  return *slot;
}

Digest CellHasher::operator()(const Cell& cell) {
  const int n = cell.vertices;
  std::array<Digest, kMaxVertices> hashes{}, next{};
  for (int v = 0; v < n; ++v) {
    int in_degree = 0;
    for (int w = 0; w < v; ++w) in_degree += cell.has_edge(w, v) ? 1 : 0;
    const int out_degree = __builtin_popcount(cell.successors[static_cast<size_t>(v)]);
    const int label = v == 0 ? -1 : v == n - 1 ? -2 : static_cast<int>(cell.ops[static_cast<size_t>(v)]);
    hashes[static_cast<size_t>(v)] = initial(out_degree, in_degree, label);
  }

  // Each round writes every vertex's hex once and ranks the vertices by hash: a neighbour list sorted by rank is
  // sorted by hex string, since digests and their hex strings sort alike.
  std::array<std::array<char, 32>, kMaxVertices> texts{};
  std::array<int, kMaxVertices> by_hash{}, rank{};
  const auto sort_by_hash = [&] {
    for (int v = 0; v < n; ++v) by_hash[static_cast<size_t>(v)] = v;
    sort_few(by_hash.data(), n,
             [&](int a, int b) { return digest_less(hashes[static_cast<size_t>(a)], hashes[static_cast<size_t>(b)]); });
    for (int k = 0; k < n; ++k) rank[static_cast<size_t>(by_hash[static_cast<size_t>(k)])] = k;
    for (int v = 0; v < n; ++v) write_hex(hashes[static_cast<size_t>(v)], texts[static_cast<size_t>(v)].data());
  };
  char message[(2 * kMaxVertices + 1) * 32 + 2];
  std::array<int, kMaxVertices> neighbours{};
  for (int round = 0; round < n; ++round) {
    sort_by_hash();
    for (int v = 0; v < n; ++v) {
      char* out = message;
      for (int direction = 0; direction < 2; ++direction) {  // in-neighbours, then out-neighbours
        int count = 0;
        for (int w = 0; w < n; ++w)
          if (direction == 0 ? cell.has_edge(w, v) : cell.has_edge(v, w))
            neighbours[static_cast<size_t>(count++)] = rank[static_cast<size_t>(w)];
        sort_few(neighbours.data(), count, [](int a, int b) { return a < b; });
        for (int k = 0; k < count; ++k, out += 32)
          std::memcpy(
              out, texts[static_cast<size_t>(by_hash[static_cast<size_t>(neighbours[static_cast<size_t>(k)])])].data(),
              32);
        *out++ = '|';
      }
      std::memcpy(out, texts[static_cast<size_t>(v)].data(), 32);
      out += 32;
      next[static_cast<size_t>(v)] = md5_(std::string_view(message, static_cast<size_t>(out - message)));
    }
    hashes = next;
  }

  // Python's str() of the sorted list of hex strings: ['<hex>', '<hex>'].
  sort_by_hash();
  char list[kMaxVertices * 36 + 2];
  char* out = list;
  *out++ = '[';
  for (int k = 0; k < n; ++k) {
    if (k > 0) out = std::copy_n(", ", 2, out);
    *out++ = '\'';
    out = std::copy_n(texts[static_cast<size_t>(by_hash[static_cast<size_t>(k)])].data(), 32, out);
    *out++ = '\'';
  }
  *out++ = ']';
  return md5_(std::string_view(list, static_cast<size_t>(out - list)));
}

std::string cell_hash(const Cell& cell) {
  CellHasher hasher;
  return hex(hasher(cell));
}

}  // namespace zcnas::nb101
