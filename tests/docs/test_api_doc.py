"""docs/api.md: the example runs as written and prints what it says."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def _python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_the_api_example_runs():
    blocks = _python_blocks(DOC.read_text(encoding="utf-8"))
    assert len(blocks) == 1
    code = blocks[0].replace("visits=100", "visits=24").replace("visits=50", "visits=16")  # faster, same calls
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(DOC), "exec"), {"__name__": "api_doc"})
    text = out.getvalue()
    assert text.startswith("W to move: win rate ")
    assert "best move" in text and "principal variation" in text and "ownership" in text
    assert text.count("after B ") == 4 and re.search(r"white plays ([A-J]\d|pass)", text)
