// The emulator's scheduler: fibers for a block's threads, barriers and warp collectives checked and resolved.
#include "emulated/simt.hpp"

#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <new>
#include <numeric>
#include <random>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define ZCNAS_SIMT_ASAN 1
#endif

namespace simt {

std::string to_string(const Schedule& schedule) {
  switch (schedule.order) {
    case Order::forward:
      return "forward";
    case Order::reverse:
      return "reverse";
    case Order::shuffled:
      return "shuffled(seed " + std::to_string(schedule.seed) + ")";
    case Order::warps_ahead:
      return "warps ahead";
  }
  return "?";
}

namespace detail {

thread_local uint3 g_block_idx{};
thread_local dim3 g_block_dim{};
thread_local dim3 g_grid_dim{};

namespace {

constexpr int kWarp = 32;
#ifdef ZCNAS_SIMT_ASAN
constexpr size_t kStackBytes = size_t{1} << 20;  // instrumented frames are several times larger
#else
constexpr size_t kStackBytes = size_t{256} << 10;
#endif

enum class State { ready, barrier, collective, done };

struct Site {
  const char* file = "";
  int line = 0;
};
bool same_site(const Site& a, const Site& b) {
  return a.line == b.line && (a.file == b.file || std::strcmp(a.file, b.file) == 0);
}
std::string where(const Site& s) { return std::string(s.file) + ":" + std::to_string(s.line); }

const char* intrinsic_name(Collective op) {
  switch (op) {
    case Collective::syncwarp:
      return "__syncwarp";
    case Collective::ballot:
      return "__ballot_sync";
    case Collective::any:
      return "__any_sync";
    case Collective::all:
      return "__all_sync";
    case Collective::shfl_idx:
      return "__shfl_sync";
    case Collective::shfl_up:
      return "__shfl_up_sync";
    case Collective::shfl_down:
      return "__shfl_down_sync";
    case Collective::shfl_xor:
      return "__shfl_xor_sync";
    case Collective::reduce_add:
      return "__reduce_add_sync";
    case Collective::reduce_min:
      return "__reduce_min_sync";
    case Collective::reduce_max:
      return "__reduce_max_sync";
  }
  return "?";
}

std::string hex(unsigned v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

struct Fiber {
  ucontext_t context{};
  uint3 tid{};
  State state = State::ready;
  Site site;
  Collective op = Collective::syncwarp;
  unsigned mask = 0;
  uint64_t value = 0, result = 0;
  int arg = 0, width = kWarp;
  void* fake_stack = nullptr;  // AddressSanitizer's bookkeeping while switched out
};

// Stacks for the fibers, reserved lazily (MAP_NORESERVE) with a guard page below each, reused by every block.
class Stacks {
 public:
  explicit Stacks(size_t count) : count_(count), page_(static_cast<size_t>(sysconf(_SC_PAGESIZE))) {
    stride_ = kStackBytes + page_;
    base_ = static_cast<char*>(
        mmap(nullptr, stride_ * count_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
    if (base_ == MAP_FAILED) throw std::bad_alloc();
    for (size_t i = 0; i < count_; ++i) mprotect(base_ + i * stride_, page_, PROT_NONE);
  }
  ~Stacks() { munmap(base_, stride_ * count_); }
  Stacks(const Stacks&) = delete;
  Stacks& operator=(const Stacks&) = delete;
  char* bottom(size_t i) const { return base_ + i * stride_ + page_; }

 private:
  size_t count_, page_, stride_ = 0;
  char* base_ = nullptr;
};

struct Grid {
  std::vector<Fiber> fibers;
  ucontext_t scheduler{};
  int current = -1;
  const std::function<void()>* body = nullptr;
  std::exception_ptr thrown;
  unsigned char* shared = nullptr;
  size_t shared_bytes = 0;
  const void* scheduler_stack = nullptr;
  size_t scheduler_stack_bytes = 0;
};

thread_local Grid* g_grid = nullptr;

[[noreturn]] void fail(const std::string& what) { throw EmulationError("SIMT emulator: " + what); }

std::string name_of(const uint3& v) {
  return "(" + std::to_string(v.x) + "," + std::to_string(v.y) + "," + std::to_string(v.z) + ")";
}
std::string block_name() { return "block " + name_of(g_block_idx); }

Grid& grid() {
  if (g_grid == nullptr || g_grid->current < 0) fail("a CUDA intrinsic was called outside simt::launch");
  return *g_grid;
}
Fiber& running() {
  Grid& g = grid();
  return g.fibers[static_cast<size_t>(g.current)];
}

void start_switch(void** fake_stack, const void* bottom, size_t bytes) {
#ifdef ZCNAS_SIMT_ASAN
  __sanitizer_start_switch_fiber(fake_stack, bottom, bytes);
#else
  (void)fake_stack, (void)bottom, (void)bytes;
#endif
}
void finish_switch(void* fake_stack, const void** bottom, size_t* bytes) {
#ifdef ZCNAS_SIMT_ASAN
  __sanitizer_finish_switch_fiber(fake_stack, bottom, bytes);
#else
  (void)fake_stack, (void)bottom, (void)bytes;
#endif
}

// From the running fiber back to the scheduler; returns when the scheduler resumes this fiber.
void yield_to_scheduler(bool exiting) {
  Grid& g = *g_grid;
  Fiber& f = g.fibers[static_cast<size_t>(g.current)];
  start_switch(exiting ? nullptr : &f.fake_stack, g.scheduler_stack, g.scheduler_stack_bytes);
  swapcontext(&f.context, &g.scheduler);
  finish_switch(f.fake_stack, &g.scheduler_stack, &g.scheduler_stack_bytes);
}

void fiber_main() {
  Grid& g = *g_grid;
  finish_switch(nullptr, &g.scheduler_stack, &g.scheduler_stack_bytes);
  try {
    (*g.body)();
  } catch (...) {
    if (!g.thrown) g.thrown = std::current_exception();
  }
  g.fibers[static_cast<size_t>(g.current)].state = State::done;
  yield_to_scheduler(true);
}

void run_fiber(Grid& g, const Stacks& stacks, int i) {
  g.current = i;
  void* fake_stack = nullptr;
  start_switch(&fake_stack, stacks.bottom(static_cast<size_t>(i)), kStackBytes);
  swapcontext(&g.scheduler, &g.fibers[static_cast<size_t>(i)].context);
  finish_switch(fake_stack, nullptr, nullptr);
  g.current = -1;
  if (g.thrown) std::rethrow_exception(g.thrown);
}

std::string lane_name(int warp, int lane) {
  return block_name() + " warp " + std::to_string(warp) + " lane " + std::to_string(lane);
}

// Every lane named in the leader's mask waits at the same collective: compute each one's result.
void resolve_group(std::vector<Fiber>& fibers, int warp, int lanes, int leader) {
  const Fiber& lead = fibers[static_cast<size_t>(warp * kWarp + leader)];
  const std::string call =
      std::string(intrinsic_name(lead.op)) + " at " + where(lead.site) + " with mask " + hex(lead.mask);
  if (((lead.mask >> leader) & 1u) == 0) fail(lane_name(warp, leader) + " calls " + call + ", which leaves it out");
  for (int k = 0; k < kWarp; ++k) {
    if (((lead.mask >> k) & 1u) == 0) continue;
    if (k >= lanes)
      fail(call + " in " + block_name() + " warp " + std::to_string(warp) + " names lane " + std::to_string(k) +
           ", which the block (" + std::to_string(lanes) + " threads in this warp) does not have");
    const Fiber& other = fibers[static_cast<size_t>(warp * kWarp + k)];
    switch (other.state) {
      case State::done:
        fail(lane_name(warp, k) + " is named by " + call + " but has exited");
      case State::barrier:
        fail(lane_name(warp, k) + " is named by " + call + " but waits at __syncthreads at " + where(other.site));
      case State::ready:
        fail(lane_name(warp, k) + " is named by " + call + " but never arrived");
      case State::collective:
        if (other.op != lead.op || other.mask != lead.mask || !same_site(other.site, lead.site))
          fail(lane_name(warp, k) + " is named by " + call + " but waits at " + intrinsic_name(other.op) + " at " +
               where(other.site) + " with mask " + hex(other.mask));
        break;
    }
  }
  const int width = lead.width;
  if (width < 1 || width > kWarp || (width & (width - 1)) != 0)
    fail(call + ": width " + std::to_string(width) + " is not a power of two in 1..32");

  uint64_t ballot = 0;
  int64_t sum = 0, lo = 0, hi = 0;
  bool first = true;
  const bool is_signed = lead.arg != 0;
  for (int k = 0; k < kWarp; ++k) {
    if (((lead.mask >> k) & 1u) == 0) continue;
    const Fiber& f = fibers[static_cast<size_t>(warp * kWarp + k)];
    ballot |= static_cast<uint64_t>(f.value != 0) << k;
    const int64_t v = is_signed ? static_cast<int64_t>(static_cast<int32_t>(f.value))
                                : static_cast<int64_t>(static_cast<uint32_t>(f.value));
    sum += v;
    lo = first ? v : std::min(lo, v);
    hi = first ? v : std::max(hi, v);
    first = false;
  }
  for (int k = 0; k < kWarp; ++k) {
    if (((lead.mask >> k) & 1u) == 0) continue;
    Fiber& f = fibers[static_cast<size_t>(warp * kWarp + k)];
    const int segment = k & ~(width - 1), in_segment = k & (width - 1);
    int source = -1;  // the lane a shuffle reads; -1: the lane's own value
    switch (f.op) {
      case Collective::syncwarp:
        f.result = 0;
        break;
      case Collective::ballot:
        f.result = ballot;
        break;
      case Collective::any:
        f.result = ballot != 0;
        break;
      case Collective::all:
        f.result = ballot == lead.mask;
        break;
      case Collective::shfl_idx:
        source = segment + (f.arg & (width - 1));
        break;
      case Collective::shfl_up:
        if (f.arg >= 0 && in_segment - f.arg >= 0) source = k - f.arg;
        break;
      case Collective::shfl_down:
        if (f.arg >= 0 && in_segment + f.arg < width) source = k + f.arg;
        break;
      case Collective::shfl_xor:
        if (f.arg >= 0 && ((k ^ f.arg) & ~(width - 1)) == segment) source = k ^ f.arg;
        break;
      case Collective::reduce_add:
        f.result = static_cast<uint64_t>(static_cast<uint32_t>(sum));
        break;
      case Collective::reduce_min:
        f.result = static_cast<uint64_t>(static_cast<uint32_t>(lo));
        break;
      case Collective::reduce_max:
        f.result = static_cast<uint64_t>(static_cast<uint32_t>(hi));
        break;
    }
    const bool is_shuffle = f.op == Collective::shfl_idx || f.op == Collective::shfl_up ||
                            f.op == Collective::shfl_down || f.op == Collective::shfl_xor;
    if (is_shuffle) {
      if (source >= 0 && ((lead.mask >> source) & 1u) == 0)
        fail(lane_name(warp, k) + " in " + call + " reads lane " + std::to_string(source) +
             ", which the mask does not name");
      f.result = source >= 0 ? fibers[static_cast<size_t>(warp * kWarp + source)].value : f.value;
    }
  }
  for (int k = 0; k < kWarp; ++k)
    if ((lead.mask >> k) & 1u) fibers[static_cast<size_t>(warp * kWarp + k)].state = State::ready;
}

// Resolves every collective the warp's lanes wait at; call only when none of its lanes is still ready to run.
void resolve_warp(std::vector<Fiber>& fibers, int warp) {
  const int lanes = std::min(kWarp, static_cast<int>(fibers.size()) - warp * kWarp);
  for (int l = 0; l < lanes; ++l)
    if (fibers[static_cast<size_t>(warp * kWarp + l)].state == State::collective) resolve_group(fibers, warp, lanes, l);
}

int warps_of(const std::vector<Fiber>& fibers) { return static_cast<int>((fibers.size() + kWarp - 1) / kWarp); }

// Warp after warp, the last first: each runs, its collectives resolved as they complete, until every lane waits
// at a barrier or has exited. Other schedules move all warps in lockstep from one collective to the next, which
// hides a warp that overtakes another between barriers (a shared-memory slot rewritten before another warp has
// read it); here one warp runs as far ahead as it can.
void run_warps_ahead(Grid& g, const Stacks& stacks) {
  for (int warp = warps_of(g.fibers) - 1; warp >= 0; --warp) {
    const int first = warp * kWarp, last = std::min(first + kWarp, static_cast<int>(g.fibers.size())) - 1;
    for (bool ran = true; ran;) {
      ran = false;
      for (int i = last; i >= first; --i)
        if (g.fibers[static_cast<size_t>(i)].state == State::ready) {
          run_fiber(g, stacks, i);
          ran = true;
        }
      resolve_warp(g.fibers, warp);
    }
  }
}

// Every thread still running waits at a barrier: it must be the same __syncthreads, and none may have exited.
void release_barrier(std::vector<Fiber>& fibers) {
  const Fiber* first = nullptr;
  int exited = 0;
  for (const Fiber& f : fibers) {
    if (f.state == State::done) ++exited;
    if (f.state != State::barrier) continue;
    if (first == nullptr) first = &f;
    if (!same_site(f.site, first->site))
      fail(block_name() + ": thread " + name_of(first->tid) + " waits at __syncthreads at " + where(first->site) +
           " and thread " + name_of(f.tid) + " at " + where(f.site));
  }
  if (exited > 0)
    fail(block_name() + ": __syncthreads at " + where(first->site) + " reached after " + std::to_string(exited) +
         " of its " + std::to_string(fibers.size()) + " threads exited");
  for (Fiber& f : fibers) f.state = State::ready;
}

// getcontext returns twice as far as the compiler knows; alone in a function, it leaves no local of a caller
// that a second return could find clobbered.
[[gnu::noinline]] ucontext_t current_context() {
  ucontext_t context;
  getcontext(&context);
  return context;
}

void run_block(Grid& g, const Stacks& stacks, const Schedule& schedule, std::mt19937& rng) {
  const unsigned bx = g_block_dim.x, by = g_block_dim.y;
  const int n = static_cast<int>(g.fibers.size());
  for (int i = 0; i < n; ++i) {
    Fiber& f = g.fibers[static_cast<size_t>(i)];
    f = Fiber{};
    const auto u = static_cast<unsigned>(i);
    f.tid = uint3{u % bx, u / bx % by, u / (bx * by)};
    f.context = current_context();
    f.context.uc_stack.ss_sp = stacks.bottom(static_cast<size_t>(i));
    f.context.uc_stack.ss_size = kStackBytes;
    f.context.uc_link = nullptr;
    makecontext(&f.context, fiber_main, 0);
  }
  if (g.shared_bytes > 0) std::memset(g.shared, 0xff, g.shared_bytes);

  std::vector<int> ids(static_cast<size_t>(n));
  std::iota(ids.begin(), ids.end(), 0);
  if (schedule.order == Order::reverse) std::reverse(ids.begin(), ids.end());
  for (;;) {
    if (schedule.order == Order::warps_ahead) {
      run_warps_ahead(g, stacks);
    } else {
      if (schedule.order == Order::shuffled) std::shuffle(ids.begin(), ids.end(), rng);
      for (int i : ids)
        if (g.fibers[static_cast<size_t>(i)].state == State::ready) run_fiber(g, stacks, i);
      for (int warp = 0; warp < warps_of(g.fibers); ++warp) resolve_warp(g.fibers, warp);
    }
    bool ready = false, waiting = false;
    for (const Fiber& f : g.fibers) {
      ready |= f.state == State::ready;
      waiting |= f.state == State::barrier;
    }
    if (ready) continue;
    if (!waiting) return;  // every thread exited
    release_barrier(g.fibers);
  }
}

void check_launch(const Launch& launch) {
  const dim3 b = launch.block, gr = launch.grid;
  const uint64_t threads = uint64_t{b.x} * b.y * b.z;
  if (b.x == 0 || b.y == 0 || b.z == 0 || b.x > 1024 || b.y > 1024 || b.z > 64 || threads > 1024)
    fail("invalid block " + name_of(uint3{b.x, b.y, b.z}) + ": each dimension at least 1, x and y at most 1024, " +
         "z at most 64, at most 1024 threads");
  if (gr.x == 0 || gr.y == 0 || gr.z == 0 || gr.x > 2147483647u || gr.y > 65535 || gr.z > 65535)
    fail("invalid grid " + name_of(uint3{gr.x, gr.y, gr.z}) + ": x in 1..2^31-1, y and z in 1..65535");
  if (launch.shared_bytes > size_t{227} * 1024)
    fail("dynamic shared memory of " + std::to_string(launch.shared_bytes) + " bytes exceeds 227 KB per block");
}

struct ActiveGrid {  // installs the grid's state for the launch and clears it however the launch ends
  explicit ActiveGrid(Grid& g) { g_grid = &g; }
  ~ActiveGrid() {
    g_grid = nullptr;
    g_block_idx = uint3{};
    g_block_dim = dim3{};
    g_grid_dim = dim3{};
  }
  ActiveGrid(const ActiveGrid&) = delete;
  ActiveGrid& operator=(const ActiveGrid&) = delete;
};

}  // namespace

const uint3& thread_idx() { return running().tid; }

void barrier(const char* file, int line) {
  Fiber& f = running();
  f.state = State::barrier;
  f.site = Site{file, line};
  yield_to_scheduler(false);
}

uint64_t collective(Collective op, const char* file, int line, unsigned mask, uint64_t value, int arg, int width) {
  Fiber& f = running();
  f.state = State::collective;
  f.site = Site{file, line};
  f.op = op;
  f.mask = mask;
  f.value = value;
  f.arg = arg;
  f.width = width;
  yield_to_scheduler(false);
  return running().result;
}

unsigned active_mask() {
  Grid& g = grid();
  const int warp = g.current / kWarp, n = static_cast<int>(g.fibers.size());
  unsigned mask = 0;
  for (int l = 0; l < kWarp && warp * kWarp + l < n; ++l)
    if (g.fibers[static_cast<size_t>(warp * kWarp + l)].state != State::done) mask |= 1u << l;
  return mask;
}

void* dynamic_shared(size_t alignment) {
  Grid& g = grid();
  if (alignment > 16) fail("dynamic shared memory aligned to more than 16 bytes");
  return g.shared;
}

void run_grid(const Launch& launch, const Schedule& schedule, const std::function<void()>& thread_body) {
  if (g_grid != nullptr) fail("simt::launch called from inside a kernel");
  check_launch(launch);
  Grid g;
  const size_t threads = size_t{launch.block.x} * launch.block.y * launch.block.z;
  g.fibers.resize(threads);
  g.body = &thread_body;
  g.shared_bytes = launch.shared_bytes;
  std::vector<unsigned char> shared(g.shared_bytes);  // exactly the launch's bytes, so overruns are caught
  g.shared = shared.data();
  const Stacks stacks(threads);
  const ActiveGrid active(g);
  g_grid_dim = launch.grid;
  g_block_dim = launch.block;

  std::vector<uint3> blocks;
  for (unsigned z = 0; z < launch.grid.z; ++z)
    for (unsigned y = 0; y < launch.grid.y; ++y)
      for (unsigned x = 0; x < launch.grid.x; ++x) blocks.push_back(uint3{x, y, z});
  std::mt19937 rng(schedule.seed);
  if (schedule.order == Order::reverse || schedule.order == Order::warps_ahead)
    std::reverse(blocks.begin(), blocks.end());
  if (schedule.order == Order::shuffled) std::shuffle(blocks.begin(), blocks.end(), rng);
  for (const uint3& b : blocks) {
    g_block_idx = b;
    run_block(g, stacks, schedule, rng);
  }
}

}  // namespace detail
}  // namespace simt
