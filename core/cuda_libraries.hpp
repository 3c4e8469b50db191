// cuBLAS and cuSOLVER are not linked: core/cuda_libraries.cpp loads each on its first call (CUDA builds only).
#pragma once
#include <string>

namespace zcnas {

enum class CudaLibrary { Cublas, Cusolver };

std::string cuda_library_name(CudaLibrary which);  // its SONAME, e.g. libcublas.so.13
// Loads it if not yet loaded; false when it cannot be found (then every call into it returns a failed status).
bool cuda_library_loaded(CudaLibrary which);

}  // namespace zcnas
