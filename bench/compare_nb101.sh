#!/usr/bin/env bash
# NB101 CPU comparison: zcnas NASWOT vs the PyTorch reference network (bench/torch_nb101.py) on the same
# cells of the NASLib NB101 table, the same CIFAR-10 images, batch and thread count, run one after the other;
# per-cell seconds, the ratio, and the whole space (423,624 cells) projected from the mean on this CPU.
#
# Usage: bench/compare_nb101.sh [ROWS]      ROWS: a Python slice of the table's rows [0:20]
#
# Environment (defaults in brackets):
#   ZCNAS    zcnas binary                          [build/zcnas]
#   PYTHON   interpreter with torch                [/usr/bin/python3]
#   CSV      NB101 table (matrix, ops columns)     [$root/../shared/data/nb101/naslib_zc_subset.csv]
#   DATA     CIFAR-10 binary file                  [$root/../shared/data/cifar10/data_batch_1_exact_first932.bin]
#   BATCH    batch size                            [128]
#   THREADS  threads for both                      [1]
#   REPEATS  timed runs per cell (median)          [3]
#   OUTDIR   where raw outputs go                  [a new temporary directory]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
ROWS="${1:-0:20}"
ZCNAS="${ZCNAS:-$root/build/zcnas}"
PYTHON="${PYTHON:-/usr/bin/python3}"
CSV="${CSV:-$root/../shared/data/nb101/naslib_zc_subset.csv}"
DATA="${DATA:-$root/../shared/data/cifar10/data_batch_1_exact_first932.bin}"
BATCH="${BATCH:-128}"
THREADS="${THREADS:-1}"
REPEATS="${REPEATS:-3}"
OUTDIR="${OUTDIR:-$(mktemp -d "${TMPDIR:-/tmp}/zcnas_nb101.XXXXXX")}"
mkdir -p "$OUTDIR"

[ -x "$ZCNAS" ] || { echo "error: zcnas binary not found: $ZCNAS (set ZCNAS=...)" >&2; exit 2; }
for f in "$CSV" "$DATA"; do [ -f "$f" ] || { echo "error: file not found: $f" >&2; exit 2; }; done
"$PYTHON" -c 'import torch' 2>/dev/null || { echo "error: $PYTHON cannot import torch (set PYTHON=...)" >&2; exit 2; }
echo "rows $ROWS of $CSV; batch $BATCH, threads $THREADS, median of $REPEATS runs; outputs in $OUTDIR"

# (1) PyTorch: every cell in one process, forward+K and the log-determinant timed inside (median of REPEATS).
"$PYTHON" "$here/torch_nb101.py" --csv "$CSV" --rows "$ROWS" --data "$DATA" --batch "$BATCH" \
  --threads "$THREADS" --repeats "$REPEATS" --warmup 1 --json "$OUTDIR/torch.json" >"$OUTDIR/torch.log"

# (2) zcnas: the same cells as written, REPEATS runs of one process each; a row's seconds is the forward, K
# and log-determinant of that cell. Neither side counts building the network (milliseconds in PyTorch).
"$PYTHON" - "$OUTDIR/torch.json" >"$OUTDIR/archs.txt" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(r["cell"])
PY
mapfile -t archs <"$OUTDIR/archs.txt"
arch_args=()
for a in "${archs[@]}"; do arch_args+=(--arch "$a"); done
for r in $(seq 1 "$REPEATS"); do
  OMP_NUM_THREADS="$THREADS" "$ZCNAS" score --space nb101 "${arch_args[@]}" --data "$DATA" --batch "$BATCH" \
    --device cpu --format jsonl --out "$OUTDIR/zcnas_$r.jsonl" 2>"$OUTDIR/zcnas_$r.log"
done

# (3) side by side
"$PYTHON" - "$OUTDIR" "$REPEATS" <<'PY'
import json, statistics, sys
out, repeats = sys.argv[1], int(sys.argv[2])
torch = json.load(open(out + "/torch.json"))
runs = [[json.loads(l) for l in open("%s/zcnas_%d.jsonl" % (out, r)) if l.strip()] for r in range(1, repeats + 1)]
print("| row | cell | V | E | units | zcnas s | torch s | torch / zcnas |")
print("|---|---|---|---|---|---|---|---|")
zs, ts = [], []
# zcnas scores a cell written twice once: rows are matched by the cell as written.
seconds = {}
for run in runs:
    for row in run:
        seconds.setdefault(row["arch"], []).append(row["seconds"])
for rec in torch["results"]:
    z = statistics.median(seconds[rec["cell"]])
    t = rec["forward_k_s"] + rec["logdet_s"]
    zs.append(z)
    ts.append(t)
    print("| %s | `%s` | %d | %d | %d | %.4f | %.4f | %.1f |" % (rec["row"], rec["cell"], rec["num_vertices"],
          rec["num_edges"], rec["relu_units"], z, t, t / z))
mz, mt = sum(zs) / len(zs), sum(ts) / len(ts)
print()
print("mean seconds per cell: zcnas %.4f, torch %.4f: torch / zcnas = %.1f (torch %s, %d threads)"
      % (mz, mt, mt / mz, torch["torch"], torch["threads"]))
print("whole space projected from these means (423,624 cells): zcnas %.1f h, torch %.1f h on this CPU"
      % (mz * 423624 / 3600, mt * 423624 / 3600))
PY
