// A host SIMT emulator for tests: the unchanged source of a __global__ kernel, compiled by g++, runs on the CPU
// with CUDA's thread semantics, so that the device code itself is tested on machines without a GPU.
//
// Include this header before any kernel header. Launch with simt::launch(shape, schedule, kernel, args...).
//
// - Blocks run one at a time. Each CUDA thread is a fiber that runs until it reaches a sync point
//   (__syncthreads, __syncwarp or a warp collective) or exits; the scheduler then checks that the sync point is
//   legal and resolves it:
//     * __syncthreads: every thread of the block waits at the same call (file and line); a barrier reached after
//       some threads of the block exited, or while others wait at a warp collective, is an error;
//     * warp collectives work on exactly 32 lanes: every lane named in the mask must be at the same collective
//       (same intrinsic, same call, same mask), the calling lane must be in its mask, and a shuffle may only read
//       a lane named in the mask. A named lane that exited, waits at a barrier or at another collective is an
//       error.
// - The Schedule sets the order in which ready threads run between sync points and the order of the blocks
//   (forward, reverse, shuffled with a seed, or warp by warp with each warp running ahead of the others), so
//   that a result that depends on an order the hardware does not promise (a missing barrier, a race between
//   warps or blocks) differs between schedules.
// - A violation throws simt::EmulationError from simt::launch, naming the kernel's source line.
// - __shared__ variables are function-local statics (one block runs at a time); dynamic shared memory, sized by
//   the launch, is filled with 0xff bytes for every block so that a read before any write shows up.
// - Atomics are atomic by construction: fibers switch only at sync points.
//
// Not modelled: the memory model across blocks, warp-synchronous code without *_sync intrinsics, and nvcc's own
// code generation (contraction into fma: the tests build with -ffp-contract=off and the kernels round explicitly).
#pragma once

#include <cuda_runtime.h>  // the host view: dim3 and vector types; __global__ and __device__ expand to nothing

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <type_traits>

#define ZCNAS_SIMT_EMULATOR 1

#undef __shared__
#define __shared__ static  // one block runs at a time: a function-local static is that block's shared memory
#ifndef __launch_bounds__
#define __launch_bounds__(...)
#endif

namespace simt {

// forward, reverse, shuffled: all warps advance together from one sync point to the next, threads taken in that
// order; warps_ahead: one warp at a time, the last first, each as far as it gets before a barrier.
enum class Order { forward, reverse, shuffled, warps_ahead };

struct Schedule {
  Order order = Order::forward;
  uint32_t seed = 0;  // for Order::shuffled
};
std::string to_string(const Schedule& schedule);

// The schedules every kernel test runs under.
inline constexpr Schedule kSchedules[] = {
    {Order::forward, 0}, {Order::reverse, 0}, {Order::shuffled, 12345}, {Order::warps_ahead, 0}};

struct Launch {
  dim3 grid;
  dim3 block;
  size_t shared_bytes = 0;  // dynamic shared memory
};

class EmulationError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

namespace detail {

enum class Collective {
  syncwarp,
  ballot,
  any,
  all,
  shfl_idx,
  shfl_up,
  shfl_down,
  shfl_xor,
  reduce_add,
  reduce_min,
  reduce_max
};

extern thread_local uint3 g_block_idx;
extern thread_local dim3 g_block_dim;
extern thread_local dim3 g_grid_dim;

const uint3& thread_idx();
void barrier(const char* file, int line);
uint64_t collective(Collective op, const char* file, int line, unsigned mask, uint64_t value, int arg, int width);
unsigned active_mask();
void* dynamic_shared(size_t alignment);
void run_grid(const Launch& launch, const Schedule& schedule, const std::function<void()>& thread_body);

template <typename T>
uint64_t to_bits(T v) {
  static_assert(sizeof(T) <= 8 && std::is_trivially_copyable_v<T>, "warp collectives move at most 8 bytes");
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof(T));
  return bits;
}
template <typename T>
T from_bits(uint64_t bits) {
  T v;
  std::memcpy(&v, &bits, sizeof(T));
  return v;
}
template <typename T>
T shuffle(Collective op, const char* file, int line, unsigned mask, T v, int arg, int width) {
  return from_bits<T>(collective(op, file, line, mask, to_bits(v), arg, width));
}
template <typename T>
T reduce(Collective op, const char* file, int line, unsigned mask, T v) {
  static_assert(std::is_same_v<T, int> || std::is_same_v<T, unsigned>, "__reduce_*_sync takes int or unsigned");
  return static_cast<T>(collective(op, file, line, mask, static_cast<uint64_t>(static_cast<int64_t>(v)),
                                   std::is_signed_v<T> ? 1 : 0, 32));
}

}  // namespace detail

// Runs kernel(args...) as kernel<<<shape.grid, shape.block, shape.shared_bytes>>>(args...) would, under
// `schedule`. Shape is a Launch or any type with those three members. Throws EmulationError on a violation of
// CUDA's rules and rethrows what a thread threw.
template <typename Shape, typename Kernel, typename... Args>
void launch(const Shape& shape, const Schedule& schedule, Kernel kernel, Args... args) {
  detail::run_grid(Launch{shape.grid, shape.block, shape.shared_bytes}, schedule, [&] { kernel(args...); });
}

// The launch's dynamic shared memory as T[] (see ZCNAS_DYNAMIC_SHARED in kernels/device_utils.cuh).
template <typename T>
T* dynamic_shared() {
  return static_cast<T*>(detail::dynamic_shared(alignof(T)));
}

}  // namespace simt

// ---- the built-in variables and intrinsics that kernel code sees ----
#define threadIdx (::simt::detail::thread_idx())
#define blockIdx (::simt::detail::g_block_idx)
#define blockDim (::simt::detail::g_block_dim)
#define gridDim (::simt::detail::g_grid_dim)
#define warpSize 32

#define __syncthreads() ::simt::detail::barrier(__FILE__, __LINE__)
#define __syncwarp(...) ::simt::detail::SyncwarpAt{__FILE__, __LINE__}(__VA_ARGS__)
#define __ballot_sync(mask, predicate)                                                                           \
  static_cast<unsigned>(::simt::detail::collective(::simt::detail::Collective::ballot, __FILE__, __LINE__, mask, \
                                                   (predicate) != 0, 0, 32))
#define __any_sync(mask, predicate) \
  static_cast<int>(                 \
      ::simt::detail::collective(::simt::detail::Collective::any, __FILE__, __LINE__, mask, (predicate) != 0, 0, 32))
#define __all_sync(mask, predicate) \
  static_cast<int>(                 \
      ::simt::detail::collective(::simt::detail::Collective::all, __FILE__, __LINE__, mask, (predicate) != 0, 0, 32))
#define __shfl_sync(mask, ...) \
  ::simt::detail::shfl_at(::simt::detail::Collective::shfl_idx, __FILE__, __LINE__, mask, __VA_ARGS__)
#define __shfl_up_sync(mask, ...) \
  ::simt::detail::shfl_at(::simt::detail::Collective::shfl_up, __FILE__, __LINE__, mask, __VA_ARGS__)
#define __shfl_down_sync(mask, ...) \
  ::simt::detail::shfl_at(::simt::detail::Collective::shfl_down, __FILE__, __LINE__, mask, __VA_ARGS__)
#define __shfl_xor_sync(mask, ...) \
  ::simt::detail::shfl_at(::simt::detail::Collective::shfl_xor, __FILE__, __LINE__, mask, __VA_ARGS__)
#define __reduce_add_sync(mask, value) \
  ::simt::detail::reduce(::simt::detail::Collective::reduce_add, __FILE__, __LINE__, mask, value)
#define __reduce_min_sync(mask, value) \
  ::simt::detail::reduce(::simt::detail::Collective::reduce_min, __FILE__, __LINE__, mask, value)
#define __reduce_max_sync(mask, value) \
  ::simt::detail::reduce(::simt::detail::Collective::reduce_max, __FILE__, __LINE__, mask, value)

namespace simt::detail {
struct SyncwarpAt {  // __syncwarp() and __syncwarp(mask) through one macro
  const char* file;
  int line;
  void operator()(unsigned mask = 0xffffffffu) const { collective(Collective::syncwarp, file, line, mask, 0, 0, 32); }
};
template <typename T>
T shfl_at(Collective op, const char* file, int line, unsigned mask, T v, int arg, int width = 32) {
  return shuffle(op, file, line, mask, v, arg, width);
}
}  // namespace simt::detail

// The lanes of the calling warp that have not exited (threads of a warp are not otherwise grouped here).
inline unsigned __activemask() { return simt::detail::active_mask(); }

// Memory fences order nothing here: one thread runs at a time and blocks run one after another.
inline void __threadfence() {}
inline void __threadfence_block() {}
inline void __threadfence_system() {}

// Cached loads and stores: plain accesses.
template <typename T>
T __ldg(const T* p) {
  return *p;
}
template <typename T>
T __ldcg(const T* p) {
  return *p;
}
template <typename T>
T __ldca(const T* p) {
  return *p;
}
template <typename T>
T __ldcs(const T* p) {
  return *p;
}
template <typename T>
T __ldlu(const T* p) {
  return *p;
}
template <typename T>
void __stcg(T* p, T v) {
  *p = v;
}
template <typename T>
void __stcs(T* p, T v) {
  *p = v;
}
template <typename T>
void __stwt(T* p, T v) {
  *p = v;
}

// Round-to-nearest arithmetic: the host's IEEE operations (the tests build with -ffp-contract=off).
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline float __fsqrt_rn(float a) { return std::sqrt(a); }
inline float __fmaf_rn(float a, float b, float c) { return std::fma(a, b, c); }
inline float __frcp_rn(float a) { return 1.0f / a; }
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dsub_rn(double a, double b) { return a - b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline double __ddiv_rn(double a, double b) { return a / b; }
inline double __dsqrt_rn(double a) { return std::sqrt(a); }
inline double __fma_rn(double a, double b, double c) { return std::fma(a, b, c); }

// Bit intrinsics.
inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline int __popcll(unsigned long long x) { return __builtin_popcountll(x); }
inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz(static_cast<unsigned>(x)); }
inline int __clzll(long long x) { return x == 0 ? 64 : __builtin_clzll(static_cast<unsigned long long>(x)); }
inline int __ffs(int x) { return __builtin_ffs(x); }
inline int __ffsll(long long x) { return __builtin_ffsll(x); }
inline unsigned __brev(unsigned x) {
  unsigned r = 0;
  for (int i = 0; i < 32; ++i) r |= ((x >> i) & 1u) << (31 - i);
  return r;
}

// min and max with CUDA's overload set: both operands converted to their common type.
template <typename A, typename B, typename = std::enable_if_t<std::is_arithmetic_v<A> && std::is_arithmetic_v<B>>>
std::common_type_t<A, B> min(A a, B b) {
  using T = std::common_type_t<A, B>;
  return static_cast<T>(b) < static_cast<T>(a) ? static_cast<T>(b) : static_cast<T>(a);
}
template <typename A, typename B, typename = std::enable_if_t<std::is_arithmetic_v<A> && std::is_arithmetic_v<B>>>
std::common_type_t<A, B> max(A a, B b) {
  using T = std::common_type_t<A, B>;
  return static_cast<T>(a) < static_cast<T>(b) ? static_cast<T>(b) : static_cast<T>(a);
}

// Atomics, for the types CUDA offers them on.
#define ZCNAS_SIMT_ATOMIC(name, T, expr) \
  inline T name(T* address, T val) {     \
    const T old = *address;              \
    *address = (expr);                   \
    return old;                          \
  }
#define ZCNAS_SIMT_ATOMIC_INTEGERS(name, expr) \
  ZCNAS_SIMT_ATOMIC(name, int, expr)           \
  ZCNAS_SIMT_ATOMIC(name, unsigned, expr)      \
  ZCNAS_SIMT_ATOMIC(name, unsigned long long, expr)
ZCNAS_SIMT_ATOMIC_INTEGERS(atomicAdd, old + val)
ZCNAS_SIMT_ATOMIC(atomicAdd, float, old + val)
ZCNAS_SIMT_ATOMIC(atomicAdd, double, old + val)
ZCNAS_SIMT_ATOMIC(atomicSub, int, old - val)
ZCNAS_SIMT_ATOMIC(atomicSub, unsigned, old - val)
ZCNAS_SIMT_ATOMIC_INTEGERS(atomicExch, val)
ZCNAS_SIMT_ATOMIC(atomicExch, float, val)
ZCNAS_SIMT_ATOMIC_INTEGERS(atomicMin, val < old ? val : old)
ZCNAS_SIMT_ATOMIC(atomicMin, long long, val < old ? val : old)
ZCNAS_SIMT_ATOMIC_INTEGERS(atomicMax, val > old ? val : old)
ZCNAS_SIMT_ATOMIC(atomicMax, long long, val > old ? val : old)
ZCNAS_SIMT_ATOMIC_INTEGERS(atomicAnd, old& val)
ZCNAS_SIMT_ATOMIC_INTEGERS(atomicOr, old | val)
ZCNAS_SIMT_ATOMIC_INTEGERS(atomicXor, old ^ val)
ZCNAS_SIMT_ATOMIC(atomicInc, unsigned, old >= val ? 0u : old + 1u)
ZCNAS_SIMT_ATOMIC(atomicDec, unsigned, (old == 0u || old > val) ? val : old - 1u)
#undef ZCNAS_SIMT_ATOMIC_INTEGERS
#undef ZCNAS_SIMT_ATOMIC
template <typename T>
T atomicCAS(T* address, T compare, T val) {
  static_assert(std::is_same_v<T, int> || std::is_same_v<T, unsigned> || std::is_same_v<T, unsigned long long> ||
                    std::is_same_v<T, unsigned short>,
                "atomicCAS takes int, unsigned, unsigned long long or unsigned short");
  const T old = *address;
  if (old == compare) *address = val;
  return old;
}
