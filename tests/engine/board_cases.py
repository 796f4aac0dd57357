"""Golden board cases as data (sgfmill ``board_test_data.py`` style); ``test_board.py`` runs them.

Each ``Case`` starts from an ASCII diagram (``X`` black, ``O`` white, ``.`` empty, top row first),
plays its moves and compares the end diagram, the captures, the simple-ko point and the area
score. A move is ``"<colour> <vertex>"`` with the vertex in GTP form *for the diagram's own
size*; a move followed by ``"! <reason>"`` must be refused with that ``IllegalMove.reason`` and
leave the board unchanged.

``sizes`` lists the board sizes a case runs on: the diagram is placed in the top-left corner of
the bigger board (vertices shifted to match), so cases that do not lean on the bottom or right
edge run on 5x5, 9x9 and 19x19 alike. Scores are checked on the diagram's own size only.
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


SUICIDE_OK = {"allow_suicide": True}
SIMPLE_KO = {"ko": "simple"}

# three kos stacked on the left edge (9 rows): kos 1 and 2 hold a white stone, ko 3 a black one
TRIPLE_KO = """
            . X O . . . . . .
            X O . O . . . . .
            . X O . . . . . .
            . X O . . . . . .
            X O . O . . . . .
            . X O . . . . . .
            . X O . . . . . .
            X . X O . . . . .
            . X O . . . . . ."""

CASES = [
    Case(
        "corner capture",
        start="""
            O X . . .
            . . . . .
            . . . . .
            . . . . .
            . . . . .""",
        moves=("B A4",),
        end="""
            . X . . .
            X . . . .
            . . . . .
            . . . . .
            . . . . .""",
        sizes=(5, 9, 19),
        captures=(1, 0),
        ko="",
        score=25,
    ),
    Case(
        "edge capture",
        start="""
            . X O X .
            . . . . .
            . . . . .
            . . . . .
            . . . . .""",
        moves=("B C4",),
        end="""
            . X . X .
            . . X . .
            . . . . .
            . . . . .
            . . . . .""",
        sizes=(5, 9, 19),
        captures=(1, 0),
        score=25,
    ),
    Case(
        "one move captures two groups",
        start="""
            . O X . .
            O X . . .
            X . . . .
            . . . . .
            . . . . .""",
        moves=("B A5",),
        end="""
            X . X . .
            . X . . .
            X . . . .
            . . . . .
            . . . . .""",
        sizes=(5, 9, 19),
        captures=(2, 0),
        ko="",
    ),
    Case(
        "a capture makes an otherwise suicidal move legal",
        start="""
            . O X . .
            O O X . .
            X X . . .
            . . . . .
            . . . . .""",
        moves=("B A5",),
        end="""
            X . X . .
            . . X . .
            X X . . .
            . . . . .
            . . . . .""",
        sizes=(5, 9, 19),
        captures=(3, 0),
        ko="",
    ),
    Case(
        "snapback is legal and is not ko",
        start="""
            X . . O X
            X O O O X
            . X X X .
            . . . . .
            . . . . .""",
        moves=("B C5", "W B5", "B C5"),
        end="""
            X . X . X
            X . . . X
            . X X X .
            . . . . .
            . . . . .""",
        sizes=(5, 9, 19),
        captures=(5, 1),
        ko="",
    ),
    Case(
        "simple ko: retake banned at once, allowed after a move elsewhere each",
        start="""
            . X O . .
            X O . O .
            . X O . .
            . . . . .
            . . . . .""",
        moves=("B C4", "W B4 ! ko recapture", "W E1", "B E2", "W B4"),
        end="""
            . X O . .
            X O . O .
            . X O . .
            . . . . X
            . . . . O""",
        sizes=(5, 9, 19),
        captures=(1, 1),
        ko="C4",
    ),
    Case(
        "simple ko: ko point set after the capture",
        start="""
            . X O . .
            X O . O .
            . X O . .
            . . . . .
            . . . . .""",
        moves=("B C4",),
        end="""
            . X O . .
            X . X O .
            . X O . .
            . . . . .
            . . . . .""",
        sizes=(5, 9, 19),
        rules=SIMPLE_KO,
        captures=(1, 0),
        ko="B4",
    ),
    Case(
        "simple-ko rules: ban, then lifted after a pass and a move elsewhere",
        start="""
            . X O . .
            X O . O .
            . X O . .
            . . . . .
            . . . . .""",
        moves=("B C4", "W B4 ! ko recapture", "W pass", "B E2", "W B4"),
        end="""
            . X O . .
            X O . O .
            . X O . .
            . . . . X
            . . . . .""",
        sizes=(5, 9, 19),
        rules=SIMPLE_KO,
        captures=(1, 1),
        ko="C4",
    ),
    Case(
        "filling the ko is legal for the capturer",
        start="""
            . X O . .
            X O . O .
            . X O . .
            . . . . .
            . . . . .""",
        moves=("B C4", "W E1", "B B4"),
        end="""
            . X O . .
            X X X O .
            . X O . .
            . . . . .
            . . . . O""",
        sizes=(5, 9, 19),
        captures=(1, 0),
        ko="",
    ),
    Case(
        "triple ko: positional superko forbids the move that repeats the start",
        start=TRIPLE_KO,
        moves=("B C8", "W B2", "B C5", "W B8", "B C2", "W B5 ! positional superko"),
        end="""
            . X O . . . . . .
            X O . O . . . . .
            . X O . . . . . .
            . X O . . . . . .
            X . X O . . . . .
            . X O . . . . . .
            . X O . . . . . .
            X . X O . . . . .
            . X O . . . . . .""",
        sizes=(9, 19),
        captures=(3, 2),
        ko="B2",
    ),
    Case(
        "triple ko: with simple ko the cycle goes round",
        start=TRIPLE_KO,
        moves=("B C8", "W B2", "B C5", "W B8", "B C2", "W B5"),
        end=TRIPLE_KO,
        sizes=(9, 19),
        rules=SIMPLE_KO,
        captures=(3, 3),
        ko="C5",
    ),
    Case(
        "multi-stone suicide is illegal by default",
        start="""
            . X O . .
            X X O . .
            O O O . .
            . . . . .
            . . . . .""",
        moves=("B A5 ! suicide",),
        end="""
            . X O . .
            X X O . .
            O O O . .
            . . . . .
            . . . . .""",
        sizes=(5, 9, 19),
        captures=(0, 0),
    ),
    Case(
        "multi-stone suicide with allow_suicide removes the chain and counts it",
        start="""
            . X O . .
            X X O . .
            O O O . .
            . . . . .
            . . . . .""",
        moves=("B A5",),
        end="""
            . . O . .
            . . O . .
            O O O . .
            . . . . .
            . . . . .""",
        sizes=(5, 9, 19),
        rules=SUICIDE_OK,
        captures=(0, 4),
        ko="",
        score=-25,
        to_play="B",
    ),
    Case(
        "single-stone suicide repeats the board: positional superko forbids it",
        start="""
            . X . . .
            X . . . .
            . . . . .
            . . . . .
            . . . . .""",
        moves=("W A5 ! positional superko",),
        end="""
            . X . . .
            X . . . .
            . . . . .
            . . . . .
            . . . . .""",
        sizes=(5, 9, 19),
        rules=SUICIDE_OK,
        to_play="W",
    ),
    Case(
        "single-stone suicide is legal with suicide and simple ko",
        start="""
            . X . . .
            X . . . .
            . . . . .
            . . . . .
            . . . . .""",
        moves=("W A5",),
        end="""
            . X . . .
            X . . . .
            . . . . .
            . . . . .
            . . . . .""",
        sizes=(5, 9, 19),
        rules={"allow_suicide": True, "ko": "simple"},
        captures=(1, 0),
        to_play="W",
    ),
    Case(
        "occupied point",
        start="""
            . X . . .
            . . . . .
            . . . . .
            . . . . .
            . . . . .""",
        moves=("W B5 ! point is occupied",),
        end="""
            . X . . .
            . . . . .
            . . . . .
            . . . . .
            . . . . .""",
        sizes=(5, 9, 19),
        to_play="W",
    ),
    Case(
        "seki: the shared liberties count for nobody",
        start="""
            . X O . X O .
            X X O . X O O
            . X O X X O .
            X X O X X O O
            . X O X X O .
            X X O X X O O
            . X O X X O .""",
        moves=(),
        end="""
            . X O . X O .
            X X O . X O O
            . X O X X O .
            X X O X X O O
            . X O X X O .
            X X O X X O O
            . X O X X O .""",
        sizes=(7,),
        score=26 - 21,
    ),
    Case(
        "seki: filling a shared liberty is self-atari, and the opponent captures",
        start="""
            . X O . X O .
            X X O . X O O
            . X O X X O .
            X X O X X O O
            . X O X X O .
            X X O X X O O
            . X O X X O .""",
        moves=("B D7", "W D6"),
        end="""
            . X O . . O .
            X X O O . O O
            . X O . . O .
            X X O . . O O
            . X O . . O .
            X X O . . O O
            . X O . . O .""",
        sizes=(7,),
        captures=(0, 13),
        score=14 - 35,
    ),
]
