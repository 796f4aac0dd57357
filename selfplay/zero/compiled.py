"""Zero self-play on the compiled many-game engine (``engine.search.batch``), in the worker's terms.

``play_compiled`` plays a worker's games ``K`` at a time in one ``ManyGames`` arena and hands each
finished game to ``on_result`` as a ``selfplay.game.GameResult`` (record, sample rows, result),
so the worker writes SGF and shard files exactly as for the threaded engine. Game ``i`` is seeded
by the worker's seed for it; the game's course depends on that seed and its evaluations only.
``batch_config`` maps the run's ``Config`` onto ``BatchSearchConfig``: the ``PuctConfig`` section of
``cfg.mcts`` and the ``SelfPlayMoves`` section of ``cfg.selfplay`` (noise, temperature, resignation
with the holdout, playout cap, move cap, root search). One leaf per game per step, so no virtual loss is needed.
``play_match`` plays the loop's evaluation matches between two nets the same way
(``match_config``; each leaf goes to the net of the player to move at its root). ``game_komi``
draws a game's komi: the run's komi, moved by a whole number of points up to
``selfplay.komi_spread`` either way (KataGo's komi randomisation; the nets with the agz17k komi
plane learn from it what a point of komi is worth).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from engine.board import BLACK, EMPTY
from engine.config import PuctConfig, SelfPlayMoves, section
from engine.features import has_komi_plane, stored_set
from engine.search.batch import BatchSearchConfig, Evaluator, FinishedGame, ManyGames, paired
from engine.sgf import board_to_record
from selfplay.config import Config
from selfplay.game import GameResult

ENGINES = ("compiled", "threads")


def supports(cfg: Config) -> bool:
    """True if the compiled engine can play ``cfg``'s games (it writes agz17 planes, and agz17k's komi plane)."""
    return stored_set(cfg.net.feature_set) == "agz17"


def game_komi(cfg: Config, seed: int) -> float:
    """The komi of the game seeded ``seed``: ``board.komi`` plus a uniform whole number in +-``komi_spread``."""
    spread = int(cfg.selfplay.komi_spread)
    if spread == 0:
        return cfg.board.komi
    return cfg.board.komi + int(np.random.default_rng([seed, 0x4B4F4D49]).integers(-spread, spread + 1))


def batch_config(cfg: Config) -> BatchSearchConfig:
    """The compiled engine's settings for ``cfg``: its rules, PUCT rule and self-play move choice."""
    m, b = cfg.mcts, cfg.board
    return BatchSearchConfig(
        size=b.size,
        komi=b.komi,
        allow_suicide=b.allow_suicide,
        superko=b.ko == "positional",
        playouts=m.num_simulations,
        temperature=1.0,
        reuse_tree=m.reuse_tree,
        komi_plane=has_komi_plane(cfg.net.feature_set),
        **section(m, PuctConfig),
        **section(cfg.selfplay, SelfPlayMoves),
    )


def match_config(cfg: Config) -> BatchSearchConfig:
    """The compiled engine's settings for the loop's evaluation matches (``cfg.eval``).

    As ``selfplay.zero.loop.play_match``'s players: ``eval.playouts`` a move, ``mcts.batch_size``
    leaves a game a step (under virtual loss, so that the few games of a match fill the net's
    batches), the first ``eval.random_moves`` moves sampled by visits, no noise, no playout cap,
    PUCT at the root, ``cfg.mcts``'s resignation, and no tree kept between moves (each player
    searches afresh).
    """
    m = cfg.mcts
    return replace(
        batch_config(cfg),
        playouts=cfg.eval.playouts,
        leaves_per_game=max(1, m.batch_size),
        temperature_moves=cfg.eval.random_moves,
        dirichlet_eps=0.0,
        reuse_tree=False,
        playout_cap=False,
        root_search="puct",
        forced_k=0.0,
        resign_threshold=m.resign_threshold,
        resign_min_moves=m.resign_min_moves,
        resign_disabled_frac=0.0,
    )


def play_match(cfg: Config, a: Evaluator, b: Evaluator, seeds: Sequence[int], indices: Sequence[int]) -> float:
    """Player ``a``'s score in the match games ``indices`` against ``b`` (A has Black in even games; draws 0.5).

    Both players' leaves go through one ``ManyGames`` arena, ``selfplay.games_per_worker_batch`` games
    at a time, one call of each net a step; game ``j`` of the call is seeded ``seeds[j]``.
    """
    a_black = [int(i) % 2 == 0 for i in indices]
    slots = max(1, min(cfg.selfplay.games_per_worker_batch, len(indices)))
    mg = ManyGames(match_config(cfg), slots, groups=min(2, slots), a_black=a_black)
    score = [0.0]

    def on_game(f: FinishedGame) -> None:
        if f.winner == EMPTY:
            score[0] += 0.5
        else:
            score[0] += float((f.winner == BLACK) == a_black[f.game_id])

    mg.play(paired(a, b), len(indices), seed_of=lambda j: int(seeds[j]), on_game=on_game)
    return score[0]


def game_result(cfg: Config, f: FinishedGame, seconds: float) -> GameResult:
    """A finished game as ``selfplay_game`` returns it (the record is rebuilt from the moves)."""
    board = replace(cfg.board, komi=f.komi).make_board()
    for a in f.moves:
        board.play(int(a))
    if f.resigned:
        board.resign(3 - f.winner)
    cap = cfg.selfplay.max_moves or 2 * board.size**2
    result = board.result() if (board.is_over or board.move_number >= cap) else None
    scored = result is not None and not f.resigned  # the final position is the one the area count read
    info = {"ownership": board.ownership(), "score": board.area_score()} if scored else {}
    info["komi"] = f.komi
    return GameResult(
        record=board_to_record(board, result=result, black_name="zero", white_name="zero"),
        planes=f.planes,
        pi=f.pi,
        z=f.z,
        to_play=f.to_play,
        winner=f.winner,
        moves=len(f.moves),
        resigned=f.resigned,
        resign_disabled=f.resign_disabled,
        would_resign=f.would_resign,
        simulations=f.simulations,
        seconds=seconds,
        info=info,
        q=f.q,
    )


def play_compiled(
    cfg: Config,
    evaluator: Evaluator,
    seeds: Sequence[int],
    indices: Sequence[int],
    on_result: Callable[[int, GameResult], None],
) -> dict:
    """Play games ``indices`` (seeded by ``seeds``) with ``evaluator``; returns batching stats.

    ``on_result(index, result)`` is called as each game ends, before the next step of its group
    (in a search thread, one call at a time, with ``selfplay.search_threads`` above 1).
    """
    slots = max(1, min(cfg.selfplay.games_per_worker_batch, len(indices)))
    threads = min(cfg.selfplay.search_threads, slots)
    mg = ManyGames(batch_config(cfg), slots, groups=max(min(2, slots), threads))
    started: dict[int, float] = {}

    def seed_of(i: int) -> int:
        started[i] = time.perf_counter()
        return int(seeds[i])

    def komi_of(i: int) -> float:
        return game_komi(cfg, int(seeds[i]))

    def on_game(f: FinishedGame) -> None:
        res = game_result(cfg, f, time.perf_counter() - started.pop(f.game_id))
        on_result(indices[f.game_id], res)

    st = mg.play(evaluator, len(indices), seed_of=seed_of, komi_of=komi_of, on_game=on_game, threads=threads)
    return {"steps": st.steps, "requests": st.steps, "leaves": st.leaves, "net_seconds": st.net_seconds}
