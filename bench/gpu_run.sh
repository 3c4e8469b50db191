#!/usr/bin/env bash
# On a machine with an NVIDIA GPU, nvcc, cuDNN and cmake: build for Hopper, run the GPU tests (plainly, then
# under compute-sanitizer memcheck), benchmark NASWOT over the whole NB201 space and a few variants, and
# print a short table. Results and logs go to <build>/gpu_run/.
#
#   bench/gpu_run.sh [build-dir]        default build dir: build-gpu beside the sources
#   CUDA_ARCH=80 bench/gpu_run.sh       another architecture (A100)
set -euo pipefail

src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$src/build-gpu}"
arch="${CUDA_ARCH:-90}"
out="$build/gpu_run"
mkdir -p "$out"

command -v nvcc >/dev/null || { echo "gpu_run: nvcc not found" >&2; exit 1; }
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader

cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES="$arch"
cmake --build "$build" -j"$(nproc)"

# 1. GPU tests: once as they are, once under memcheck (which follows every process ctest starts).
tests_status=0
ctest --test-dir "$build" -L gpu --output-on-failure 2>&1 | tee "$out/ctest_gpu.log" || tests_status=$?
memcheck_status=0
if command -v compute-sanitizer >/dev/null; then
  compute-sanitizer --tool memcheck --target-processes all --error-exitcode 99 \
    ctest --test-dir "$build" -L gpu --output-on-failure --timeout 3600 2>&1 | tee "$out/ctest_gpu_memcheck.log" ||
    memcheck_status=$?
else
  echo "gpu_run: compute-sanitizer not found, memcheck pass skipped" | tee "$out/ctest_gpu_memcheck.log"
  memcheck_status=skipped
fi

# 2. Throughput: the whole space in FP32 (the default), then variants on 2,000 archs.
bench="$build/bench/bench_throughput"
peaks=(--peak-tflops 67 --peak-gbs 3350)  # H100 SXM: FP32 non-tensor peak, HBM3 bandwidth
run() {
  local name="$1"
  shift
  echo "== $name: $*"
  "$bench" --device cuda --batch 128 "${peaks[@]}" --json "$out/$name.json" "$@" 2>&1 | tee "$out/$name.log" ||
    echo "gpu_run: $name failed"
}
run whole_space_fp32 --all --warmup 256 --repeat 2
run fp32_int8_hamming --archs 2000 --warmup 128 --repeat 2 --int8-hamming
run tf32 --archs 2000 --warmup 128 --repeat 2 --tf32
run tf32_transform_conv --archs 2000 --warmup 128 --repeat 2 --tf32 --transform-conv
for lanes in 1 2 8; do
  run "fp32_lanes$lanes" --archs 2000 --warmup 128 --repeat 2 --lanes "$lanes"
done

# 3. Table.
echo
echo "GPU tests: ctest exit $tests_status, memcheck exit $memcheck_status"
python3 - "$out" <<'PY'
import json, pathlib, sys
rows = []
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.json")):
    j = json.loads(path.read_text())
    rows.append((path.stem, j["archs"], j["archs_per_s"], j["flop_per_s"] / 1e12, j["bytes_per_s"] / 1e9,
                 j["device_memory_bytes"] / 2**20, j["minus_inf_scores"], j["finite_score_sum"]))
print(f"{'run':<22}{'archs':>7}{'archs/s':>10}{'TFLOP/s':>9}{'conv GB/s':>11}{'MiB':>8}{'-inf':>6}  score sum")
for r in rows:
    print(f"{r[0]:<22}{r[1]:>7}{r[2]:>10.0f}{r[3]:>9.1f}{r[4]:>11.0f}{r[5]:>8.0f}{r[6]:>6}  {r[7]:.6f}")
whole = [r for r in rows if r[0] == "whole_space_fp32"]
if whole:
    print(f"whole NB201 space (15,625 archs, B=128, FP32): {15625 / whole[0][2]:.1f} s (target <= 10 s)")
PY
