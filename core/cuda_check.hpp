// One check for every CUDA library call: a failed status of the CUDA runtime, cuBLAS, cuDNN or cuSOLVER
// throws zcnas::Error carrying the call's text, file:line and the library's own message, so a search loop
// can catch it like any other error. CUDA builds only.
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>
#include <cusolverDn.h>

#include <string>

#include "core/error.hpp"

namespace zcnas::cuda {

inline bool succeeded(cudaError_t s) { return s == cudaSuccess; }
inline bool succeeded(cublasStatus_t s) { return s == CUBLAS_STATUS_SUCCESS; }
inline bool succeeded(cudnnStatus_t s) { return s == CUDNN_STATUS_SUCCESS; }
inline bool succeeded(cusolverStatus_t s) { return s == CUSOLVER_STATUS_SUCCESS; }

inline std::string status_message(cudaError_t s) {
  return fmt::format("CUDA runtime: {} ({})", cudaGetErrorName(s), cudaGetErrorString(s));
}

inline std::string status_message(cublasStatus_t s) {
  return fmt::format("cuBLAS: {} ({})", cublasGetStatusName(s), cublasGetStatusString(s));
}

inline std::string status_message(cudnnStatus_t s) {
  // cuDNN 9 keeps a per-thread description of the last failure that names the offending argument.
  char detail[512] = {};
  cudnnGetLastErrorString(detail, sizeof(detail));
  return detail[0] ? fmt::format("cuDNN: {} ({})", cudnnGetErrorString(s), detail)
                   : fmt::format("cuDNN: {}", cudnnGetErrorString(s));
}

// cuSOLVER has no status-to-text function.
inline std::string status_message(cusolverStatus_t s) {
  switch (s) {
    case CUSOLVER_STATUS_SUCCESS:
      return "cuSOLVER: success";
    case CUSOLVER_STATUS_NOT_INITIALIZED:
      return "cuSOLVER: not initialised";
    case CUSOLVER_STATUS_ALLOC_FAILED:
      return "cuSOLVER: allocation failed";
    case CUSOLVER_STATUS_INVALID_VALUE:
      return "cuSOLVER: invalid value";
    case CUSOLVER_STATUS_ARCH_MISMATCH:
      return "cuSOLVER: architecture mismatch";
    case CUSOLVER_STATUS_EXECUTION_FAILED:
      return "cuSOLVER: execution failed";
    case CUSOLVER_STATUS_INTERNAL_ERROR:
      return "cuSOLVER: internal error";
    case CUSOLVER_STATUS_MATRIX_TYPE_NOT_SUPPORTED:
      return "cuSOLVER: matrix type not supported";
    case CUSOLVER_STATUS_NOT_SUPPORTED:
      return "cuSOLVER: not supported";
    case CUSOLVER_STATUS_INVALID_WORKSPACE:
      return "cuSOLVER: invalid workspace";
    default:
      return fmt::format("cuSOLVER: status {}", static_cast<int>(s));
  }
}

template <typename Status>
void check(Status status, const char* call, const char* file, int line) {
  if (!succeeded(status)) throw Error(fmt::format("{}:{}: {} failed: {}", file, line, call, status_message(status)));
}

}  // namespace zcnas::cuda

// Throws zcnas::Error when a CUDA runtime, cuBLAS, cuDNN or cuSOLVER call does not succeed.
#define ZCNAS_CUDA_CHECK(call) ::zcnas::cuda::check((call), #call, __FILE__, __LINE__)
