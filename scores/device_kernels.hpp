// What a score can do with a forward's sign bits on the device that ran the forward, and the interface of
// a score's reduction of them. A backend runs the hooked pass and hands each network's sign bits, with its
// device's kernels, to one reducer per lane (scores/backend.hpp); the reducers are written once, for every
// device, against this table.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "nn/hooked_sign_bits.hpp"

namespace zcnas {

class DeviceKernels {
 public:
  virtual ~DeviceKernels() = default;

  // Networks a reducer should gather before it waits for the device (CPU: 1).
  virtual int64_t reduction_batch() const = 0;

  // Device memory kept for (owner, slot) across calls; its contents survive while the size asked does not grow.
  virtual void* workspace(const void* owner, int slot, size_t bytes) = 0;
  template <typename T>
  T* workspace_as(const void* owner, int slot, size_t count) {
    return static_cast<T*>(workspace(owner, slot, count * sizeof(T)));
  }

  virtual void zero(void* data, size_t bytes) = 0;
  // K[i][j] += multiplicity * (units - Hamming(code_i, code_j)) over the group's codes (kernels/hamming.hpp).
  virtual void accumulate_hamming(const SignBitsGroup& group, int64_t batch, int64_t* K) = 0;
  // out[i] = double(K[i] + offset).
  virtual void kernel_to_double(const int64_t* K, int64_t count, int64_t offset, double* out) = 0;
  // *flag = 1 when two distinct samples have identical codes, else 0.
  virtual void flag_identical_samples(const int64_t* K, int64_t batch, int* flag) = 0;
  // keys[u] = the pattern of unit u over the batch, bit b for sample b, for the `units` units of one tensor
  // whose row b starts at bits + b * row_words; batch <= kMaxUnitPatternBatch (kernels/unit_patterns.hpp).
  virtual void unit_patterns(const uint64_t* bits, int64_t row_words, int64_t batch, int64_t units, uint64_t* keys) = 0;
  // bitmap[k / 64] |= 1 << (k % 64) for each of the `count` keys.
  virtual void mark_patterns(const uint64_t* keys, int64_t count, uint64_t* bitmap) = 0;
  // counts[i] = #{j : K[i][j] == K[i][i]}: the samples whose codes equal sample i's, itself included.
  virtual void count_equal_to_diagonal(const int64_t* K, int64_t batch, int64_t* counts) = 0;
  // log|det| of `count` [n][n] matrices stored back to back, into host memory; waits for the device.
  virtual void log_abs_det(const double* K, int64_t n, int64_t count, double* host_scores) = 0;
  // Device memory to host memory; waits for the device.
  virtual void download(const void* data, size_t bytes, void* host) = 0;
};

// The host's kernels (kernels/*_cpu.cpp).
std::unique_ptr<DeviceKernels> make_cpu_kernels();

// One lane's consumer of a hooked pass: add() sees each network's sign bits while they are valid (until the
// lane's next forward); every network added has its result once finish() returns.
class SignBitsReducer {
 public:
  virtual ~SignBitsReducer() = default;
  virtual void add(size_t job, const HookedSignBits& bits, DeviceKernels& kernels) = 0;
  virtual void finish(DeviceKernels& kernels) = 0;
};

// Makes one reducer per lane; lanes add disjoint jobs.
using ReducerFactory = std::function<std::unique_ptr<SignBitsReducer>()>;

}  // namespace zcnas
