"""Tiny configs shared by the AlphaGo Zero pipeline tests (5x5, b2c16, a few playouts)."""

from __future__ import annotations

from dataclasses import replace

from engine.config import BoardConfig, MCTSConfig
from nets.presets import preset
from selfplay.config import Config, EvalConfig, SelfPlayConfig, TrainConfig


def tiny_config(**selfplay) -> Config:
    sp = dict(games=2, workers=0, games_per_worker_batch=2, resign_threshold=0.0, max_moves=30)
    sp.update(selfplay)
    return Config(
        board=BoardConfig(size=5, komi=0.5),
        mcts=MCTSConfig(num_simulations=8, batch_size=4, resign_threshold=0.0),
        net=preset("b2c16"),
        selfplay=SelfPlayConfig(**sp),
        train=TrainConfig(steps=4, batch_size=8, log_every=1, checkpoint_every=100),
        eval=EvalConfig(games=2, playouts=4, anchor_games=2, anchor_playouts=8),
        hours=1.0,
        max_generations=1,
        train_steps_per_generation=2,
        seed=1,
    )


def with_train(cfg: Config, **kw) -> Config:
    return replace(cfg, train=replace(cfg.train, **kw))
