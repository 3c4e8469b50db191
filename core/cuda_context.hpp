// Owners of CUDA resources: device and pinned buffers, streams, events and library handles, each released by
// its destructor, plus the explicit context that names the device and holds per-device caches. Nothing here
// is global: whoever needs a resource owns it or borrows it from its caller. CUDA builds only.
#pragma once
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <typeindex>
#include <unordered_map>
#include <utility>

#include "core/cuda_check.hpp"
#include "core/cuda_libraries.hpp"

namespace zcnas::cuda {

// Device memory for `count` elements of T. Moves, never copies.
template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t count) { reserve_discard(count); }
  ~DeviceBuffer() { reset(); }
  DeviceBuffer(DeviceBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
    if (this != &other) {
      reset();
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  T* data() { return data_; }
  const T* data() const { return data_; }
  size_t size() const { return size_; }
  size_t bytes() const { return size_ * sizeof(T); }

  // Room for at least `count` elements; the old contents are lost. The caller guarantees that no queued
  // work still uses the old memory (by synchronising the stream that used it).
  void reserve_discard(size_t count) {
    if (count <= size_) return;
    reset();
    void* p = nullptr;
    ZCNAS_CUDA_CHECK(cudaMalloc(&p, count * sizeof(T)));
    data_ = static_cast<T*>(p);
    size_ = count;
  }

  void reset() noexcept {
    // cannot throw from a destructor; a failed free leaks nothing we can recover
    if (data_) cudaFree(static_cast<void*>(data_));
    data_ = nullptr;
    size_ = 0;
  }

 private:
  T* data_ = nullptr;
  size_t size_ = 0;
};

// Page-locked host memory, so that copies to and from the device are asynchronous.
template <typename T>
class PinnedBuffer {
 public:
  PinnedBuffer() = default;
  ~PinnedBuffer() { reset(); }
  PinnedBuffer(PinnedBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  PinnedBuffer& operator=(PinnedBuffer&& other) noexcept {
    if (this != &other) {
      reset();
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;

  T* data() { return data_; }
  const T* data() const { return data_; }
  size_t size() const { return size_; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }

  // As DeviceBuffer::reserve_discard: no pending copy may still use the old memory.
  void reserve_discard(size_t count) {
    if (count <= size_) return;
    reset();
    void* p = nullptr;
    ZCNAS_CUDA_CHECK(cudaMallocHost(&p, count * sizeof(T)));
    data_ = static_cast<T*>(p);
    size_ = count;
  }

  void reset() noexcept {
    if (data_) cudaFreeHost(data_);
    data_ = nullptr;
    size_ = 0;
  }

 private:
  T* data_ = nullptr;
  size_t size_ = 0;
};

// A stream that is either owned (created here, destroyed with this object) or borrowed from a caller.
class Stream {
 public:
  static Stream create() {
    cudaStream_t s = nullptr;
    ZCNAS_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    return Stream(s, true);
  }
  static Stream borrow(cudaStream_t s) { return Stream(s, false); }

  Stream() = default;
  ~Stream() { reset(); }
  Stream(Stream&& other) noexcept
      : stream_(std::exchange(other.stream_, nullptr)), owned_(std::exchange(other.owned_, false)) {}
  Stream& operator=(Stream&& other) noexcept {
    if (this != &other) {
      reset();
      stream_ = std::exchange(other.stream_, nullptr);
      owned_ = std::exchange(other.owned_, false);
    }
    return *this;
  }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  cudaStream_t get() const { return stream_; }
  void synchronize() const { ZCNAS_CUDA_CHECK(cudaStreamSynchronize(stream_)); }

 private:
  Stream(cudaStream_t s, bool owned) : stream_(s), owned_(owned) {}
  void reset() noexcept {
    if (owned_ && stream_) cudaStreamDestroy(stream_);
    stream_ = nullptr;
    owned_ = false;
  }

  cudaStream_t stream_ = nullptr;
  bool owned_ = false;
};

class Event {
 public:
  explicit Event(bool timing = false) {
    ZCNAS_CUDA_CHECK(cudaEventCreateWithFlags(&event_, timing ? cudaEventDefault : cudaEventDisableTiming));
  }
  ~Event() {
    if (event_) cudaEventDestroy(event_);
  }
  Event(Event&& other) noexcept : event_(std::exchange(other.event_, nullptr)) {}
  Event& operator=(Event&&) = delete;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  cudaEvent_t get() const { return event_; }
  void record(cudaStream_t stream) { ZCNAS_CUDA_CHECK(cudaEventRecord(event_, stream)); }
  void synchronize() const { ZCNAS_CUDA_CHECK(cudaEventSynchronize(event_)); }
  // Milliseconds from `start` to this event; both recorded with timing enabled.
  float elapsed_ms_since(const Event& start) const {
    float ms = 0.0f;
    ZCNAS_CUDA_CHECK(cudaEventElapsedTime(&ms, start.event_, event_));
    return ms;
  }

 private:
  cudaEvent_t event_ = nullptr;
};

// Library handles bound to one stream for their whole life.
class CudnnHandle {
 public:
  explicit CudnnHandle(cudaStream_t stream) {
    ZCNAS_CUDA_CHECK(cudnnCreate(&handle_));
    ZCNAS_CUDA_CHECK(cudnnSetStream(handle_, stream));
  }
  ~CudnnHandle() {
    if (handle_) cudnnDestroy(handle_);
  }
  CudnnHandle(const CudnnHandle&) = delete;
  CudnnHandle& operator=(const CudnnHandle&) = delete;
  cudnnHandle_t get() const { return handle_; }

 private:
  cudnnHandle_t handle_ = nullptr;
};

class CublasHandle {
 public:
  explicit CublasHandle(cudaStream_t stream) {
    ZCNAS_REQUIRE(cuda_library_loaded(CudaLibrary::Cublas), "cuBLAS: {} could not be loaded",
                  cuda_library_name(CudaLibrary::Cublas));
    ZCNAS_CUDA_CHECK(cublasCreate(&handle_));
    ZCNAS_CUDA_CHECK(cublasSetStream(handle_, stream));
  }
  ~CublasHandle() {
    if (handle_) cublasDestroy(handle_);
  }
  CublasHandle(const CublasHandle&) = delete;
  CublasHandle& operator=(const CublasHandle&) = delete;
  cublasHandle_t get() const { return handle_; }

 private:
  cublasHandle_t handle_ = nullptr;
};

class CusolverHandle {
 public:
  explicit CusolverHandle(cudaStream_t stream) {
    ZCNAS_REQUIRE(cuda_library_loaded(CudaLibrary::Cusolver), "cuSOLVER: {} could not be loaded",
                  cuda_library_name(CudaLibrary::Cusolver));
    ZCNAS_CUDA_CHECK(cusolverDnCreate(&handle_));
    ZCNAS_CUDA_CHECK(cusolverDnSetStream(handle_, stream));
  }
  ~CusolverHandle() {
    if (handle_) cusolverDnDestroy(handle_);
  }
  CusolverHandle(const CusolverHandle&) = delete;
  CusolverHandle& operator=(const CusolverHandle&) = delete;
  cusolverDnHandle_t get() const { return handle_; }

 private:
  cusolverDnHandle_t handle_ = nullptr;
};

// One device and what is shared by everything that runs on it: its properties and per-device caches
// (e.g. the convolution algorithm chosen for each shape). Executors and backends hold a reference to it.
class CudaContext {
 public:
  explicit CudaContext(int device) : device_(device) {
    int count = 0;
    ZCNAS_CUDA_CHECK(cudaGetDeviceCount(&count));
    ZCNAS_REQUIRE(device >= 0 && device < count, "CUDA device {} does not exist ({} device(s) present)", device, count);
    ZCNAS_CUDA_CHECK(cudaGetDeviceProperties(&properties_, device));
    make_current();
  }
  CudaContext(const CudaContext&) = delete;
  CudaContext& operator=(const CudaContext&) = delete;

  int device() const { return device_; }
  const cudaDeviceProp& properties() const { return properties_; }
  std::string name() const { return properties_.name; }
  int multiprocessors() const { return properties_.multiProcessorCount; }

  // Every host thread that issues work for this context calls this first (the current device is per thread).
  void make_current() const { ZCNAS_CUDA_CHECK(cudaSetDevice(device_)); }

  // The context's single instance of T, created on first use. T synchronises its own members.
  template <typename T>
  T& cache() {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& slot = caches_[std::type_index(typeid(T))];
    if (!slot) slot = std::make_shared<T>();
    return *static_cast<T*>(slot.get());
  }

 private:
  int device_ = 0;
  cudaDeviceProp properties_{};
  std::mutex mutex_;
  std::unordered_map<std::type_index, std::shared_ptr<void>> caches_;
};

}  // namespace zcnas::cuda
