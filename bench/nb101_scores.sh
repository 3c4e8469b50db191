#!/usr/bin/env bash
# Scores the 500 NB101 cells of the NASLib table with every zcnas score, each under its authors' protocol
# (as bench/forward_scores.md does on NB201), into bench/results/nb101_naslib500_<score>.csv.
#
# Usage: bench/nb101_scores.sh [SCORE ...]   (default: all)
# Environment: ZCNAS [build/zcnas], CSV [../shared/data/nb101/naslib_zc_subset.csv],
#              DATA [../shared/data/cifar10/data_batch_1_exact_first932.bin], OUT [bench/results]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ZCNAS="${ZCNAS:-$root/build/zcnas}"
CSV="${CSV:-$root/../shared/data/nb101/naslib_zc_subset.csv}"
DATA="${DATA:-$root/../shared/data/cifar10/data_batch_1_exact_first932.bin}"
OUT="${OUT:-$root/bench/results}"
[ "$#" -gt 0 ] || set -- naswot epsilon meco swap zen linear_regions

# The table's cells as it writes them (unpruned matrix, '|'-joined ops): zcnas prunes them as nasbench does.
archs=()
while IFS=, read -r matrix ops _; do
  [ "$matrix" = matrix_7x7_rowmajor ] || archs+=(--arch "$matrix:$ops")
done <"$CSV"

run() {  # run NAME ARGS...: one table per protocol; an interrupted run resumes
  local name=$1
  shift
  "$ZCNAS" score --space nb101 "${archs[@]}" --device cpu "$@" --out "$OUT/nb101_naslib500_$name.csv"
}
for score in "$@"; do
  case "$score" in
    naswot) run naswot --scores naswot,params,flops --batch 128 --data "$DATA" ;;
    epsilon) run epsilon --scores epsilon --epsilon-precision float64 --data "$DATA" ;;  # float32: NaN (SPEC.md §5)
    meco) run meco --scores meco --batch 1 --data "$DATA" ;;
    swap) run swap --scores swap,swap_reg --init gaussian --batch 16 --data "$DATA" ;;
    zen) run zen --scores zen --init gaussian --zen-batch 64 ;;
    linear_regions) run linear_regions --scores linear_regions --init kaiming --batch 64 --data "$DATA" ;;
    *) echo "unknown score '$score'" >&2; exit 2 ;;
  esac
done
