"""The AlphaGo Zero pipeline.

Self-play workers and their shards, the trainer, and the loop that plays, trains, gates and rates.
"""
