#!/usr/bin/env bash
# From a fresh clone: installs the dependencies, builds, and runs every test (GPU tests skip without a GPU).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install_deps.sh
bash tools/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"
