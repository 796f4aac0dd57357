"""Golden board cases as data (sgfmill ``board_test_data.py`` style); ``test_board.py`` runs them.

Each ``Case`` starts from an ASCII diagram (``X`` black, ``O`` white, ``.`` empty, top row first),
plays its moves and compares the end diagram, the captures, the simple-ko point and the area
score. A move is ``"<colour> <vertex>"`` with the vertex in GTP form *for the diagram's own
size*; a move followed by ``"! <reason>"`` must be refused with that ``IllegalMove.reason`` and
leave the board unchanged.

``sizes`` lists the board sizes a case runs on: the diagram is placed in the top-left corner of
the bigger board (vertices shifted to match), so cases that do not lean on the bottom or right
edge run on 5x5, 9x9 and 19x19 alike. Scores are checked on the diagram's own size only.

The table below writes each case as ``case(name, diagram, *moves, **checks)``: the diagram holds
the start (left) and the end (right) side by side; ``sizes`` is 5, 9 and 19 unless given.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    """One golden row; see the module docstring."""

    name: str
    start: str
    moves: tuple[str, ...]
    end: str
    sizes: tuple[int, ...]
    rules: dict = field(default_factory=dict)
    captures: tuple[int, int] | None = None
    """stones captured by (black, white) after the moves"""
    ko: str | None = None
    """vertex the side to move may not retake (simple ko), "" for none, None to skip"""
    score: float | None = None
    """Tromp-Taylor area score of ``end`` (black minus white, no komi) on the diagram's size"""
    to_play: str = "B"


def case(name: str, diagram: str, *moves: str, sizes: tuple[int, ...] = (5, 9, 19), **checks) -> Case:
    """A ``Case`` from a diagram of its start (left half of each row) and its end (right half)."""
    rows = [row.split() for row in diagram.strip().splitlines()]
    half = len(rows[0]) // 2
    start, end = ("\n".join(" ".join(row[part]) for row in rows) for part in (slice(half), slice(half, None)))
    return Case(name, start, moves, end, sizes, **checks)


SUICIDE_OK = {"allow_suicide": True}
SIMPLE_KO = {"ko": "simple"}

# fmt: off
CASES = [
    case("corner capture", """
        O X . . .    . X . . .
        . . . . .    X . . . .
        . . . . .    . . . . .
        . . . . .    . . . . .
        . . . . .    . . . . .""", "B A4", captures=(1, 0), ko="", score=25),
    case("edge capture", """
        . X O X .    . X . X .
        . . . . .    . . X . .
        . . . . .    . . . . .
        . . . . .    . . . . .
        . . . . .    . . . . .""", "B C4", captures=(1, 0), score=25),
    case("one move captures two groups", """
        . O X . .    X . X . .
        O X . . .    . X . . .
        X . . . .    X . . . .
        . . . . .    . . . . .
        . . . . .    . . . . .""", "B A5", captures=(2, 0), ko=""),
    case("a capture makes an otherwise suicidal move legal", """
        . O X . .    X . X . .
        O O X . .    . . X . .
        X X . . .    X X . . .
        . . . . .    . . . . .
        . . . . .    . . . . .""", "B A5", captures=(3, 0), ko=""),
    case("snapback is legal and is not ko", """
        X . . O X    X . X . X
        X O O O X    X . . . X
        . X X X .    . X X X .
        . . . . .    . . . . .
        . . . . .    . . . . .""", "B C5", "W B5", "B C5", captures=(5, 1), ko=""),
    case("simple ko: retake banned at once, allowed after a move elsewhere each", """
        . X O . .    . X O . .
        X O . O .    X O . O .
        . X O . .    . X O . .
        . . . . .    . . . . X
        . . . . .    . . . . O""", "B C4", "W B4 ! ko recapture", "W E1", "B E2", "W B4", captures=(1, 1), ko="C4"),
    case("simple ko: ko point set after the capture", """
        . X O . .    . X O . .
        X O . O .    X . X O .
        . X O . .    . X O . .
        . . . . .    . . . . .
        . . . . .    . . . . .""", "B C4", rules=SIMPLE_KO, captures=(1, 0), ko="B4"),
    case("simple-ko rules: ban, then lifted after a pass and a move elsewhere", """
        . X O . .    . X O . .
        X O . O .    X O . O .
        . X O . .    . X O . .
        . . . . .    . . . . X
        . . . . .    . . . . .""",
        "B C4", "W B4 ! ko recapture", "W pass", "B E2", "W B4",
        rules=SIMPLE_KO, captures=(1, 1), ko="C4"),
    case("filling the ko is legal for the capturer", """
        . X O . .    . X O . .
        X O . O .    X X X O .
        . X O . .    . X O . .
        . . . . .    . . . . .
        . . . . .    . . . . O""", "B C4", "W E1", "B B4", captures=(1, 0), ko=""),
    # three kos stacked on the left edge (9 rows): kos 1 and 2 hold a white stone, ko 3 a black one
    case("triple ko: positional superko forbids the move that repeats the start", """
        . X O . . . . . .    . X O . . . . . .
        X O . O . . . . .    X O . O . . . . .
        . X O . . . . . .    . X O . . . . . .
        . X O . . . . . .    . X O . . . . . .
        X O . O . . . . .    X . X O . . . . .
        . X O . . . . . .    . X O . . . . . .
        . X O . . . . . .    . X O . . . . . .
        X . X O . . . . .    X . X O . . . . .
        . X O . . . . . .    . X O . . . . . .""",
        "B C8", "W B2", "B C5", "W B8", "B C2", "W B5 ! positional superko",
        sizes=(9, 19), captures=(3, 2), ko="B2"),
    case("triple ko: with simple ko the cycle goes round", """
        . X O . . . . . .    . X O . . . . . .
        X O . O . . . . .    X O . O . . . . .
        . X O . . . . . .    . X O . . . . . .
        . X O . . . . . .    . X O . . . . . .
        X O . O . . . . .    X O . O . . . . .
        . X O . . . . . .    . X O . . . . . .
        . X O . . . . . .    . X O . . . . . .
        X . X O . . . . .    X . X O . . . . .
        . X O . . . . . .    . X O . . . . . .""",
        "B C8", "W B2", "B C5", "W B8", "B C2", "W B5",
        sizes=(9, 19), rules=SIMPLE_KO, captures=(3, 3), ko="C5"),
    case("multi-stone suicide is illegal by default", """
        . X O . .    . X O . .
        X X O . .    X X O . .
        O O O . .    O O O . .
        . . . . .    . . . . .
        . . . . .    . . . . .""", "B A5 ! suicide", captures=(0, 0)),
    case("multi-stone suicide with allow_suicide removes the chain and counts it", """
        . X O . .    . . O . .
        X X O . .    . . O . .
        O O O . .    O O O . .
        . . . . .    . . . . .
        . . . . .    . . . . .""", "B A5", rules=SUICIDE_OK, captures=(0, 4), ko="", score=-25),
    case("single-stone suicide repeats the board: positional superko forbids it", """
        . X . . .    . X . . .
        X . . . .    X . . . .
        . . . . .    . . . . .
        . . . . .    . . . . .
        . . . . .    . . . . .""", "W A5 ! positional superko", rules=SUICIDE_OK, to_play="W"),
    case("single-stone suicide is legal with suicide and simple ko", """
        . X . . .    . X . . .
        X . . . .    X . . . .
        . . . . .    . . . . .
        . . . . .    . . . . .
        . . . . .    . . . . .""", "W A5", rules={"allow_suicide": True, "ko": "simple"}, captures=(1, 0), to_play="W"),
    case("occupied point", """
        . X . . .    . X . . .
        . . . . .    . . . . .
        . . . . .    . . . . .
        . . . . .    . . . . .
        . . . . .    . . . . .""", "W B5 ! point is occupied", to_play="W"),
    case("seki: the shared liberties count for nobody", """
        . X O . X O .    . X O . X O .
        X X O . X O O    X X O . X O O
        . X O X X O .    . X O X X O .
        X X O X X O O    X X O X X O O
        . X O X X O .    . X O X X O .
        X X O X X O O    X X O X X O O
        . X O X X O .    . X O X X O .""", sizes=(7,), score=26 - 21),
    case("seki: filling a shared liberty is self-atari, and the opponent captures", """
        . X O . X O .    . X O . . O .
        X X O . X O O    X X O O . O O
        . X O X X O .    . X O . . O .
        X X O X X O O    X X O . . O O
        . X O X X O .    . X O . . O .
        X X O X X O O    X X O . . O O
        . X O X X O .    . X O . . O .""", "B D7", "W D6", sizes=(7,), captures=(0, 13), score=14 - 35),
]
# fmt: on
