#!/usr/bin/env bash
# zero9p: zero9k's newest net grown with KataGo's ownership and score heads, trained on fuller searches
# (200 playouts, fast moves 40, half the games played out for ownership targets); resumable.
# ARM=aux (default: base.json, the heads), ARM=control (control.json: the same without them, the
# ablation's other arm) or ARM=q (q.json: control with value targets (z + q) / 2, train.q_weight 0.5;
# a fresh q run starts as a copy of the control run folder, so both arms share all that came before)
# or ARM=p400 (p400.json: q with full searches of 400 playouts instead of 200, fast ones 50; a fresh
# p400 run starts as a copy of the q run folder).
# HOURS (default 1) bounds this session's part; WORKERS=N self-play processes (default 2); CPUS=LIST
# pins the arm to those cores (taskset), so two arms can share a machine fairly.
set -euo pipefail
cd "$(dirname "$0")/../.."
ARM=${ARM:-aux}
HERE=training/zero9p
case $ARM in
  aux) RUN=${RUN:-runs/zero9p}; CONFIG=$HERE/base.json; SAVE=$HERE ;;
  control) RUN=${RUN:-runs/zero9p-control}; CONFIG=$HERE/control.json; SAVE=$HERE/control ;;
  q) RUN=${RUN:-runs/zero9p-q}; CONFIG=$HERE/q.json; SAVE=$HERE/q
     [ -e "$RUN" ] || [ ! -e runs/zero9p-control ] || cp -r runs/zero9p-control "$RUN" ;;
  p400) RUN=${RUN:-runs/zero9p-p400}; CONFIG=$HERE/p400.json; SAVE=$HERE/p400; PLAYOUTS=400
     [ -e "$RUN" ] || [ ! -e runs/zero9p-q ] || cp -r runs/zero9p-q "$RUN" ;;
  *) echo "ARM must be aux, control, q or p400" >&2; exit 2 ;;
esac
INIT=$SAVE/models/newest.safetensors
[ -e "$INIT" ] || [ "$ARM" != p400 ] || INIT=$HERE/q/models/newest.safetensors
[ -e "$INIT" ] || [ "$ARM" != q ] || INIT=$HERE/control/models/newest.safetensors
[ -e "$INIT" ] || INIT=training/zero9k/models/newest.safetensors
PIN=()
[ -n "${CPUS:-}" ] && PIN=(taskset -c "$CPUS")
export OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1
"${PIN[@]}" go-engine zero --run "$RUN" --config $CONFIG --size 9 --komi 7.5 --init "$INIT" \
  --playouts ${PLAYOUTS:-200} --resign-disabled-frac 0.5 --workers "${WORKERS:-2}" --games-per-worker-batch 256 --games 512 \
  --steps-per-generation 160 --train-batch 256 --eval-games 10 --anchor-games 0 --bootstrap-games 0 --no-gating \
  --playout-cap --seed 31 --hours "${HOURS:-1}" || echo "go-engine zero stopped (exit $?)"
# keep what the next session resumes from (small files; commit them)
mkdir -p $SAVE/models
NEWEST=$(ls "$RUN"/models/gen_*.safetensors | tail -1)
cp "$NEWEST" "$SAVE/models/newest.safetensors"
cp "$RUN"/{loop.json,ratings.csv,config.json} "$SAVE/"
cp "$RUN"/ratings.png "$SAVE/" 2>/dev/null || true
echo "newest: $NEWEST -> $SAVE/models/newest.safetensors"
