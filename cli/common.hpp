// Options and helpers shared by the zcnas subcommands.
#pragma once
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/scorer.hpp"
#include "core/tensor.hpp"
#include "io/input_batch.hpp"
#include "scores/backend.hpp"
#include "spaces/space.hpp"

namespace zcnas::cli {

// The batch options (--data, --input, --offset, --seed, --batch, --normalisation) of io/input_batch.hpp's source.
using DataOptions = BatchSource;
void add_data_options(CLI::App& cmd, DataOptions& options);
// load_batch, saying loudly on stderr when the batch is synthetic.
Tensor load_input(const DataOptions& options);

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
// A Scorer's settings of these options: space, device, network and init seed (scores and the rest as defaulted).
ScorerSettings engine_settings(const EngineOptions& options);

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
