"""Model-free RL on ``go_engine/Go-v0``.

DQN with prioritized replay, A3C/A2C, their shared pieces, opponents and evaluation.
"""
