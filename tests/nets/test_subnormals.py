"""Subnormal floats: flushed to zero by the CPU once ``nets`` is imported, and cleared from loaded weights."""

from __future__ import annotations

import subprocess
import sys

import torch

from nets.checkpoint import load_weights, save_weights
from nets.factory import build_model, zero_subnormals
from nets.presets import preset

TINY = 1e-39
"""a subnormal float32 (the smallest normal one is about 1.2e-38)"""


def test_importing_the_nets_makes_every_torch_thread_flush_subnormals():
    # A fresh process, so that no thread pool exists before the import; 2 threads and 2**20
    # elements make torch split the product over its intra-op pool.
    code = (
        "import torch, nets.factory\n"
        "torch.set_num_threads(2)\n"
        f"x = torch.full((1 << 20,), {TINY})\n"
        "print(float((x * 1.0).abs().sum()))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert float(out.stdout) == 0.0


def test_loaded_weights_carry_no_subnormals_and_keep_the_rest(tmp_path):
    model = build_model(preset("b2c16", board_size=5))
    with torch.no_grad():
        first = next(model.parameters())
        first.view(-1)[:3] = TINY
        first.view(-1)[3] = -TINY
    expected = {k: v.clone() for k, v in model.state_dict().items()}
    save_weights(tmp_path / "net.safetensors", model)
    loaded = load_weights(tmp_path / "net.safetensors").model.state_dict()
    name = next(k for k, v in expected.items() if v.is_floating_point() and (v.abs() == TINY).any())
    assert (loaded[name].view(-1)[:4] == 0).all()
    for k, v in expected.items():
        keep = ~((v.abs() > 0) & (v.abs() < torch.finfo(torch.float32).tiny)) if v.is_floating_point() else True
        assert torch.equal(loaded[k][keep], v[keep]), k


def test_zero_subnormals_leaves_integer_tensors_alone():
    counts = torch.tensor([0, 1, 2])
    assert zero_subnormals(counts) is counts
    assert zero_subnormals(torch.tensor([TINY, 1.0, -2.0])).tolist() == [0.0, 1.0, -2.0]
