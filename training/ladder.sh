#!/usr/bin/env bash
# The 9x9 strength ladder of the learning issue, 1 s a move, 40 games a rung, for one net:
#   rung     as White against GNU Go level 10 (Chinese rules) as Black at komi -7.5
#   even     against the same GNU Go at komi 7.5, colours alternating
#   rollout  against the no-network search (--pipeline rollout) at equal time
#   shipped  against the shipped player (the default `go-engine gtp`, or BASE) at equal time
#   pure     this net without rollouts (lam 0) against the same player at equal time
# usage: training/ladder.sh WEIGHTS [RUNGS] (RUNGS: a comma list, default rung,even,rollout,shipped)
# env: LAM (default 0.5, the shipped player's), SEED (default 200), GAMES (40), OUT (default
# runs/ladder/NAME: each rung's SGF files and its result line in OUT/RUNG.txt), PARALLEL (2), BASE
# (the weights of the reference player of `shipped` and `pure`, with rollouts; default: the shipped net).
# A rung takes about 11 minutes against GNU Go and 21 against another engine on a 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
WEIGHTS=${1:?usage: training/ladder.sh WEIGHTS [RUNGS]}
[ -f "$WEIGHTS" ] || { echo "no such weights file: $WEIGHTS" >&2; exit 2; }
RUNGS=${2:-rung,even,rollout,shipped}
LAM=${LAM:-0.5}
SEED=${SEED:-200}
GAMES=${GAMES:-40}
OUT=${OUT:-runs/ladder/$(basename "$WEIGHTS" .safetensors)}
GNUGO="$(command -v gnugo || echo /usr/games/gnugo) --mode gtp --level 10 --chinese-rules"
ME="go-engine gtp --size 9 --time 1 --weights $WEIGHTS --lam $LAM --seed $SEED"
SHIPPED="go-engine gtp --size 9 --time 1 --seed $((SEED + 1))${BASE:+ --weights $BASE --lam 0.5}"
export OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1
players() {  # A, B and EXTRA of rung $1; fails for an unknown name
  case $1 in
    rung) A=$ME; B=$GNUGO; EXTRA=(--colors a-white --komi -7.5) ;;
    even) A=$ME; B=$GNUGO; EXTRA=(--komi 7.5) ;;
    rollout) A=$ME; B="go-engine gtp --pipeline rollout --size 9 --time 1 --seed $((SEED + 1))"; EXTRA=(--komi 7.5) ;;
    shipped) A=$ME; B=$SHIPPED; EXTRA=(--komi 7.5) ;;
    pure) A="go-engine gtp --size 9 --time 1 --weights $WEIGHTS --lam 0 --seed $SEED"; B=$SHIPPED; EXTRA=(--komi 7.5) ;;
    *) echo "unknown rung $1 (rung, even, rollout, shipped, pure)" >&2; return 1 ;;
  esac
}
for RUNG in ${RUNGS//,/ }; do players "$RUNG" || exit 2; done  # every name checked before the first game
mkdir -p "$OUT"
for RUNG in ${RUNGS//,/ }; do
  players "$RUNG"
  echo "== $RUNG: $A  vs  $B ${EXTRA[*]}"
  go-engine match "$A" "$B" "${EXTRA[@]}" -n "$GAMES" --parallel "${PARALLEL:-2}" --size 9 --time 1 \
    --out "$OUT/$RUNG" | tee "$OUT/$RUNG.txt"
done
