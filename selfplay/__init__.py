"""go-engine's learning loop: game records, the Gymnasium env, self-play workers and trainers."""
