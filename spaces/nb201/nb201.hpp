// NAS-Bench-201: arch strings, op tuples, the official index order and the TinyNetwork builder (SPEC.md §1).
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "nn/network.hpp"

namespace zcnas::nb201 {

enum class Op : uint8_t { None = 0, Skip = 1, Conv1x1 = 2, Conv3x3 = 3, AvgPool3x3 = 4 };
constexpr int kNumOps = 5;
constexpr int kNumEdges = 6;
constexpr int64_t kNumArchs = 15625;  // 5^6

// Edge e, in string order: (1<-0), (2<-0), (2<-1), (3<-0), (3<-1), (3<-2).
constexpr std::array<int, kNumEdges> kEdgeTo = {1, 2, 2, 3, 3, 3};
constexpr std::array<int, kNumEdges> kEdgeFrom = {0, 0, 1, 0, 1, 2};

using Arch = std::array<Op, kNumEdges>;

const char* op_string(Op op);
// Parses "|op~0|+|op~0|op~1|+|op~0|op~1|op~2|"; throws naming the bad token.
Arch parse_arch(const std::string& text);
std::string format_arch(const Arch& arch);

// Lexicographic position of the op tuple (last edge fastest; 0 is all-`none`), and back.
int64_t lex_index(const Arch& arch);
Arch arch_from_lex(int64_t lex);

// The official NB201/NATS-Bench index: the lexicographic list shuffled by CPython's random.seed(88).
int64_t arch_to_index(const Arch& arch);
Arch index_to_arch(int64_t index);  // throws for an index outside 0..15624

struct NetworkOptions {
  int64_t channels = 16;    // C
  int cells_per_stage = 5;  // N
  int64_t num_classes = 1;  // 1 for scoring
  int64_t image_size = 32;
};

// TinyNetwork with the reference's parameter names; hooks as the reference's NASWOT counts them.
Network build_network(const Arch& arch, const NetworkOptions& options = {});

}  // namespace zcnas::nb201
