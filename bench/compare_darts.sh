#!/usr/bin/env bash
# DARTS CPU comparison: zcnas NASWOT vs the PyTorch reference network (bench/torch_darts.py) on the same genotypes
# of the NDS DARTS space (DARTS-V2 and a seeded random sample), the same width and depth, the same CIFAR-10 images,
# batch and thread count, run one after the other; per-network seconds and the ratio.
#
# Usage: bench/compare_darts.sh [ARCH ...]
#   ARCH: the arch encoding 'op~in,...(8)/op~in,...(8)' or a DARTS Genotype(...) repr, quoted. Without any, DARTS-V2
#   and N genotypes drawn NDS-style with seed SEED (torch_darts.py --random N --seed SEED).
#
# Environment (defaults in brackets):
#   ZCNAS    zcnas binary                          [build/zcnas]
#   PYTHON   interpreter with torch                [/usr/bin/python3]
#   DATA     CIFAR-10 binary file                  [$root/../shared/data/cifar10/data_batch_1_exact_first932.bin]
#   WIDTH    initial channels C                    [16]
#   DEPTH    cells                                 [8]
#   N, SEED  random genotypes and their seed (also torch's init seed)   [7, 1]
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
WIDTH="${WIDTH:-16}"
DEPTH="${DEPTH:-8}"
N="${N:-7}"
SEED="${SEED:-1}"
BATCH="${BATCH:-128}"
THREADS="${THREADS:-1}"
REPEATS="${REPEATS:-3}"
OUTDIR="${OUTDIR:-$(mktemp -d "${TMPDIR:-/tmp}/zcnas_darts.XXXXXX")}"
mkdir -p "$OUTDIR"

DARTS_V2='sep_conv_3x3~0,sep_conv_3x3~1,sep_conv_3x3~0,sep_conv_3x3~1,sep_conv_3x3~1,skip_connect~0,skip_connect~0,dil_conv_3x3~2/max_pool_3x3~0,max_pool_3x3~1,skip_connect~2,max_pool_3x3~1,max_pool_3x3~0,skip_connect~2,skip_connect~2,max_pool_3x3~1'

[ -x "$ZCNAS" ] || { echo "error: zcnas binary not found: $ZCNAS (set ZCNAS=...)" >&2; exit 2; }
[ -f "$DATA" ] || { echo "error: file not found: $DATA" >&2; exit 2; }
"$PYTHON" -c 'import torch' 2>/dev/null || { echo "error: $PYTHON cannot import torch (set PYTHON=...)" >&2; exit 2; }

torch_archs=()
if [ "$#" -gt 0 ]; then
  for a in "$@"; do torch_archs+=(--arch "$a"); done
  what="$# given archs"
else
  torch_archs=(--arch "$DARTS_V2" --random "$N")
  what="DARTS-V2 and $N random genotypes (seed $SEED)"
fi
echo "$what; width $WIDTH, depth $DEPTH, batch $BATCH, threads $THREADS, median of $REPEATS runs; outputs in $OUTDIR"

# (1) PyTorch: every network in one process, forward+K and the log-determinant timed inside (median of REPEATS).
OMP_NUM_THREADS="$THREADS" "$PYTHON" "$here/torch_darts.py" "${torch_archs[@]}" --seed "$SEED" \
  --width "$WIDTH" --depth "$DEPTH" --data "$DATA" --batch "$BATCH" --threads "$THREADS" --repeats "$REPEATS" \
  --warmup 1 --json "$OUTDIR/torch.json" >"$OUTDIR/torch.log"

# (2) zcnas: the same genotypes in the arch encoding, REPEATS runs of one process each; a row's seconds is the
# forward, K and log-determinant of that network. Neither side counts building the network.
"$PYTHON" - "$OUTDIR/torch.json" >"$OUTDIR/archs.txt" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(r["arch"])
PY
mapfile -t archs <"$OUTDIR/archs.txt"
arch_args=()
for a in "${archs[@]}"; do arch_args+=(--arch "$a"); done
for r in $(seq 1 "$REPEATS"); do
  OMP_NUM_THREADS="$THREADS" "$ZCNAS" score --space darts "${arch_args[@]}" --width "$WIDTH" --depth "$DEPTH" \
    --data "$DATA" --batch "$BATCH" --device cpu --format jsonl --out "$OUTDIR/zcnas_$r.jsonl" \
    2>"$OUTDIR/zcnas_$r.log"
done

# (3) side by side
"$PYTHON" - "$OUTDIR" "$REPEATS" <<'PY'
import json, statistics, sys
out, repeats = sys.argv[1], int(sys.argv[2])
torch = json.load(open(out + "/torch.json"))
runs = [[json.loads(l) for l in open("%s/zcnas_%d.jsonl" % (out, r)) if l.strip()] for r in range(1, repeats + 1)]
# zcnas scores a genotype asked twice once: rows are matched by the arch encoding.
seconds, naswot = {}, {}
for run in runs:
    for row in run:
        seconds.setdefault(row["arch"], []).append(row["seconds"])
        naswot.setdefault(row["arch"], row.get("naswot"))
print("| # | arch | params | units | zcnas s | torch s | torch / zcnas | zcnas naswot | torch naswot |")
print("|---|---|---|---|---|---|---|---|---|")
zs, ts = [], []
for i, rec in enumerate(torch["results"]):
    z = statistics.median(seconds[rec["arch"]])
    t = rec["forward_k_s"] + rec["logdet_s"]
    zs.append(z)
    ts.append(t)
    zn = naswot[rec["arch"]]
    print("| %d | `%s` | %d | %d | %.4f | %.4f | %.1f | %s | %s |" % (
        i, rec["arch"], rec["params"], rec["relu_units"], z, t, t / z,
        "%.4f" % zn if isinstance(zn, (int, float)) else zn,
        "%.4f" % rec["naswot"] if isinstance(rec["naswot"], float) else rec["naswot"]))
mz, mt = sum(zs) / len(zs), sum(ts) / len(ts)
print()
print("mean seconds per network (width %d, depth %d, batch %d): zcnas %.4f, torch %.4f: torch / zcnas = %.1f "
      "(torch %s, %d threads)" % (torch["width"], torch["depth"], torch["batch"], mz, mt, mt / mz, torch["torch"],
                                  torch["threads"]))
print("naswot columns differ by their weights: each tool draws its own initialisation.")
PY
