"""Rollouts to the end of the game.

Random playouts on the fast playout board, the hand-written heuristic priors and heavy playouts,
and the AlphaGo Lee linear-softmax rollout policy, each over its own Numba kernels.
"""
