"""go-engine's neural networks (PyTorch): AlphaGo Lee and Zero nets, DQN and actor-critic nets."""
