#!/usr/bin/env bash
# zero9p: zero9k's newest net grown with KataGo's ownership and score heads, trained on fuller searches
# (200 playouts, fast moves 40, half the games played out for ownership targets); resumable.
# HOURS (default 1) bounds this session's part; WORKERS=N plays self-play in N processes (default 2).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUN=${RUN:-runs/zero9p}
HERE=training/zero9p
INIT=$HERE/models/newest.safetensors
[ -e "$INIT" ] || INIT=training/zero9k/models/newest.safetensors
export OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1
go-engine zero --run "$RUN" --config $HERE/base.json --size 9 --komi 7.5 --init "$INIT" \
  --playouts 200 --resign-disabled-frac 0.5 --workers "${WORKERS:-2}" --games-per-worker-batch 256 --games 512 --steps-per-generation 160 \
  --train-batch 256 --eval-games 10 --anchor-games 0 --bootstrap-games 0 --no-gating --playout-cap --seed 31 \
  --hours "${HOURS:-1}" || echo "go-engine zero stopped (exit $?)"
# keep what the next session resumes from (small files; commit them)
mkdir -p $HERE/models
NEWEST=$(ls "$RUN"/models/gen_*.safetensors | tail -1)
cp "$NEWEST" "$HERE/models/newest.safetensors"
cp "$RUN"/{loop.json,ratings.csv,config.json} "$HERE/"
cp "$RUN"/ratings.png "$HERE/" 2>/dev/null || true
echo "newest: $NEWEST -> $HERE/models/newest.safetensors"
