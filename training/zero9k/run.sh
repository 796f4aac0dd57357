#!/usr/bin/env bash
# zero9k: zero9b's net taught the komi (the agz17k komi plane); resumable: run again to continue (README.md here).
# HOURS (default 1) bounds this session's part; WORKERS=N plays self-play in N processes (default 2).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUN=${RUN:-runs/zero9k}
INIT=training/zero9k/models/newest.safetensors
[ -e "$INIT" ] || INIT=training/zero9b/models/newest.safetensors
mkdir -p "$RUN/shards"
# Old komi-7.5 games of zero9b, if this machine has them, keep the net anchored at the usual komi.
if [ -d runs/zero9b/shards ] && [ -z "$(ls -A "$RUN/shards")" ]; then
  for f in runs/zero9b/shards/g001[78]-*.npz; do
    b=$(basename "$f"); cp "$f" "$RUN/shards/g0000-1${b:4:1}${b:7:6}.npz"
  done
fi
export OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1
go-engine zero --run "$RUN" --config training/zero9k/base.json --size 9 --komi 7.5 --preset b6c64k --init "$INIT" \
  --playouts 100 --workers "${WORKERS:-2}" --games-per-worker-batch 256 --games 512 --steps-per-generation 160 \
  --train-batch 256 --eval-games 10 --anchor-games 10 --bootstrap-games 0 --no-gating --playout-cap --seed 11 \
  --hours "${HOURS:-1}" || echo "go-engine zero stopped (exit $?)"
# keep what the next session resumes from (small files; commit them)
HERE=training/zero9k
NEWEST=$(ls "$RUN"/models/gen_*.safetensors | tail -1)
cp "$NEWEST" "$HERE/models/newest.safetensors"
cp "$RUN"/{loop.json,ratings.csv,ratings.png,config.json} "$HERE/"
echo "newest: $NEWEST -> $HERE/models/newest.safetensors"
