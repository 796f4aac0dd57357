#!/usr/bin/env bash
# Gumbel AlphaZero's root on and off at equal CPU: both arms continue the main job's run (START,
# default runs/zero9) at the same time, one pinned core each, for HOURS; then both curves on one plot.
set -euo pipefail
cd "$(dirname "$0")/../.."
START=${START:-runs/zero9}
OUT=${OUT:-runs/ablate9}
HOURS=${HOURS:-0.6}
export OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1
args=(--switch gumbel --hours "$HOURS" --out "$OUT" --config training/ablate9/base.json --start "$START" --clock wall)
mkdir -p "$OUT"
taskset -c 0 python -m selfplay.zero.ablate "${args[@]}" --arm off >"$OUT/off.log" 2>&1 &
taskset -c 1 python -m selfplay.zero.ablate "${args[@]}" --arm on >"$OUT/on.log" 2>&1 &
wait
python -m selfplay.zero.ablate "${args[@]}" --arm none
