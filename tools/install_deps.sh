#!/usr/bin/env bash
# Installs what zcnas needs to build, test and plot, from Debian's packages. Safe to run again.
#   tools/install_deps.sh          build, test and plot
#   tools/install_deps.sh --ci     also the second CUDA compiler and clang-tidy of tools/check_cuda.sh
#                                  (clang-22 from bookworm-security / backports)
set -euo pipefail
packages=(cmake g++ make pkg-config libopenblas-dev liblapacke-dev libcli11-dev nlohmann-json3-dev libfmt-dev
          libssl-dev libgtest-dev gnuplot-nox python3 python3-numpy python3-scipy)
packages+=(pybind11-dev python3-pybind11 python3-pytest)  # the Python module and its tests
packages+=(libopenmpi-dev openmpi-bin)  # mpirun shares zcnas score between ranks (ZCNAS_MPI)
if [ "${1:-}" = --ci ]; then
  packages+=(clang-22 clang-tidy-22)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
