#!/usr/bin/env bash
# Ape-X DQN on 5x5 with 1 actor, then with 2 actors, SECONDS (default 900) each on a quiet machine;
# then every step checkpoint of both runs is evaluated and the two curves are plotted (README.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-runs/apex5}
mkdir -p "$OUT"
for A in 1 2; do
  rm -rf "$OUT/a$A"
  date +%s.%N > "$OUT/start_a$A"
  go-engine train dqn --size 5 --features liberties --opponent random,heuristic --actors $A \
      --steps 900000 --lr-end 5e-5 --seconds "${SECONDS_PER_RUN:-900}" --eval-every 0 --checkpoint-every 20000 \
      --run-dir "$OUT/a$A" --no-progress > "$OUT/a$A.log" 2>&1
done
for A in 1 2; do
  python training/apex5/curve.py eval "$OUT/a$A" "$(cat "$OUT/start_a$A")" > "$OUT/curve_a$A.log" 2>&1 &
done
wait
python training/apex5/curve.py plot "$OUT/apex5.png" "1 actor=$OUT/a1" "2 actors=$OUT/a2"
