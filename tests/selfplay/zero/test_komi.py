"""Nets with a komi plane (agz17k): randomised komi in self-play, shards, training, widening a net."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from engine.board import BLACK, WHITE, Board
from engine.errors import UserError
from engine.features import KOMI_SCALE, encode
from engine.search.batch import BatchSearchConfig, ManyGames, NullEvaluator
from engine.sgf import record_to_board
from nets.checkpoint import load_weights, save_weights
from nets.factory import build_model, widen_input
from nets.presets import preset
from selfplay.records import read_sgf_file
from selfplay.zero.compiled import batch_config, game_komi
from selfplay.zero.models import ensure_weights, model_path
from selfplay.zero.shards import list_shards, load_window, read_shard
from selfplay.zero.train import train, with_komi_plane
from selfplay.zero.worker import run_selfplay
from tests.selfplay.zero.helpers import tiny_config


def komi_config(spread: int = 3, **selfplay):
    cfg = tiny_config(komi_spread=spread, **selfplay)
    return replace(cfg, net=replace(cfg.net, in_planes=18, feature_set="agz17k"))


def test_the_komi_plane_is_the_komi_of_the_player_to_move():
    board = Board(9, komi=-7.5)
    planes = encode(board, "agz17k")
    assert np.array_equal(planes[:17], encode(board, "agz17"))
    assert np.all(planes[17] == 7.5 / KOMI_SCALE)  # black to move receives 7.5 points
    assert np.all(encode(board, "agz17k", color=WHITE)[17] == -7.5 / KOMI_SCALE)


def test_game_komi_moves_the_run_komi_by_whole_points_within_the_spread():
    cfg = komi_config(spread=4)
    komis = [game_komi(cfg, seed) for seed in range(400)]
    assert komis == [game_komi(cfg, seed) for seed in range(400)]  # a function of the seed
    assert set(komis) == {0.5 + d for d in range(-4, 5)}
    assert game_komi(tiny_config(), 12) == 0.5
    with pytest.raises(ValueError):
        tiny_config(komi_spread=2, engine="threads")


def test_each_game_is_scored_and_encoded_with_its_own_komi():
    cfg = BatchSearchConfig(size=5, komi=0.5, playouts=4, max_moves=12, resign_threshold=0.0, komi_plane=True)
    mg = ManyGames(cfg, 4, groups=1)
    komis = {0: -24.5, 1: 20.5, 2: 3.5, 3: -0.5}
    by_size = {abs(k): k for k in komis.values()}
    seen = []

    def evaluator(planes, legal):
        seen.append(planes[:, 17, 0, 0].copy())
        colors = np.where(planes[:, 16, 0, 0] == 1, BLACK, WHITE)
        assert planes.shape[1] == 18 and np.all(planes[:, 17] == planes[:, 17, :1, :1])
        own = planes[:, 17, 0, 0] * KOMI_SCALE
        komi = np.array([by_size[abs(float(o))] for o in own])  # each row's game, known by the size of its komi
        assert np.array_equal(own, np.where(colors == BLACK, -komi, komi))
        return NullEvaluator(26)(planes, legal)

    done = []
    mg.play(evaluator, 4, komi_of=komis.get, on_game=done.append)
    assert sorted(f.komi for f in done) == sorted(komis.values())
    for f in done:
        board = Board(5, komi=f.komi)
        for a in f.moves:
            board.play(int(a))
        assert f.winner == board.winner(), (f.komi, f.winner)
    # with 20 points of komi or more no 5x5 game is lost by the side that receives them
    assert {f.komi: f.winner for f in done if abs(f.komi) > 20} == {-24.5: BLACK, 20.5: WHITE}
    assert len(np.unique(np.concatenate(seen))) > 2
    with pytest.raises(ValueError):
        mg.start(0, 1, 0, komi=0.25)


def test_selfplay_with_a_komi_spread_writes_each_game_at_its_komi(tmp_path):
    cfg = komi_config(spread=5, games=4, games_per_worker_batch=2)
    assert batch_config(cfg).komi_plane
    weights = ensure_weights(cfg, tmp_path, None)
    run_selfplay(cfg, tmp_path, weights, progress=False)
    komis = set()
    for path in list_shards(tmp_path / "shards"):
        shard = read_shard(path)
        rec = read_sgf_file(tmp_path / "sgf" / path.name.replace(".npz", ".sgf"))
        assert shard["meta"]["feature_set"] == "agz17" and shard["planes"].shape[1] == 17
        assert rec.komi == shard["meta"]["komi"]
        assert shard["meta"]["winner"] == record_to_board(rec).winner()
        komis.add(rec.komi)
    assert len(komis) > 1
    window = load_window(tmp_path / "shards", 10**6, "agz17k")
    first = read_shard(list_shards(tmp_path / "shards")[0])
    n = len(first["z"])
    want = np.where(first["to_play"] == BLACK, -first["meta"]["komi"], first["meta"]["komi"])
    assert np.array_equal(window.komi[:n], want)


def test_training_feeds_the_komi_plane_and_learns_it(tmp_path):
    cfg = komi_config(spread=6, games=6, games_per_worker_batch=3)
    weights = ensure_weights(cfg, tmp_path, None)
    run_selfplay(cfg, tmp_path, weights, progress=False)
    x = with_komi_plane(np.zeros((2, 17, 5, 5), np.float32), np.array([-7.5, 3.0]))
    assert x.shape == (2, 18, 5, 5) and x[0, 17, 2, 2] == -7.5 / KOMI_SCALE and x[1, 17, 0, 0] == 3.0 / KOMI_SCALE
    res = train(replace(cfg, train=replace(cfg.train, steps=3)), tmp_path, export=tmp_path / "out.safetensors")
    assert res.step == 3
    start, end = load_weights(weights).model, load_weights(tmp_path / "out.safetensors").model
    first = [name for name, p in start.state_dict().items() if p.dim() == 4][0]
    assert not torch.equal(start.state_dict()[first][:, 17], end.state_dict()[first][:, 17])  # it got gradient


def test_a_net_widened_with_the_komi_plane_computes_what_it_did(tmp_path):
    torch.manual_seed(0)
    old = build_model(preset("b2c16")).eval()
    new = widen_input(old, replace(preset("b2c16"), in_planes=18, feature_set="agz17k"))
    x = torch.rand(3, 17, 5, 5)
    xk = torch.cat([x, torch.full((3, 1, 5, 5), 0.4)], dim=1)
    with torch.no_grad():
        for a, b in zip(old(x), new(xk), strict=True):
            assert torch.allclose(a, b, atol=1e-6)
    with pytest.raises(ValueError):
        widen_input(old, replace(preset("b2c16"), filters=32, in_planes=18))
    # the loop's --init: generation 0 is the widened net; a net of another shape is one clear error
    save_weights(tmp_path / "old.safetensors", old)
    cfg = komi_config()
    path = ensure_weights(cfg, tmp_path / "run", None, init=tmp_path / "old.safetensors")
    assert path == model_path(tmp_path / "run", 0)
    assert load_weights(path).model.cfg == cfg.net
    save_weights(tmp_path / "big.safetensors", build_model(replace(preset("b2c16"), filters=32)))
    with pytest.raises(UserError, match="not a start for this run"):
        ensure_weights(cfg, tmp_path / "run2", None, init=tmp_path / "big.safetensors")


def test_selfplay_cli_plays_a_komi_net_given_by_weights(tmp_path):
    from click.testing import CliRunner

    from cli.main import cli

    torch.manual_seed(0)
    net = save_weights(
        tmp_path / "k.safetensors",
        build_model(replace(preset("b2c16", board_size=5), in_planes=18, feature_set="agz17k")),
    )
    out = tmp_path / "run"
    args = ["selfplay", "--out", str(out), "--weights", str(net), "--size", "5", "--komi", "0.5", "--games", "2"]
    args += ["--playouts", "4", "--workers", "0", "--komi-spread", "3", "--no-playout-cap", "--preset", "b2c16"]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    komis = {read_shard(f)["meta"]["komi"] for f in list_shards(out / "shards")}
    assert len(list_shards(out / "shards")) == 2 and komis <= {0.5 + d for d in range(-3, 4)}
    assert '"agz17k"' in (out / "config.json").read_text()  # the run keeps the net it played


def test_gumbel_and_forced_playouts_take_a_komi_net():
    assert komi_config(root_search="gumbel").selfplay.root_search == "gumbel"
    assert komi_config(forced_k=2.0).selfplay.forced_k == 2.0
    with pytest.raises(ValueError, match="agz17"):
        cfg = tiny_config()
        replace(
            cfg, net=replace(cfg.net, in_planes=48, feature_set="aglee48"), selfplay=replace(cfg.selfplay, forced_k=2.0)
        )


def test_a_net_grown_with_aux_heads_plays_as_before_and_trains_them(tmp_path):
    torch.manual_seed(1)
    old = build_model(replace(preset("b2c16"), in_planes=18, feature_set="agz17k")).eval()
    grown_cfg = replace(old.cfg, ownership_head=True, score_head=True)
    new = widen_input(old, grown_cfg)
    x = torch.rand(4, 18, 5, 5)
    with torch.no_grad():
        for a, b in zip(old(x), new(x), strict=True):
            assert torch.equal(a, b)
        logits, values, own, score = new(x, aux=True)
    assert own.shape == (4, 25) and score.shape == (4,)
    with pytest.raises(ValueError, match="aux heads"):
        widen_input(new, old.cfg)  # a head is never dropped
    # the loop's --init grows the heads; training on played-out games moves them
    save_weights(tmp_path / "old.safetensors", old)
    cfg = komi_config(spread=2, games=4, games_per_worker_batch=4)
    cfg = replace(cfg, net=grown_cfg, selfplay=replace(cfg.selfplay, resign_threshold=0.0))
    weights = ensure_weights(cfg, tmp_path, None, init=tmp_path / "old.safetensors")
    assert load_weights(weights).model.cfg == grown_cfg
    run_selfplay(cfg, tmp_path, weights, progress=False)
    train(replace(cfg, train=replace(cfg.train, steps=2)), tmp_path, export=tmp_path / "out.safetensors")
    start, end = load_weights(weights).model.state_dict(), load_weights(tmp_path / "out.safetensors").model.state_dict()
    for head in ("ownership", "score"):
        names = [k for k in start if k.startswith(head + ".") and start[k].dtype.is_floating_point]
        assert names and any(not torch.equal(start[k], end[k]) for k in names), head
