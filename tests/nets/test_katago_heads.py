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
