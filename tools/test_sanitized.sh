#!/usr/bin/env bash
# Builds the host code with AddressSanitizer + UndefinedBehaviorSanitizer in ./build-sanitize (CPU backend
# only, -O1 with debug info) and runs the whole ctest suite under them: any invalid access, leak or undefined
# behaviour fails its test. Extra arguments go to ctest (e.g. -L emulated, -R Oracle).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${SANITIZE_BUILD_DIR:-build-sanitize}"
bash tools/install_deps.sh
# -O1 keeps the stacks readable and the build short; benchmarks are not tests and are left out.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" -DZCNAS_SANITIZE=ON -DZCNAS_CUDA=OFF -DZCNAS_BENCH=OFF >/dev/null
cmake --build "$build" -j "$(nproc)"
# Any report fails its test; UBSan prints the stack too.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:check_initialization_order=1:strict_init_order=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# Left to the plain run (tools/test.sh): tests that repeat, many times over, code that other tests run here once
# (the protocols' means over 32 repeats, a float64 forward beside a float32 one, the four largest of the ten epsilon
# oracle cases, the batch-norm kernel's random shapes beside its exact ones); under the sanitizers they cost minutes
# and cover nothing more.
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" \
  -E "^(ZenProtocol|ProxyProtocol)\.RepeatMeansFallWithinTheOraclesSpread$|^Oracle\.Float32SignsFlipOnlyNearZero$|\
^Nb201/EpsilonOracle\.Float32MatchesReference/[1478]$|^BatchNormEmulated\.StatsMatchCpuWithinOneUlp$" "$@"
