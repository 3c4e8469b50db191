// Options and helpers shared by the zcnas subcommands.
#pragma once
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/tensor.hpp"
#include "scores/backend.hpp"
#include "spaces/space.hpp"

namespace zcnas::cli {

// Where the batch comes from: a CIFAR-10 file or directory, a tensor file, or a synthetic batch when none is
// given.
struct DataOptions {
  std::string data;
  std::string input;  // safetensors file whose tensor `input` is the batch
  std::optional<int64_t> offset;
  std::optional<uint64_t> seed;
  int64_t batch = 128;
  std::string normalisation = "cifar10";
};
void add_data_options(CLI::App& cmd, DataOptions& options);
// Loads the batch [B, 3, 32, 32]; says loudly on stderr when it is synthetic. With --input, the file's batch
// (B is the file's).
Tensor load_input(const DataOptions& options);
// Tensor `name` of an --input safetensors file, F32 [B, 3, H, W]; throws naming the file and the tensor.
Tensor load_input_tensor(const std::string& path, const std::string& name);

// --space, checked against the registry's names.
void add_space_option(CLI::App& cmd, std::string& space);

// How networks are built and run; width, depth and classes left unset take the space's defaults.
struct EngineOptions {
  std::string space = kDefaultSpace;
  std::string device = "auto";
  std::optional<int64_t> channels;
  std::optional<int> cells;
  std::optional<int64_t> classes;
  uint64_t init_seed = 0;
};
void add_engine_options(CLI::App& cmd, EngineOptions& options);
BuildOptions network_options(const EngineOptions& options);
// Opens the backend (on GPU `cuda_device` when it is the CUDA one); says on stderr which one, and when --device auto
// fell back to the CPU.
std::unique_ptr<Backend> open_backend(const EngineOptions& options, int cuda_device = 0);

// Progress on stderr: done/total, archs/s, ETA; at most a few lines a second.
class Progress {
 public:
  Progress(int64_t total, std::string what);
  void advance(int64_t n = 1);
  void finish();

 private:
  void print(bool final_line);
  int64_t total_, done_ = 0, printed_ = -1;
  std::string what_;
  std::chrono::steady_clock::time_point start_, last_;
};

// True once the user pressed Ctrl-C (or sent SIGTERM): long loops stop after the row in progress.
bool interrupted();
void install_interrupt_handler();

using Clock = std::chrono::steady_clock;
inline double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace zcnas::cli
