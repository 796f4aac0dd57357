"""KataGo's net additions: global pooling blocks, ownership and score heads, old nets still load."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from nets.config import NetConfig
from nets.factory import build_model
from nets.models.katago import GlobalPoolBlock
from nets.presets import preset


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


def tiny(**kw) -> NetConfig:
    return replace(preset("b2c16"), board_size=5, **kw)


def test_defaults_are_off_and_the_plain_net_is_unchanged():
    cfg = NetConfig.from_dict({k: v for k, v in tiny().to_dict().items() if k not in ("ownership_head", "score_head")})
    assert not cfg.ownership_head and not cfg.score_head and cfg.global_pool_every == 0
    torch.manual_seed(0)
    net = build_model(cfg).eval()
    assert not any(isinstance(m, GlobalPoolBlock) for m in net.modules())
    logits, v, own, score = net(torch.zeros(2, 17, 5, 5), aux=True)
    assert logits.shape == (2, 26) and v.shape == (2,) and own is None and score is None


def test_heads_and_global_pooling_shapes_and_old_weights_load_into_the_trunk():
    cfg = tiny(blocks=2, ownership_head=True, score_head=True, global_pool_every=2, global_pool_channels=8)
    net = build_model(cfg).eval()
    assert sum(isinstance(m, GlobalPoolBlock) for m in net.modules()) == 1  # 2 blocks, every 2nd
    x = torch.rand(3, 17, 5, 5)
    logits, v, own, score = net(x, aux=True)
    assert own.shape == (3, 25) and score.shape == (3,)
    assert torch.equal(net(x)[0], logits)
    plain = build_model(tiny()).state_dict()
    extra = set(build_model(tiny(ownership_head=True, score_head=True)).state_dict()) - set(plain)
    assert extra and all(k.startswith(("ownership.", "score.")) for k in extra)


def test_global_pooling_sees_the_whole_board():
    """A stone in one corner changes the output at the far corner after one pooling block, not after a plain one."""
    torch.manual_seed(0)
    c = 8
    block = GlobalPoolBlock(c, 4).eval()
    x = torch.zeros(1, c, 9, 9)
    y = x.clone()
    y[0, :, 0, 0] = 1.0
    assert not torch.allclose(block(x)[0, :, 8, 8], block(y)[0, :, 8, 8])


def test_bad_global_pool_settings():
    with pytest.raises(ValueError):
        tiny(global_pool_every=-1)


def _heads_evaluator(seed: int = 0):
    from nets.evaluator import TorchEvaluator

    torch.manual_seed(seed)
    cfg = tiny(blocks=2, ownership_head=True, score_head=True)
    return TorchEvaluator(build_model(cfg), symmetries=False)


def _position(transform: int = 0):
    import numpy as np

    from engine.board import BLACK, WHITE, Board
    from engine.symmetry import apply_planes

    grid = np.zeros((5, 5), np.int8)
    grid[0, 1], grid[1, 1], grid[3, 2], grid[2, 4] = BLACK, BLACK, WHITE, WHITE
    grid = apply_planes(grid, transform)
    board = Board(5)
    board.setup(
        black=np.flatnonzero(grid.ravel() == BLACK).tolist(), white=np.flatnonzero(grid.ravel() == WHITE).tolist()
    )
    return board, grid


def test_score_and_ownership_from_the_heads_follow_the_board_symmetries():
    import numpy as np

    from engine.symmetry import apply_planes

    ev = _heads_evaluator()
    assert ev.has_score_heads
    lead, own = ev.score_and_ownership(_position()[0])
    assert own.shape == (25,) and own.dtype == np.float32 and np.all(np.abs(own) <= 1)
    for t in range(1, 8):
        lead_t, own_t = ev.score_and_ownership(_position(t)[0])
        assert lead_t == pytest.approx(lead, abs=1e-4)
        assert np.allclose(own_t.reshape(5, 5), apply_planes(own.reshape(5, 5), t), atol=1e-5)


def test_a_net_without_heads_has_no_score_estimate(tmp_path):
    from nets.checkpoint import save_weights
    from nets.evaluator import TorchEvaluator
    from selfplay.players import PlayerConfig, build_player

    plain = TorchEvaluator(build_model(tiny()))
    assert not plain.has_score_heads
    with pytest.raises(ValueError, match="no ownership and score heads"):
        plain.score_and_ownership(_position()[0])
    save_weights(tmp_path / "plain.safetensors", build_model(tiny()))
    player = build_player(PlayerConfig("zero", weights=str(tmp_path / "plain.safetensors")))
    assert not hasattr(player, "score_and_ownership")


def test_kata_analyze_shows_the_heads_of_a_zero_player(tmp_path):
    """The player built from a net with heads reports the heads' ownership (the analysed player's view)."""
    import io

    import numpy as np

    from cli.gtp import GtpSession
    from engine.board import BLACK, WHITE, Board
    from engine.config import MCTSConfig
    from nets.checkpoint import load_weights, save_weights
    from nets.evaluator import TorchEvaluator
    from selfplay.players import PlayerConfig, build_player

    torch.manual_seed(3)
    save_weights(tmp_path / "heads.safetensors", build_model(tiny(blocks=2, ownership_head=True, score_head=True)))
    search = MCTSConfig(num_simulations=20, max_nodes=5_000)
    player = build_player(PlayerConfig("zero", search, weights=str(tmp_path / "heads.safetensors"), seed=0))
    assert callable(player.score_and_ownership)
    out = io.StringIO()
    lines = ["boardsize 5\n", "play b B5\n", "play w C2\n", "kata-genmove_analyze w ownership true\n"]
    GtpSession(player, lines, out).run()
    info = next(ln for ln in out.getvalue().splitlines() if ln.startswith("info move"))
    shown = np.array([float(v) for v in info.split(" ownership ")[1].split()])
    board = Board(5)
    board.play(1, BLACK)  # B5 (row 0, column 1)
    board.play(3 * 5 + 2, WHITE)  # C2
    board.to_play = WHITE  # kata-genmove_analyze w: analysed with white to move
    _, black_own = TorchEvaluator(load_weights(tmp_path / "heads.safetensors").model).score_and_ownership(board)
    assert np.allclose(shown, -black_own, atol=1e-3)  # white's view
