#!/usr/bin/env bash
# NATS-SSS CPU comparison: zcnas NASWOT vs the PyTorch reference network (bench/torch_nats_sss.py) on the same
# networks, the same CIFAR-10 images, batch and thread count, run one after the other: the smallest (index 0)
# and the largest (32767) network and SAMPLE more drawn with Python's random.Random(SEED); per-network seconds,
# the ratio, and the whole space (32,768 networks) projected from the mean of the drawn ones on this CPU.
#
# Usage: bench/compare_nats_sss.sh
#
# Environment (defaults in brackets):
#   ZCNAS    zcnas binary                          [build/zcnas]
#   PYTHON   interpreter with torch                [/usr/bin/python3]
#   DATA     CIFAR-10 binary file                  [$root/../shared/data/cifar10/data_batch_1_exact_first932.bin]
#   SAMPLE   networks drawn from the space         [12]
#   SEED     seed of the draw                      [6]
#   BATCH    batch size                            [128]
#   THREADS  threads for both                      [1]
#   REPEATS  timed runs per network (median)       [3]
#   OUTDIR   where raw outputs go                  [a new temporary directory]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
ZCNAS="${ZCNAS:-$root/build/zcnas}"
PYTHON="${PYTHON:-/usr/bin/python3}"
DATA="${DATA:-$root/../shared/data/cifar10/data_batch_1_exact_first932.bin}"
SAMPLE="${SAMPLE:-12}"
SEED="${SEED:-6}"
BATCH="${BATCH:-128}"
THREADS="${THREADS:-1}"
REPEATS="${REPEATS:-3}"
OUTDIR="${OUTDIR:-$(mktemp -d "${TMPDIR:-/tmp}/zcnas_nats_sss.XXXXXX")}"
mkdir -p "$OUTDIR"

[ -x "$ZCNAS" ] || { echo "error: zcnas binary not found: $ZCNAS (set ZCNAS=...)" >&2; exit 2; }
[ -f "$DATA" ] || { echo "error: file not found: $DATA" >&2; exit 2; }
"$PYTHON" -c 'import torch' 2>/dev/null || { echo "error: $PYTHON cannot import torch (set PYTHON=...)" >&2; exit 2; }

# The extremes first, then the draw (which the projection uses).
drawn="$("$PYTHON" -c "import random; print(','.join(map(str, random.Random($SEED).sample(range(32768), $SAMPLE))))")"
indices="0,32767,$drawn"
echo "indices $indices (drawn: $drawn); batch $BATCH, threads $THREADS, median of $REPEATS runs; outputs in $OUTDIR"

# (1) PyTorch: every network in one process; forward+K and the log-determinant timed inside (median of REPEATS).
"$PYTHON" "$here/torch_nats_sss.py" --index "$indices" --data "$DATA" --batch "$BATCH" --threads "$THREADS" \
  --repeats "$REPEATS" --warmup 1 --json "$OUTDIR/torch.json" >"$OUTDIR/torch.log"

# (2) zcnas: REPEATS runs of one process each; a row's seconds is the forward, K and log-determinant of that
# network. Neither side counts building the network.
index_args=()
for i in ${indices//,/ }; do index_args+=(--index "$i"); done
for r in $(seq 1 "$REPEATS"); do
  OMP_NUM_THREADS="$THREADS" "$ZCNAS" score --space nats-sss "${index_args[@]}" --data "$DATA" --batch "$BATCH" \
    --device cpu --format jsonl --out "$OUTDIR/zcnas_$r.jsonl" 2>"$OUTDIR/zcnas_$r.log"
done

# (3) side by side
"$PYTHON" - "$OUTDIR" "$REPEATS" "$drawn" <<'PY'
import json, statistics, sys
out, repeats, drawn = sys.argv[1], int(sys.argv[2]), {int(i) for i in sys.argv[3].split(",")}
torch = json.load(open(out + "/torch.json"))
seconds = {}
for r in range(1, repeats + 1):
    for line in open("%s/zcnas_%d.jsonl" % (out, r)):
        if line.strip():
            row = json.loads(line)
            seconds.setdefault(row["index"], []).append(row["seconds"])
print("| index | channels | units | zcnas s | torch s | torch / zcnas |")
print("|---:|---|---:|---:|---:|---:|")
zs, ts = [], []
for rec in torch["results"]:
    z = statistics.median(seconds[rec["index"]])
    t = rec["forward_k_s"] + rec["logdet_s"]
    if rec["index"] in drawn:
        zs.append(z)
        ts.append(t)
    print("| %d | `%s` | %d | %.4f | %.4f | %.1f |" % (rec["index"], rec["arch"], rec["relu_units"], z, t, t / z))
mz, mt = sum(zs) / len(zs), sum(ts) / len(ts)
print()
print("mean seconds per drawn network (%d): zcnas %.4f, torch %.4f: torch / zcnas = %.1f (torch %s, %d threads)"
      % (len(zs), mz, mt, mt / mz, torch["torch"], torch["threads"]))
print("whole space projected from these means (32,768 networks): zcnas %.2f h, torch %.2f h on this CPU"
      % (mz * 32768 / 3600, mt * 32768 / 3600))
PY
