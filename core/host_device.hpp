// Marks a function that both the host and CUDA device code call (nvcc compiles it twice, g++ once).
#pragma once

#if defined(__CUDACC__)
#define ZCNAS_HOST_DEVICE __host__ __device__
#else
#define ZCNAS_HOST_DEVICE
#endif
