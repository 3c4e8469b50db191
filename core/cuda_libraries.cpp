// cuBLAS and cuSOLVER, loaded when a CUDA backend first calls them rather than when a program starts. Linking them
// made every process pay for loading them (cuBLASLt's initialisers touch ~100 MB: about 0.1 s), also the many that
// never run on a GPU. Each function zcnas calls is defined here under the library's own name, with the header's own
// declaration, and forwards to the library's, found with dlopen/dlsym on its first call.
#ifdef ZCNAS_WITH_CUDA
#include "core/cuda_libraries.hpp"

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cusolverDn.h>
#include <dlfcn.h>

#include <string>

namespace zcnas {
namespace {

// The library's SONAME, as the loader finds it, else beside the CUDA runtime this program was linked with.
void* open_beside_cudart(const std::string& soname) {
  if (void* handle = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL)) return handle;
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&cudaGetDeviceCount), &info) == 0 || info.dli_fname == nullptr) return nullptr;
  const std::string runtime = info.dli_fname;
  const size_t slash = runtime.rfind('/');
  if (slash == std::string::npos) return nullptr;
  return dlopen((runtime.substr(0, slash + 1) + soname).c_str(), RTLD_NOW | RTLD_LOCAL);
}

void* library(CudaLibrary which) {
  static void* const cublas = open_beside_cudart(cuda_library_name(CudaLibrary::Cublas));
  static void* const cusolver = open_beside_cudart(cuda_library_name(CudaLibrary::Cusolver));
  return which == CudaLibrary::Cublas ? cublas : cusolver;
}

template <typename Function>
Function resolve(CudaLibrary which, const char* name) {
  void* handle = library(which);
  return handle ? reinterpret_cast<Function>(dlsym(handle, name)) : nullptr;
}

}  // namespace

std::string cuda_library_name(CudaLibrary which) {
  return which == CudaLibrary::Cublas ? "libcublas.so." + std::to_string(CUBLAS_VER_MAJOR)
                                      : "libcusolver.so." + std::to_string(CUSOLVER_VER_MAJOR);
}

bool cuda_library_loaded(CudaLibrary which) { return library(which) != nullptr; }

}  // namespace zcnas

// `result name(params)` forwards args to the library's name (the header's C declaration: cublasGemmEx also has C++
// overloads); it returns `missing` when the library or the symbol cannot be found.
#define ZCNAS_FORWARD(which, result, missing, name, params, args)                    \
  extern "C" result name params {                                                    \
    using Real = result(*) params;                                                   \
    static const Real real = zcnas::resolve<Real>(zcnas::CudaLibrary::which, #name); \
    return real ? real args : missing;                                               \
  }

ZCNAS_FORWARD(Cublas, cublasStatus_t, CUBLAS_STATUS_NOT_INITIALIZED, cublasCreate_v2, (cublasHandle_t * handle),
              (handle))
ZCNAS_FORWARD(Cublas, cublasStatus_t, CUBLAS_STATUS_NOT_INITIALIZED, cublasDestroy_v2, (cublasHandle_t handle),
              (handle))
ZCNAS_FORWARD(Cublas, cublasStatus_t, CUBLAS_STATUS_NOT_INITIALIZED, cublasSetStream_v2,
              (cublasHandle_t handle, cudaStream_t stream), (handle, stream))
ZCNAS_FORWARD(Cublas, cublasStatus_t, CUBLAS_STATUS_NOT_INITIALIZED, cublasGemmEx,
              (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k,
               const void* alpha, const void* A, cudaDataType Atype, int lda, const void* B, cudaDataType Btype,
               int ldb, const void* beta, void* C, cudaDataType Ctype, int ldc, cublasComputeType_t computeType,
               cublasGemmAlgo_t algo),
              (handle, transa, transb, m, n, k, alpha, A, Atype, lda, B, Btype, ldb, beta, C, Ctype, ldc, computeType,
               algo))
ZCNAS_FORWARD(Cublas, const char*, "libcublas could not be loaded", cublasGetStatusName, (cublasStatus_t status),
              (status))
ZCNAS_FORWARD(Cublas, const char*, "libcublas could not be loaded", cublasGetStatusString, (cublasStatus_t status),
              (status))
ZCNAS_FORWARD(Cusolver, cusolverStatus_t, CUSOLVER_STATUS_NOT_INITIALIZED, cusolverDnCreate,
              (cusolverDnHandle_t * handle), (handle))
ZCNAS_FORWARD(Cusolver, cusolverStatus_t, CUSOLVER_STATUS_NOT_INITIALIZED, cusolverDnDestroy,
              (cusolverDnHandle_t handle), (handle))
ZCNAS_FORWARD(Cusolver, cusolverStatus_t, CUSOLVER_STATUS_NOT_INITIALIZED, cusolverDnSetStream,
              (cusolverDnHandle_t handle, cudaStream_t stream), (handle, stream))
ZCNAS_FORWARD(Cusolver, cusolverStatus_t, CUSOLVER_STATUS_NOT_INITIALIZED, cusolverDnDpotrfBatched,
              (cusolverDnHandle_t handle, cublasFillMode_t uplo, int n, double* Aarray[], int lda, int* infoArray,
               int batchSize),
              (handle, uplo, n, Aarray, lda, infoArray, batchSize))
ZCNAS_FORWARD(Cusolver, cusolverStatus_t, CUSOLVER_STATUS_NOT_INITIALIZED, cusolverDnDgetrf_bufferSize,
              (cusolverDnHandle_t handle, int m, int n, double* A, int lda, int* Lwork), (handle, m, n, A, lda, Lwork))
ZCNAS_FORWARD(Cusolver, cusolverStatus_t, CUSOLVER_STATUS_NOT_INITIALIZED, cusolverDnDgetrf,
              (cusolverDnHandle_t handle, int m, int n, double* A, int lda, double* Workspace, int* devIpiv,
               int* devInfo),
              (handle, m, n, A, lda, Workspace, devIpiv, devInfo))
#endif
