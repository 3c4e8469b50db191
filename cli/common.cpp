// Shared CLI options: data, engine, progress and interruption.
#include "cli/common.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>

#include "io/cifar10.hpp"
#include "io/safetensors.hpp"

namespace zcnas::cli {

void add_data_options(CLI::App& cmd, DataOptions& o) {
  auto* data =
      cmd.add_option("--data", o.data, "CIFAR-10 binary file or directory of batch files (default: a synthetic batch)");
  auto* input =
      cmd.add_option("--input", o.input,
                     "the batch as a safetensors file: its F32 tensor `input` [B, 3, H, W], already "
                     "normalised (B is the file's); zen takes `input` and `mixup_input` from it when it has both")
          ->check(CLI::ExistingFile);
  auto* offset = cmd.add_option("--offset", o.offset, "use images offset..offset+B-1 in file order (default 0)");
  auto* seed = cmd.add_option("--seed", o.seed, "draw the B images at random from this seed");
  offset->excludes(seed);
  input->excludes(data)->excludes(offset)->excludes(seed);
  cmd.add_option("--batch,-b", o.batch, "batch size B")->check(CLI::PositiveNumber);
  cmd.add_option("--normalisation", o.normalisation, "per-channel mean/std: cifar10, cifar100 or imagenet16")
      ->check(CLI::IsMember({"cifar10", "cifar100", "imagenet16"}));
}

Tensor load_input_tensor(const std::string& path, const std::string& name) {
  const TensorFile file = read_safetensors(path);
  const auto it = file.find(name);
  ZCNAS_REQUIRE(it != file.end(), "--input '{}' has no tensor named '{}'", path, name);
  ZCNAS_REQUIRE(it->second.dtype == "F32", "--input '{}': tensor '{}' is {}, expected F32", path, name,
                it->second.dtype);
  Tensor t = raw_to_f32(it->second, fmt::format("--input '{}': tensor '{}'", path, name));
  ZCNAS_REQUIRE(t.shape.size() == 4 && t.shape[0] > 0 && t.shape[1] == 3,
                "--input '{}': tensor '{}' has shape {}, expected [B, 3, H, W]", path, name, shape_to_string(t.shape));
  return t;
}

Tensor load_input(const DataOptions& o) {
  if (!o.input.empty()) return load_input_tensor(o.input, "input");
  if (o.data.empty()) {
    std::fprintf(stderr,
                 "zcnas: WARNING: no --data given: scoring a SYNTHETIC batch of %lld random images, not CIFAR-10. "
                 "Scores are not comparable with published ones.\n",
                 static_cast<long long>(o.batch));
    return synthetic_batch(o.batch, o.seed.value_or(0));
  }
  const ImageSet images = load_cifar10(o.data);
  const auto indices = o.seed ? select_by_seed(images.size(), *o.seed, o.batch)
                              : select_by_offset(images.size(), o.offset.value_or(0), o.batch);
  const Normalisation norm = o.normalisation == "cifar100"     ? Normalisation::cifar100()
                             : o.normalisation == "imagenet16" ? Normalisation::imagenet16()
                                                               : Normalisation::cifar10();
  return make_batch(images, indices, norm);
}

void add_space_option(CLI::App& cmd, std::string& space) {
  cmd.add_option("--space", space, "search space (default " + std::string(kDefaultSpace) + ")")
      ->check(CLI::IsMember(space_names()));
}

void add_engine_options(CLI::App& cmd, EngineOptions& o) {
  add_space_option(cmd, o.space);
  cmd.add_option("--device", o.device, "auto (GPU when there is one), cpu or cuda")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  cmd.add_option("--channels,-C,--stem-channels,--width", o.channels,
                 "network width: NB201's first-stage channels C, NB101's stem channels, DARTS' initial channels; "
                 "none for nats-sss, whose arch sets every width (default: the space's)")
      ->check(CLI::PositiveNumber);
  cmd.add_option("--cells,-N,--depth", o.cells,
                 "network depth: cells per stage or stack, DARTS' cells; none for nats-sss (default: the space's)")
      ->check(CLI::NonNegativeNumber);
  cmd.add_option("--classes", o.classes, "classifier outputs (default 1: scores read features, not labels)")
      ->check(CLI::PositiveNumber);
  cmd.add_option("--init-seed", o.init_seed, "seed of the default weight initialisation");
}

BuildOptions network_options(const EngineOptions& o) {
  BuildOptions b;
  b.channels = o.channels;
  b.depth = o.cells;
  b.num_classes = o.classes;
  return b;
}

std::unique_ptr<Backend> open_backend(const EngineOptions& o, int cuda_device) {
  std::string note;
  auto backend = make_backend(parse_device(o.device), &note, cuda_device);
  if (!note.empty()) std::fprintf(stderr, "zcnas: %s\n", note.c_str());
  std::fprintf(stderr, "zcnas: backend %s\n", backend->name().c_str());
  return backend;
}

Progress::Progress(int64_t total, std::string what)
    : total_(total), what_(std::move(what)), start_(Clock::now()), last_(start_) {}

void Progress::advance(int64_t n) {
  done_ += n;
  if (std::chrono::duration<double>(Clock::now() - last_).count() >= 1.0) print(false);
}

void Progress::finish() {
  if (done_ != printed_) {
    print(true);
  } else if (isatty(fileno(stderr))) {
    std::fputc('\n', stderr);  // end the redrawn line
  }
}

void Progress::print(bool final_line) {
  last_ = Clock::now();
  printed_ = done_;
  const double elapsed = seconds_since(start_);
  const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done_) / rate : 0.0;
  // On a terminal the line is redrawn in place; in a log every update is a line of its own.
  const bool tty = isatty(fileno(stderr)) != 0;
  std::fprintf(stderr, "%s%s %lld/%lld, %.2f/s, elapsed %.1f s, ETA %.1f s%s", tty ? "\r" : "", what_.c_str(),
               static_cast<long long>(done_), static_cast<long long>(total_), rate, elapsed, eta,
               tty && !final_line ? "   " : "\n");
  std::fflush(stderr);
}

namespace {
std::atomic<bool> g_interrupted{false};  // set from the signal handler only
extern "C" void on_interrupt(int sig) {
  g_interrupted = true;
  std::signal(sig, SIG_DFL);  // a second signal ends the process at once
}
}  // namespace

bool interrupted() { return g_interrupted.load(); }

void install_interrupt_handler() {
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
}

}  // namespace zcnas::cli
