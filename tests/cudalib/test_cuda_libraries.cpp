// cuBLAS and cuSOLVER are loaded on their first call (core/cuda_libraries.cpp): a program starts without them, and
// the forwarded calls reach the real libraries, which answer without a device.
#include <cublas_v2.h>
#include <cusolverDn.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>

#include "core/cuda_libraries.hpp"
#include "core/device.hpp"

namespace zcnas {
namespace {

TEST(CudaLibraries, ProgramsStartWithoutThem) {
  // The dynamic loader names every library it loads; zcnas --help runs no network.
  const std::string command = std::string("LD_DEBUG=files ") + ZCNAS_CLI_PATH + " --help 2>&1 >/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string log;
  std::array<char, 4096> chunk{};
  while (fgets(chunk.data(), static_cast<int>(chunk.size()), pipe)) log += chunk.data();
  ASSERT_EQ(pclose(pipe), 0) << log;
  ASSERT_NE(log.find("libcudart"), std::string::npos) << "LD_DEBUG printed no loads: " << log.substr(0, 500);
  EXPECT_EQ(log.find("libcublas"), std::string::npos);
  EXPECT_EQ(log.find("libcusolver"), std::string::npos);
}

TEST(CudaLibraries, CallsReachTheLibraries) {
  ASSERT_TRUE(cuda_library_loaded(CudaLibrary::Cublas)) << cuda_library_name(CudaLibrary::Cublas);
  ASSERT_TRUE(cuda_library_loaded(CudaLibrary::Cusolver)) << cuda_library_name(CudaLibrary::Cusolver);
  // Only the library knows its status names; the forwarder's own answer, when it is missing, is another text.
  EXPECT_STREQ(cublasGetStatusName(CUBLAS_STATUS_INVALID_VALUE), "CUBLAS_STATUS_INVALID_VALUE");
  cusolverDnHandle_t handle = nullptr;
  const cusolverStatus_t status = cusolverDnCreate(&handle);
  if (cuda_device_count() == 0) {
    EXPECT_NE(status, CUSOLVER_STATUS_SUCCESS) << "a cuSOLVER handle without a GPU";
  } else {
    ASSERT_EQ(status, CUSOLVER_STATUS_SUCCESS);
    EXPECT_EQ(cusolverDnDestroy(handle), CUSOLVER_STATUS_SUCCESS);
  }
}

}  // namespace
}  // namespace zcnas
