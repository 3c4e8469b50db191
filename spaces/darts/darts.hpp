// The DARTS cell space of NDS (SPEC.md §7): genotypes, their two spellings, and the network pycls'
// NetworkCIFAR builds from one (as NASWOT's nasspace.NDS does: no auxiliary head, no drop path).
#pragma once
#include <array>
#include <cstdint>
#include <string>

#include "nn/network.hpp"

namespace zcnas::darts {

// The NDS DARTS ops, in the order of their genome choice (`none` is not one of them).
enum class Op : uint8_t { MaxPool3x3, AvgPool3x3, Skip, SepConv3x3, SepConv5x5, DilConv3x3, DilConv5x5 };
constexpr int kNumOps = 7;
constexpr int kSteps = 4;                  // intermediate nodes 2..5 of a cell
constexpr int kPairs = 2 * kSteps;         // (op, input) pairs per cell; node k reads pairs 2(k-2) and 2(k-2)+1
constexpr int kGenomeLength = 4 * kPairs;  // per cell type and pair: the op, then the input

const char* op_string(Op op);

struct Edge {
  Op op = Op::Skip;
  int input = 0;  // 0: the preprocessed s0, 1: s1, k >= 2: node k; pair p reads an input below 2 + p / 2
};
using CellGenotype = std::array<Edge, kPairs>;

struct Genotype {
  CellGenotype normal{}, reduce{};
};

// The arch encoding "op~input,... (8 normal) / op~input,... (8 reduce)", or DARTS' repr
// "Genotype(normal=[('op', input), ...], normal_concat=[2, 3, 4, 5], reduce=[...], reduce_concat=[2, 3, 4, 5])"
// (range(2, 6) for a concat too). Throws naming the text and the part that is wrong: an unknown op, an input that
// does not exist yet at its node, a cell without 8 pairs, a concat other than nodes 2..5.
Genotype parse_genotype(const std::string& text);
std::string format_genotype(const Genotype& genotype);  // the arch encoding
std::string darts_repr(const Genotype& genotype);       // DARTS' repr, as genotypes.py prints it

struct NetworkOptions {
  int64_t width = 16;  // C of the first cells; the stem has 3C channels
  int depth = 8;       // cells; depth/3 and 2*depth/3 reduce
  int64_t num_classes = 1;
  int64_t image_size = 32;
};

// NetworkCIFAR(width, num_classes, depth, auxiliary=False, genotype) with pycls' parameter names, hooks as
// NASWOT counts them, module outputs in the order their forward hooks fire. Throws for a depth below 3 or an
// image size that two reductions do not halve evenly.
Network build_network(const Genotype& genotype, const NetworkOptions& options = {});

}  // namespace zcnas::darts
