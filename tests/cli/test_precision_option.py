"""``--precision`` of ``go-engine gtp``, ``selfplay`` and ``zero``: checked names, carried to the nets."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from cli.main import cli
from nets.weights import shipped


@pytest.mark.parametrize("command", [["gtp"], ["selfplay", "--out", "unused"], ["zero", "--run", "unused"]])
def test_an_unknown_precision_is_a_usage_error(command):
    result = CliRunner().invoke(cli, [*command, "--precision", "int4"])
    assert result.exit_code == 2 and "'int4' is not one of 'auto', 'fp32', 'bf16', 'int8'" in result.output


def test_selfplay_and_zero_offer_the_option_defaulting_to_auto():
    runner = CliRunner()
    for name in ("selfplay", "zero"):
        text = runner.invoke(cli, [name, "--help"]).output
        assert "--precision [auto|fp32|bf16|int8]" in text and "[default: auto]" in text


def test_gtp_plays_with_an_int8_net():
    weights = str(shipped()[9][0])
    args = ["--weights", weights, "--size", "9", "--playouts", "8", "--precision", "int8"]
    out = subprocess.run(
        [sys.executable, "-m", "cli", "gtp", *args],
        input="genmove b\nquit\n",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0 and out.stdout.startswith("= ") and "unavailable" not in out.stderr
