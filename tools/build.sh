#!/usr/bin/env bash
# Configures and builds zcnas in ./build (Release). The CUDA backend is compiled whenever nvcc and cuDNN
# are found; set ZCNAS_CUDA=OFF to build the CPU backend only.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${CUDACXX:-}" ] && ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then
  export CUDACXX=/usr/local/cuda/bin/nvcc
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DZCNAS_CUDA="${ZCNAS_CUDA:-ON}" >/dev/null
cmake --build build -j "$(nproc)"
