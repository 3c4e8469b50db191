#!/usr/bin/env bash
# A second compiler on the CUDA sources, no GPU needed: every .cu of the tree is compiled by clang (host and
# sm_90 device passes, -Wall -Wextra -Werror) and checked by clang-tidy with the repository's .clang-tidy
# (warnings are errors). Exits non-zero on any diagnostic.
#
#   tools/check_cuda.sh [FILE.cu ...]      default: every .cu that git knows of (tracked or not ignored)
#   CLANG=clang++-22 CLANG_TIDY=clang-tidy-22 CUDA_PATH=/usr/local/cuda JOBS=2 tools/check_cuda.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
clang="${CLANG:-clang++-22}"
tidy="${CLANG_TIDY:-clang-tidy-22}"
cuda="${CUDA_PATH:-/usr/local/cuda}"
jobs="${JOBS:-2}"
for tool in "$clang" "$tidy"; do
  command -v "$tool" >/dev/null || { echo "check_cuda: $tool not found (tools/install_deps.sh --ci installs it)" >&2; exit 1; }
done
[ -f "$cuda/include/cuda_runtime.h" ] || { echo "check_cuda: no CUDA toolkit at $cuda (set CUDA_PATH)" >&2; exit 1; }

if (($#)); then
  files=("$@")
elif git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.cu' | sort -u)
else
  mapfile -t files < <(find . -name '*.cu' -not -path './build*' -printf '%P\n' | sort)
fi
((${#files[@]})) || { echo "check_cuda: no .cu files found" >&2; exit 1; }

# External headers come in through -isystem, so that neither -Werror nor clang-tidy looks inside them.
# fmt, nlohmann-json and GoogleTest are Debian packages in /usr/include, which is searched already;
# pkg-config adds their directories where they live elsewhere.
includes=(-I"$root" -I"$root/tests" -isystem "$cuda/include" -isystem "$cuda/include/cccl")
for d in "$cuda/include" /usr/include /usr/include/x86_64-linux-gnu /usr/local/include "${CUDNN_INCLUDE_DIR:-}"; do
  if [ -n "$d" ] && [ -f "$d/cudnn.h" ]; then
    includes+=(-isystem "$d")
    break
  fi
done
if command -v pkg-config >/dev/null; then
  for flag in $(pkg-config --cflags-only-I fmt nlohmann_json gtest 2>/dev/null || true); do
    includes+=(-isystem "${flag#-I}")
  done
fi

# clang 22 knows CUDA up to 12.9; the 13.0 headers it reads work, so the version warning is silenced.
flags=(-x cuda --cuda-gpu-arch=sm_90 --cuda-path="$cuda" -std=c++17 -Wall -Wextra -Werror -Wno-unknown-cuda-version
       -DZCNAS_WITH_CUDA=1 -DZCNAS_SHARED_DIR=\"../shared\" -DZCNAS_CLI_PATH=\"zcnas\"
       -DZCNAS_SOURCE_DIR=\""$root"\" "${includes[@]}")

log="$(mktemp -d)"
trap 'rm -rf "$log"' EXIT
check_one() {  # file: clang (both passes), then clang-tidy on the host and on the device pass
  local f="$1" out="$log/$(echo "$1" | tr / _).log" status=0
  "$clang" "${flags[@]}" -fsyntax-only "$f" >"$out" 2>&1 || status=1
  "$tidy" --quiet --config-file="$root/.clang-tidy" "$f" -- "${flags[@]}" --cuda-host-only >>"$out" 2>&1 || status=1
  "$tidy" --quiet --config-file="$root/.clang-tidy" "$f" -- "${flags[@]}" --cuda-device-only >>"$out" 2>&1 || status=1
  # clang-tidy prints a count of the diagnostics it suppressed in headers; only real findings matter.
  if ((status)); then
    echo "FAIL $f"
    grep -v -e '^[0-9]* warnings\? generated' -e '^Suppressed [0-9]* warnings' "$out" || true
  else
    echo "ok   $f"
  fi
  return "$status"
}
export -f check_one
export clang tidy log root
status=0
printf '%s\n' "${files[@]}" | xargs -P "$jobs" -I{} bash -c "$(declare -p flags); check_one {}" || status=$?
if ((status)); then
  echo "check_cuda: clang or clang-tidy reported problems" >&2
  exit 1
fi
echo "check_cuda: ${#files[@]} files clean under $("$clang" --version | head -1) and $("$tidy" --version | grep -o 'version [0-9.]*')"
