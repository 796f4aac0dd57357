"""The AlphaGo Zero loop: self-play -> training -> evaluation, with an Elo table and plots.

Per generation ``g`` (Silver et al. 2017, "Empirical analysis of AlphaGo Zero training"):

1. **self-play**: ``cfg.selfplay.games`` games with the best net (gating) or the latest one
   (``eval.gating = False``, AlphaZero's continuous mode), into ``shards/`` and ``sgf/``;
2. **training**: ``train_steps_per_generation`` more steps of ``selfplay/zero/train.py`` on the newest
   window, exported as ``models/gen_{g+1}.safetensors``;
3. **evaluation**: the new net plays the best one ``eval.games`` games in-process (two
   ``MCTSPlayer``-s over ``TorchEvaluator``-s, all games batched through ``MultiGameSearch``); at
   ``eval.threshold`` (55%) it becomes the best. Each new best also plays the no-network
   ``MCTSPlayer`` (the anchor, rated 0) and, with ``eval.gnugo``, GNU Go through the GTP referee;
4. **ratings**: a Bradley-Terry fit of every match so far (``selfplay/elo.py``) written as
   ``ratings.csv``/``ratings.json`` and ``ratings.png``, next to ``loss.png`` of the training log.

The loop state (``loop.json``: generation, best, matches) is rewritten after every phase, so a
stopped run continues where it was (self-play skips games already written, training resumes
from its checkpoint). The loop stops after ``hours`` or ``max_generations``.
"""

from __future__ import annotations

import csv
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from engine.board import EMPTY
from engine.search.multi import MultiGameSearch
from engine.search.player import MCTSPlayer
from selfplay.config import Config, save_config
from selfplay.elo import MatchRecord, fit_elo
from selfplay.game import play_game, sized
from selfplay.players import PlayerConfig, build_player
from selfplay.zero import compiled
from selfplay.zero.models import ROLLOUT_PLAYER, ensure_weights, make_batch_fn, make_evaluator, model_path
from selfplay.zero.worker import game_seed, run_selfplay

log = logging.getLogger("go_engine.loop")
ANCHOR = "mcts-rollouts"
"""name of the no-network anchor player in the ratings"""

ExternalMatch = Callable[[Path, int], tuple[str, float, int]]
"""``(weights, generation) -> (opponent name, score of the net, games)``, e.g. GNU Go via GTP"""


def gen_name(g: int) -> str:
    """Rating-table name of generation ``g``'s net."""
    return f"gen_{g:04d}"


# ------------------------------------------------------------------------------ matches
def play_match(
    cfg: Config, a: Path | None, b: Path | None, games: int, seed: int, *, indices: Sequence[int] | None = None
) -> float:
    """Score of player ``a`` in ``games`` games against ``b`` (colours alternate; draws 0.5).

    With ``indices``, only those games of the match are played (a share of it on a cluster actor).

    A player is a weights file (``MCTSPlayer`` over a ``TorchEvaluator``, ``eval.playouts``) or
    ``None`` for the anchor (the rollout ``MCTSPlayer``, ``eval.anchor_playouts``). All games run
    ``selfplay.games_per_worker_batch`` at a time with one network call per net per step: two nets
    on the compiled engine (``compiled.play_match``) where self-play uses it, else (and against
    the anchor) ``MCTSPlayer``s in ``MultiGameSearch``.
    """
    nets = {tag: make_evaluator(cfg, w, seed + i) for i, (tag, w) in enumerate((("a", a), ("b", b))) if w is not None}
    todo = list(range(games)) if indices is None else list(indices)
    if len(nets) == 2 and cfg.selfplay.engine == "compiled" and compiled.supports(cfg):
        seeds = [game_seed(seed, 10**6, i) for i in todo]
        return compiled.play_match(cfg, nets["a"].evaluate_planes, nets["b"].evaluate_planes, seeds, todo)
    ev = cfg.eval
    n = cfg.board.size
    net_cfg = sized(
        replace(
            cfg.mcts, num_simulations=ev.playouts, temperature=1.0, temperature_moves=ev.random_moves, dirichlet_eps=0.0
        ),
        n,
    )
    anchor_cfg = sized(replace(net_cfg, num_simulations=ev.anchor_playouts, resign_threshold=0.0), n)
    search = MultiGameSearch(make_batch_fn(nets), cfg.selfplay.games_per_worker_batch)

    def player(tag: str, make_eval, s: int) -> MCTSPlayer:
        if tag in nets:
            return build_player(PlayerConfig("zero", net_cfg, seed=s), make_eval(tag))
        return build_player(PlayerConfig("mcts", anchor_cfg, seed=s))

    def play_one(i: int, make_eval) -> float:
        s = game_seed(seed, 10**6, i)
        pa, pb = player("a", make_eval, s), player("b", make_eval, s + 1)
        black, white = (pa, pb) if i % 2 == 0 else (pb, pa)
        winner, _ = play_game(cfg.board, black, white, cfg.selfplay.max_moves)
        if winner == EMPTY:
            return 0.5
        return float((winner == 1) == (i % 2 == 0))

    return float(sum(search.run(todo, play_one).values()))


# ------------------------------------------------------------------------------ state and outputs
@dataclass
class LoopState:
    """What ``loop.json`` keeps."""

    generation: int = 0
    """generations completed"""
    best: int = 0
    """generation of the best net"""
    train_step: int = 0
    matches: list[dict] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> LoopState:
        """Read ``loop.json`` (a fresh state if missing)."""
        return cls(**json.loads(path.read_text())) if path.exists() else cls()

    def save(self, path: Path) -> None:
        """Write ``loop.json`` atomically."""
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2) + "\n")
        tmp.replace(path)

    def records(self) -> list[MatchRecord]:
        """The matches as ``MatchRecord``-s."""
        return [MatchRecord(m["a"], m["b"], m["score_a"], m["games"]) for m in self.matches]


def write_ratings(run_dir: Path, state: LoopState) -> dict[str, float]:
    """Fit the ratings and write ``ratings.csv``, ``ratings.json`` and the plots; returns the ratings."""
    elo = fit_elo(state.records(), ANCHOR)
    rows = [{"player": p, "elo": round(e, 1), "best": p == gen_name(state.best)} for p, e in sorted(elo.items())]
    with (run_dir / "ratings.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, ["player", "elo", "best"])
        w.writeheader()
        w.writerows(rows)
    (run_dir / "ratings.json").write_text(
        json.dumps({"anchor": ANCHOR, "ratings": elo, "matches": state.matches}, indent=2)
    )
    plot(run_dir, elo)
    return elo


def plot(run_dir: Path, elo: dict[str, float]) -> list[Path]:
    """``ratings.png`` (Elo per generation) and ``loss.png`` (training log); nothing without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log.warning("matplotlib is not installed (pip install 'go-engine[plot]'): no plots")
        return []
    out = []
    gens = sorted((int(p[4:]), e) for p, e in elo.items() if p.startswith("gen_"))
    fig, ax = plt.subplots(figsize=(6, 4))
    if gens:
        ax.plot([g for g, _ in gens], [e for _, e in gens], "o-", label="net")
    for name, e in elo.items():
        if not name.startswith("gen_"):
            ax.axhline(e, ls="--", lw=1, color="grey")
            ax.annotate(name, (0, e), fontsize=8, color="grey")
    ax.set(xlabel="generation", ylabel=f"Elo ({ANCHOR} = 0)", title="AlphaGo Zero loop: ratings")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(run_dir / "ratings.png", dpi=100)
    plt.close(fig)
    out.append(run_dir / "ratings.png")
    log_csv = run_dir / "train" / "log.csv"
    if log_csv.exists():
        with log_csv.open() as f:
            rows = list(csv.DictReader(f))
        if rows:
            fig, ax = plt.subplots(figsize=(6, 4))
            steps = [int(r["step"]) for r in rows]
            for key in ("loss", "value_loss", "policy_loss"):
                ax.plot(steps, [float(r[key]) for r in rows], label=key)
            ax.set(xlabel="step", ylabel="loss", title="training loss")
            ax.legend()
            ax.grid(alpha=0.3)
            fig.tight_layout()
            fig.savefig(run_dir / "loss.png", dpi=100)
            plt.close(fig)
            out.append(run_dir / "loss.png")
    return out


# ------------------------------------------------------------------------------ the loop
def _rate_new_best(
    cfg: Config, run_dir: Path, state: LoopState, g: int, external: ExternalMatch | None, pool=None
) -> None:
    """Anchor matches of a new best net: the rollout MCTSPlayer, and the external opponent if any."""
    if cfg.eval.anchor_games:
        score = (pool.match if pool else play_match)(
            cfg, model_path(run_dir, g), None, cfg.eval.anchor_games, cfg.seed + 7919 * g
        )
        state.matches.append({"a": gen_name(g), "b": ANCHOR, "score_a": score, "games": cfg.eval.anchor_games})
    if external is not None:
        name, score, games = external(model_path(run_dir, g), g)
        state.matches.append({"a": gen_name(g), "b": name, "score_a": score, "games": games})


def _selfplay_generation(cfg: Config, run_dir: Path, state: LoopState, progress: bool, pool=None):
    """This generation's games: the best (gating) or latest net, or the bootstrap search at generation 0."""
    g, sp = state.generation, cfg.selfplay
    if g == 0 and sp.bootstrap_games:
        playouts = sp.bootstrap_playouts or cfg.mcts.num_simulations
        boot = replace(
            cfg, selfplay=replace(sp, games=sp.bootstrap_games), mcts=replace(cfg.mcts, num_simulations=playouts)
        )
        return run_selfplay(boot, run_dir, ROLLOUT_PLAYER, generation=0, progress=progress, pool=pool)
    player = state.best if cfg.eval.gating else g
    return run_selfplay(cfg, run_dir, model_path(run_dir, player), generation=g, progress=progress, pool=pool)


def run_zero(
    cfg: Config,
    run_dir: str | Path,
    *,
    external: ExternalMatch | None = None,
    progress: bool = True,
    pool=None,
    init: str | Path | None = None,
) -> LoopState:
    """Run (or continue) the loop in ``run_dir`` until ``cfg.hours`` or ``cfg.max_generations``.

    Args:
        cfg: root config (saved as ``run_dir/config.json``).
        run_dir: the run folder.
        external: optional extra rating opponent for each new best (GNU Go through GTP).
        progress: tqdm bars for self-play.
        pool: a ``ClusterPool`` (``selfplay/zero/cluster_loop.py``): self-play and matches on Ray actors.
        init: generation 0's net in a new run (``ensure_weights``); default a fresh net.

    Returns:
        The final loop state (also in ``loop.json``).
    """
    from selfplay.zero.train import train

    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    save_config(run_dir / "config.json", cfg)
    state_path = run_dir / "loop.json"
    state = LoopState.load(state_path)
    deadline = time.monotonic() + cfg.hours * 3600
    ensure_weights(cfg, run_dir, None, init)
    if not state.matches:
        _rate_new_best(cfg, run_dir, state, 0, external, pool)
        state.save(state_path)
        write_ratings(run_dir, state)
    while time.monotonic() < deadline and not (cfg.max_generations and state.generation >= cfg.max_generations):
        g = state.generation
        t0, c0 = time.monotonic(), time.process_time()
        # --- self-play with the best (gating) or the latest net
        sp = _selfplay_generation(cfg, run_dir, state, progress, pool)
        # --- training
        stop = state.train_step + cfg.train_steps_per_generation
        res = train(cfg, run_dir, stop_at=stop, export=model_path(run_dir, g + 1))
        state.train_step = res.step
        # --- evaluation (gating) and ratings
        score = (pool.match if pool else play_match)(
            cfg, model_path(run_dir, g + 1), model_path(run_dir, state.best), cfg.eval.games, cfg.seed + g
        )
        state.matches.append(
            {"a": gen_name(g + 1), "b": gen_name(state.best), "score_a": score, "games": cfg.eval.games}
        )
        winrate = score / max(cfg.eval.games, 1)
        promoted = not cfg.eval.gating or winrate >= cfg.eval.threshold
        if promoted:
            state.best = g + 1
            _rate_new_best(cfg, run_dir, state, g + 1, external, pool)
        state.generation = g + 1
        state.history.append(
            {
                "generation": g + 1,
                "selfplay_games": sp.games,
                "positions": sp.positions,
                "false_resign_rate": sp.false_resign_rate,
                "train_step": res.step,
                "loss": res.metrics.get("loss"),
                "winrate_vs_best": winrate,
                "promoted": promoted,
                "seconds": round(time.monotonic() - t0, 1),
                "cpu_seconds": round(time.process_time() - c0, 1),
            }
        )
        state.save(state_path)
        elo = write_ratings(run_dir, state)
        log.info("generation %d: win rate %.2f vs best, promoted=%s, elo %s", g + 1, winrate, promoted, elo)
    return state
