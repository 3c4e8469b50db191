// The host's DeviceKernels: host memory and the CPU ops of kernels/.
#include <cstring>
#include <map>
#include <utility>
#include <vector>

#include "kernels/hamming.hpp"
#include "kernels/logdet.hpp"
#include "kernels/unit_patterns.hpp"
#include "scores/device_kernels.hpp"

namespace zcnas {
namespace {

class CpuKernels final : public DeviceKernels {
 public:
  int64_t reduction_batch() const override { return 1; }

  void* workspace(const void* owner, int slot, size_t bytes) override {
    std::vector<unsigned char>& buf = buffers_[{owner, slot}];
    if (buf.size() < bytes) buf.resize(bytes);
    return buf.data();
  }

  void zero(void* data, size_t bytes) override { std::memset(data, 0, bytes); }

  void accumulate_hamming(const SignBitsGroup& g, int64_t batch, int64_t* K) override {
    accumulate_hamming_cpu(g.bits, batch, g.words, g.units, g.multiplicity, K);
  }

  void kernel_to_double(const int64_t* K, int64_t count, int64_t offset, double* out) override {
    kernel_to_double_cpu(K, count, offset, out);
  }

  void flag_identical_samples(const int64_t* K, int64_t batch, int* flag) override {
    *flag = identical_samples_cpu(K, batch) ? 1 : 0;
  }

  void unit_patterns(const uint64_t* bits, int64_t row_words, int64_t batch, int64_t units, uint64_t* keys) override {
    unit_patterns_cpu(bits, row_words, batch, units, keys);
  }

  void mark_patterns(const uint64_t* keys, int64_t count, uint64_t* bitmap) override {
    mark_patterns_cpu(keys, count, bitmap);
  }

  void count_equal_to_diagonal(const int64_t* K, int64_t batch, int64_t* counts) override {
    count_equal_to_diagonal_cpu(K, batch, counts);
  }

  void log_abs_det(const double* K, int64_t n, int64_t count, double* host_scores) override {
    for (int64_t k = 0; k < count; ++k) host_scores[k] = log_abs_det_cpu(K + k * n * n, n);
  }

  void download(const void* data, size_t bytes, void* host) override { std::memcpy(host, data, bytes); }

 private:
  std::map<std::pair<const void*, int>, std::vector<unsigned char>> buffers_;
};

}  // namespace

std::unique_ptr<DeviceKernels> make_cpu_kernels() { return std::make_unique<CpuKernels>(); }

}  // namespace zcnas
