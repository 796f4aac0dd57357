"""The PyTorch models, one per file, built from the shared blocks in ``layers``.

AlphaGo Lee policy and value nets, the AlphaGo Zero residual net, the dueling DQN and the
actor-critic net.
"""
