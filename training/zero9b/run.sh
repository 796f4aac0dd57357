#!/usr/bin/env bash
# The long 9x9 run behind the next shipped net; resumable: run again to continue (see README.md here).
# HOURS (default 2.3) bounds this session's part; WORKERS=N plays self-play in N processes (default 0:
# in this process, one core).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUN=${RUN:-runs/zero9b}
mkdir -p "$RUN/models"
[ -e "$RUN/models/gen_0000.safetensors" ] || cp training/zero9b/models/newest.safetensors "$RUN/models/gen_0000.safetensors" 2>/dev/null \
  || cp nets/weights/zero9.safetensors "$RUN/models/gen_0000.safetensors"
export OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1
exec go-engine zero --run "$RUN" --config training/zero9b/base.json --size 9 --komi 7.5 --preset b6c64 \
  --playouts 100 --workers "${WORKERS:-0}" --games-per-worker-batch 256 --games 512 --steps-per-generation 160 \
  --train-batch 256 --eval-games 10 --anchor-games 10 --no-gating --playout-cap --seed 7 --hours "${HOURS:-2.3}"
