"""Checkpoints: round trips rebuild the model from the embedded config; damage gives clear errors."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from nets import checkpoint as ckpt
from nets.checkpoint import CheckpointError, load_checkpoint, load_weights, save_checkpoint, save_weights
from nets.factory import build_model
from nets.presets import PRESETS, preset


def _trained(name: str = "b2c16") -> torch.nn.Module:
    """A model whose BN running stats and weights moved off their initial values."""
    cfg = PRESETS[name]
    model = build_model(cfg).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = torch.randn(4, cfg.in_planes, cfg.board_size, cfg.board_size)
    out = model(x)
    loss = sum(o.float().pow(2).mean() for o in (out if isinstance(out, tuple) else (out,)))
    loss.backward()
    opt.step()
    model.opt = opt
    return model.eval()


def _outputs(model, cfg, seed=1):
    x = torch.randn(3, cfg.in_planes, cfg.board_size, cfg.board_size, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        out = model(x)
    return out if isinstance(out, tuple) else (out,)


@pytest.mark.parametrize("name", ["b2c16", "policy4x16", "value4x16"])
def test_weights_round_trip_rebuilds_model_from_embedded_config(tmp_path, name):
    model = _trained(name)
    path = save_weights(tmp_path / "w" / "net.safetensors", model, step=42, meta={"games": 7})
    loaded = load_weights(path)  # no config given: it comes from the file
    assert loaded.config == model.cfg and loaded.model is not model
    assert (loaded.step, loaded.feature_set, loaded.meta) == (42, "agz17", {"games": 7})
    assert not loaded.model.training
    for a, b in zip(_outputs(model, model.cfg), _outputs(loaded.model, loaded.config), strict=True):
        assert torch.equal(a, b)


def test_weights_load_into_a_given_model(tmp_path):
    model = _trained()
    path = save_weights(tmp_path / "net.safetensors", model)
    target = build_model(model.cfg).eval()
    assert load_weights(path, model=target).model is target
    assert all(torch.equal(a, b) for a, b in zip(_outputs(model, model.cfg), _outputs(target, model.cfg), strict=True))


def test_training_checkpoint_round_trip_with_optimizer_and_rng(tmp_path):
    model = _trained()
    gen = np.random.default_rng(5)
    torch.manual_seed(123)
    np.random.seed(9)
    random.seed(3)
    path = save_checkpoint(tmp_path / "ckpt.pt", model, model.opt, step=1000, meta={"lr": 0.01}, generator=gen)
    expected = (torch.rand(3), np.random.rand(3), random.random(), gen.random(3))
    torch.manual_seed(0)
    np.random.seed(0)
    random.seed(0)
    gen2 = np.random.default_rng(0)
    fresh = build_model(model.cfg)
    opt = torch.optim.SGD(fresh.parameters(), lr=0.1, momentum=0.9)
    loaded = load_checkpoint(path, fresh, opt, restore_random=True, generator=gen2)
    assert loaded.model is fresh and (loaded.step, loaded.meta) == (1000, {"lr": 0.01})
    got = (torch.rand(3), np.random.rand(3), random.random(), gen2.random(3))
    assert torch.equal(expected[0], got[0]) and np.array_equal(expected[1], got[1])
    assert expected[2] == got[2] and np.array_equal(expected[3], got[3])
    saved_buf = model.opt.state_dict()["state"][0]["momentum_buffer"]
    assert torch.equal(opt.state_dict()["state"][0]["momentum_buffer"], saved_buf)
    fresh.eval()
    assert all(torch.equal(a, b) for a, b in zip(_outputs(model, model.cfg), _outputs(fresh, model.cfg), strict=True))
    rebuilt = load_checkpoint(path)  # and without a model: rebuilt from the config
    assert rebuilt.config == model.cfg and rebuilt.optimizer is not None


@pytest.mark.parametrize("fmt", ["weights", "checkpoint"])
@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "flip_header"])
def test_damaged_files_give_a_clear_error_naming_the_file(tmp_path, fmt, damage):
    model = _trained()
    path = tmp_path / f"net-{fmt}.bin"
    (save_weights if fmt == "weights" else save_checkpoint)(path, model)
    data = path.read_bytes()
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "garbage":
        data = bytes(random.Random(0).randrange(256) for _ in range(2000))
    elif damage == "empty":
        data = b""
    else:
        data = b"\xff" * 16 + data[16:]
    path.write_bytes(data)
    load = load_weights if fmt == "weights" else load_checkpoint
    with pytest.raises(CheckpointError, match=str(path.name)):
        load(path)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope"):
        load_weights(tmp_path / "nope.safetensors")
    with pytest.raises(FileNotFoundError, match="nope"):
        load_checkpoint(tmp_path / "nope.pt")


def test_foreign_safetensors_file_is_rejected(tmp_path):
    path = tmp_path / "foreign.safetensors"
    save_file({"w": torch.zeros(3)}, str(path))
    with pytest.raises(CheckpointError, match="not a go-engine weights file"):
        load_weights(path)


def test_config_mismatch_names_file_and_field_and_leaves_model_untouched(tmp_path):
    model = _trained()
    wpath = save_weights(tmp_path / "net.safetensors", model)
    cpath = save_checkpoint(tmp_path / "net.pt", model)
    other = preset("b2c16", filters=8)
    with pytest.raises(CheckpointError, match=r"net\.safetensors.*filters: file 16 != expected 8"):
        load_weights(wpath, expected=other)
    target = build_model(other)
    before = {k: v.clone() for k, v in target.state_dict().items()}
    with pytest.raises(CheckpointError, match=r"net\.pt.*config mismatch"):
        load_checkpoint(cpath, target)
    assert all(torch.equal(before[k], v) for k, v in target.state_dict().items())


def test_weights_that_do_not_fit_the_embedded_config_are_rejected(tmp_path):
    model = _trained()
    path = tmp_path / "net.safetensors"
    save_weights(path, model)
    small = build_model(preset("b2c16", filters=8))
    save_weights(tmp_path / "small.safetensors", small)
    # Forge: the small net's tensors under the big net's config.
    with ckpt.safe_open(str(tmp_path / "small.safetensors"), framework="pt") as f:
        tensors = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118
    with ckpt.safe_open(str(path), framework="pt") as f:
        header = f.metadata()
    save_file(tensors, str(path), metadata=header)
    with pytest.raises(CheckpointError, match=r"net\.safetensors: weights do not fit"):
        load_weights(path)


def test_failed_write_keeps_the_old_file_and_leaves_no_temp_files(tmp_path, monkeypatch):
    model = _trained()
    path = save_checkpoint(tmp_path / "net.pt", model, step=1)

    def boom(obj, f):
        f.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(ckpt.torch, "save", boom)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, model, step=2)
    monkeypatch.undo()
    assert load_checkpoint(path).step == 1
    assert [p.name for p in tmp_path.iterdir()] == ["net.pt"]


def test_models_without_a_config_cannot_be_saved(tmp_path):
    with pytest.raises(TypeError, match="NetConfig"):
        save_weights(tmp_path / "x.safetensors", torch.nn.Linear(2, 2))


@pytest.mark.parametrize("head", ["dqn", "actor_critic"])
def test_rl_head_weights_load_like_every_other_net(tmp_path, head):
    cfg = preset("policy4x16")
    model = build_model(cfg, head).eval()
    path = save_weights(tmp_path / "rl.safetensors", model, step=7, meta={"head": head}, head=head)
    loaded = load_weights(path)
    assert loaded.head == head and type(loaded.model) is type(model) and loaded.step == 7
    for a, b in zip(_outputs(model, cfg), _outputs(loaded.model, cfg), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    plain = load_weights(save_weights(tmp_path / "plain.safetensors", build_model(cfg)))
    assert plain.head == ""


def test_unknown_rl_head_is_a_checkpoint_error(tmp_path):
    cfg = preset("policy4x16")
    path = save_weights(tmp_path / "rl.safetensors", build_model(cfg), head="sarsa")
    with pytest.raises(CheckpointError, match="unknown RL head 'sarsa'"):
        load_weights(path)
