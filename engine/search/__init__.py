"""The search over the board.

PUCT over a preallocated array tree (``mcts``) and its kernels, the players built on it,
multi-game batching, root parallelism, AlphaGo Lee's rollout-evaluated search and time control.
"""
