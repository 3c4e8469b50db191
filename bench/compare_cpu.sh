#!/usr/bin/env bash
# CPU comparison: zcnas NASWOT vs the reference-style PyTorch NASWOT (bench/torch_naswot.py)
# on the same NB201 indices, the same CIFAR-10 images and the same batch.
#
# Usage: bench/compare_cpu.sh [INDEX ...]
#   Without indices, N (default 8) indices are drawn from 0..15624 with a fixed seed (SEED).
#
# Environment (defaults in brackets):
#   ZCNAS       zcnas binary                         [build/zcnas]
#   PYTHON      interpreter with torch               [/usr/bin/python3]
#   DATA        CIFAR-10 binary file                 [$root/../shared/data/cifar10/data_batch_1_exact_first932.bin]
#   OFFSET      first image                          [0]
#   BATCH       batch size                           [128]
#   TRUTH       NB201 ground-truth CSV (index->arch) [$root/../shared/data/nb201/nb201_test_accuracy_200ep.csv]
#   N, SEED     how many indices to draw, and the seed [8, 201]
#   THREADS     torch --threads and OMP_NUM_THREADS for both; empty: torch default  [nproc]
#   ZCNAS_ARGS  extra arguments for `zcnas score`    [none]
#   TORCH_ARGS  extra arguments for torch_naswot.py  [--warmup 1: one untimed arch first]
#   OUTDIR      where raw outputs go                 [a new temporary directory]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

ZCNAS="${ZCNAS:-$root/build/zcnas}"
PYTHON="${PYTHON:-/usr/bin/python3}"
DATA="${DATA:-$root/../shared/data/cifar10/data_batch_1_exact_first932.bin}"
OFFSET="${OFFSET:-0}"
BATCH="${BATCH:-128}"
TRUTH="${TRUTH:-$root/../shared/data/nb201/nb201_test_accuracy_200ep.csv}"
N="${N:-8}"
SEED="${SEED:-201}"
THREADS="${THREADS-$(nproc)}"
ZCNAS_ARGS="${ZCNAS_ARGS:-}"
TORCH_ARGS="${TORCH_ARGS---warmup 1}"
OUTDIR="${OUTDIR:-$(mktemp -d "${TMPDIR:-/tmp}/zcnas_cmp.XXXXXX")}"
mkdir -p "$OUTDIR"

[ -x "$ZCNAS" ] || { echo "error: zcnas binary not found: $ZCNAS (set ZCNAS=...)" >&2; exit 2; }
[ -f "$DATA" ] || { echo "error: data file not found: $DATA (set DATA=...)" >&2; exit 2; }
"$PYTHON" -c 'import torch' 2>/dev/null || { echo "error: $PYTHON cannot import torch (set PYTHON=...)" >&2; exit 2; }

if [ "$#" -gt 0 ]; then
  indices=("$@")
else
  read -r -a indices <<<"$("$PYTHON" -c "import random; print(' '.join(str(i) for i in random.Random($SEED).sample(range(15625), $N)))")"
fi
echo "indices: ${indices[*]}  (batch $BATCH, offset $OFFSET, threads ${THREADS:-default}, data $DATA)"
echo "outputs: $OUTDIR"

torch_threads=()
if [ -n "$THREADS" ]; then
  export OMP_NUM_THREADS="$THREADS"
  torch_threads=(--threads "$THREADS")
fi

# (1) zcnas, one call per index
zc="$OUTDIR/zcnas.jsonl"
: >"$zc"
for i in "${indices[@]}"; do
  # shellcheck disable=SC2086
  "$ZCNAS" score --space nb201 --index "$i" --data "$DATA" --offset "$OFFSET" --batch "$BATCH" \
    --device cpu --format jsonl $ZCNAS_ARGS >>"$zc"
done

# (2) PyTorch, all indices in one process (per-arch time measured inside)
tj="$OUTDIR/torch.json"
idx_list="$(IFS=,; echo "${indices[*]}")"
# shellcheck disable=SC2086
"$PYTHON" "$here/torch_naswot.py" --index "$idx_list" --truth "$TRUTH" --data "$DATA" \
  --offset "$OFFSET" --batch "$BATCH" --device cpu ${torch_threads[@]+"${torch_threads[@]}"} --json "$tj" $TORCH_ARGS \
  >"$OUTDIR/torch.log"

# (3) table
"$PYTHON" - "$zc" "$tj" <<'EOF'
import json, math, sys

def num(v):
    if isinstance(v, str):
        return float(v.replace("Infinity", "inf"))
    return float("nan") if v is None else float(v)

zc = {}
with open(sys.argv[1]) as f:
    for line in f:
        line = line.strip()
        if not line.startswith("{"):
            continue
        row = json.loads(line)
        if "index" in row and "seconds" in row:
            zc[int(row["index"])] = row
doc = json.load(open(sys.argv[2]))
print()
print("torch %s, %s threads; zcnas and torch use different default inits, so scores differ slightly"
      % (doc["torch"], doc["threads"]))
print()
print("| index | arch | zcnas s | torch s | speed-up | zcnas naswot | torch naswot |")
print("|---:|---|---:|---:|---:|---:|---:|")
zs, ts = [], []
for r in doc["results"]:
    i = r["index"]
    arch = r["arch"].replace("|", "\\|")  # keep markdown columns intact
    t = num(r["seconds"])
    z = zc.get(i)
    if z is None:
        print("| %d | `%s` | missing | %.4f | - | - | %.4f |" % (i, arch, t, num(r["naswot"])))
        continue
    zsec = num(z["seconds"])
    zs.append(zsec)
    ts.append(t)
    print("| %d | `%s` | %.4f | %.4f | %.1fx | %.4f | %.4f |" % (
        i, arch, zsec, t, t / zsec if zsec > 0 else math.inf,
        num(z.get("naswot", "nan")), num(r["naswot"])))
if zs:
    mz, mt = sum(zs) / len(zs), sum(ts) / len(ts)
    print()
    print("mean seconds per arch (%d archs): zcnas %.4f, torch %.4f, ratio torch/zcnas %.2fx"
          % (len(zs), mz, mt, mt / mz if mz > 0 else math.inf))
EOF
