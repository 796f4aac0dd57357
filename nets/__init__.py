"""go-engine's neural networks (PyTorch): AlphaGo Lee and Zero nets, DQN and actor-critic nets.

==================  ==========================================================================
module              content
==================  ==========================================================================
``config``          ``NetConfig`` (frozen dataclass, no torch import)
``presets``         named architectures: ``preset("b20c256")``, ``PRESETS`` (no torch import)
``layers``          shared blocks: conv-BN-ReLU, residual block, AlphaGo Lee trunk, value MLP
``resnet``          AlphaGo Zero policy-value net            (``kind="resnet"``)
``policy``          AlphaGo Lee SL/RL policy net             (``kind="policy"``)
``value``           AlphaGo Lee value net                    (``kind="value"``)
``factory``         ``build_model(cfg, head=None)`` (``head``: the DQN / actor-critic nets),
                    ``policy_value(model, planes)``, ``count_parameters``
``checkpoint``      ``save_weights``/``load_weights`` (safetensors), ``save_checkpoint``/
                    ``load_checkpoint`` (training state), ``CheckpointError``
``evaluator``       ``TorchEvaluator``: a net as the ``engine.search.mcts.Evaluator`` of the search
``fileio``          ``atomic_write(path, mode)``: temp file + fsync + ``os.replace`` (no torch import;
                    also used by ``selfplay``)
==================  ==========================================================================

This package ``__init__`` imports nothing, so ``nets.config`` stays importable without torch.
"""
