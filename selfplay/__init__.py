"""go-engine's learning loop: game records, the Gymnasium env, self-play workers and trainers.

Importing this package imports nothing heavy (no torch, no gymnasium): import the submodule you
need. ``import selfplay.env`` registers the Gymnasium id ``go_engine/Go-v0``;
``selfplay.records`` reads and writes SGF files.
"""
