// A genome (fixed-length categorical choices) as a mixed-radix number, first position most significant: a
// plain struct and functions that host code and CUDA kernels share, so that both enumerate a genome's
// mutations in one order. No CUDA header here: ZCNAS_HOST_DEVICE marks the functions.
#pragma once
#include <cstdint>

#include "core/random.hpp"  // ZCNAS_HOST_DEVICE

namespace zcnas {

constexpr int kMaxGenomePositions = 32;

// Made on the host by make_genome_code (spaces/space.hpp); passed to kernels by value.
struct GenomeCode {
  int32_t positions = 0;
  int32_t choices[kMaxGenomePositions] = {};  // choices at each position
  int32_t weight[kMaxGenomePositions] = {};   // place value of each position: 1 for the last one
  int32_t codes = 0;                          // product of the choices: codes are 0..codes-1
};

ZCNAS_HOST_DEVICE inline int32_t choice_at(const GenomeCode& g, int32_t code, int32_t position) {
  return (code / g.weight[position]) % g.choices[position];
}

// `code` with the choice at `position` replaced.
ZCNAS_HOST_DEVICE inline int32_t with_choice(const GenomeCode& g, int32_t code, int32_t position, int32_t choice) {
  return code + (choice - choice_at(g, code, position)) * g.weight[position];
}

// The mutations of a genome, in the order every search enumerates them: position by position, first position
// first, and at each position every other choice in ascending order. current(p) is the genome's choice at p;
// visit(p, choice) returns true to stop.
template <typename Current, typename Visit>
ZCNAS_HOST_DEVICE inline void for_each_mutation(int32_t positions, const int32_t* choices, Current current,
                                                Visit visit) {
  for (int32_t p = 0; p < positions; ++p) {
    const int32_t now = current(p);
    for (int32_t c = 0; c < choices[p]; ++c)
      if (c != now && visit(p, c)) return;
  }
}

}  // namespace zcnas
