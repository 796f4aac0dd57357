"""SGF codec: SGF text <-> ``GameRecord`` <-> ``Board``, with sgfmill as the parser and serialiser.

Strings and bytes only: this module never opens files (``selfplay/records.py`` does file I/O).

Vocabulary:

=================  =================================================================================
name               meaning
=================  =================================================================================
``GameRecord``     one game's main line: size, komi, rules text, root setup (handicap stones, other
                   AB/AW/AE stones), moves as ``(color, action)`` with ``action == n*n`` for pass,
                   result and metadata (names, date, event, comments)
``handicap``       black stones from the root ``AB`` when the root has ``HA[n]`` with ``n >= 2``
``setup_*``        the other root ``AB``/``AW``/``AE`` points (``setup_black``, ``setup_white``,
                   ``setup_empty``)
``comments``       ``{node: text}``: node 0 is the root, node ``k`` the node of move ``k``
=================  =================================================================================

What is read: the main line only (the first child of each node; variations are skipped). Setup
properties are accepted in the root node only. Passes may be written ``[]`` or ``[tt]`` (up to
19x19); this module writes ``[]`` (FF[4]).

Rules text (``RU``) -> ``Rules`` (``rules_from_text``): ``NZ``/``Tromp-Taylor`` allow suicide;
``Japanese``/``Korean`` use simple ko; anything else (Chinese, AGA, none) gives positional superko
and no suicide. Scoring is always area scoring (see ``engine/board.py``).

Errors: every problem raises ``SGFError`` (a ``ValueError``) whose message names it: syntax error,
unsupported game type, size out of range, bad point, move off the board, illegal move at move
``k``, setup after the root node.

Reference: SGF FF[4] (https://www.red-bean.com/sgf/), "Go" properties; sgfmill
(https://mjw.woodcraft.me.uk/sgfmill/doc/).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sgfmill import sgf as sgfmill_sgf

from engine import coords
from engine.board import BLACK, EMPTY, WHITE, Board, IllegalMove, Rules
from engine.errors import UserError

_LETTERS = coords.SGF_LETTERS


class SGFError(UserError):
    """SGF data that cannot be read or replayed; the message names the problem."""


@dataclass
class GameRecord:
    """One game: root setup, the main line of moves, result and metadata. Points are actions."""

    size: int = 19
    komi: float = 7.5
    moves: list[tuple[int, int]] = field(default_factory=list)
    """``(color, action)`` in order; ``action == size*size`` is a pass"""
    handicap: list[int] = field(default_factory=list)
    """black handicap stones (root ``AB`` with ``HA[n >= 2]``)"""
    setup_black: list[int] = field(default_factory=list)
    setup_white: list[int] = field(default_factory=list)
    setup_empty: list[int] = field(default_factory=list)
    first_player: int | None = None
    """``PL``: the colour to move after setup, if given"""
    result: str | None = None
    """``RE`` as written, e.g. ``"B+3.5"``, ``"W+R"``, ``"0"``"""
    black_name: str | None = None
    white_name: str | None = None
    date: str | None = None
    event: str | None = None
    rules: str | None = None
    """``RU`` text, e.g. ``"Chinese"``; see ``rules_from_text``"""
    game_comment: str | None = None
    """``GC``: free text about the game (go-engine stores its config here)"""
    comments: dict[int, str] = field(default_factory=dict)
    """``{node: text}``; node 0 is the root, node ``k`` holds move ``k``"""

    @property
    def winner(self) -> int | None:
        """BLACK or WHITE from ``result``, EMPTY for a draw (``"0"``/``"Draw"``), else ``None``."""
        if not self.result:
            return None
        r = self.result.strip().upper()
        if r in ("0", "DRAW", "JIGO"):
            return EMPTY
        if r.startswith("B+"):
            return BLACK
        if r.startswith("W+"):
            return WHITE
        return None


# ------------------------------------------------------------------------ points
def _point(raw: bytes, size: int, where: str, allow_pass: bool) -> int:
    """Action of one raw SGF point; ``where`` names the place for the error message."""
    if raw == b"" or (raw == b"tt" and size <= 19):
        if allow_pass:
            return size * size
        raise SGFError(f"bad point {raw.decode('latin-1')!r} in {where}: pass is not a point")
    text = raw.decode("latin-1")
    if len(text) != 2 or text[0] not in _LETTERS or text[1] not in _LETTERS:
        raise SGFError(f"bad point {text!r} in {where}")
    col, row = _LETTERS.index(text[0]), _LETTERS.index(text[1])
    if col >= size or row >= size:
        raise SGFError(f"move off the board: {text!r} in {where} on a {size}x{size} board")
    return row * size + col


def _point_list(values: list[bytes], size: int, where: str) -> list[int]:
    """Actions of an SGF point list, compressed rectangles (``aa:cc``) included; sorted, unique."""
    out: set[int] = set()
    for raw in values:
        first, is_rect, second = raw.partition(b":")
        a = _point(first, size, where, allow_pass=False)
        if not is_rect:
            out.add(a)
            continue
        b = _point(second, size, where, allow_pass=False)
        (r0, c0), (r1, c1) = divmod(a, size), divmod(b, size)
        if r0 > r1 or c0 > c1:
            raise SGFError(f"bad point rectangle {raw.decode('latin-1')!r} in {where}")
        out.update(r * size + c for r in range(r0, r1 + 1) for c in range(c0, c1 + 1))
    return sorted(out)


def _sgf_point(action: int, size: int) -> bytes:
    """Raw SGF point of an action; pass is ``b""``."""
    return coords.to_sgf(action, size).encode("ascii")


# ------------------------------------------------------------------------ parse
def _load_game(data: str | bytes) -> sgfmill_sgf.Sgf_game:
    try:
        if isinstance(data, str):
            return sgfmill_sgf.Sgf_game.from_string(data)
        return sgfmill_sgf.Sgf_game.from_bytes(bytes(data))
    except ValueError as e:
        text = str(e)
        if text.startswith("size out of range") or text.startswith("bad SZ"):
            raise SGFError(f"board size out of range: {text}") from None
        raise SGFError(f"SGF syntax error: {text or type(e).__name__}") from None
    except TypeError as e:
        raise SGFError(f"SGF data must be str or bytes: {e}") from None


def _text(node, ident: str) -> str | None:
    """A SimpleText/Text property as ``str``, or ``None`` if absent."""
    if not node.has_property(ident):
        return None
    try:
        return str(node.get(ident))
    except ValueError as e:
        raise SGFError(f"bad {ident} property: {e}") from None


def _check_header(game: sgfmill_sgf.Sgf_game) -> int:
    """Validate GM and SZ; return the size."""
    root = game.get_root()
    if root.has_property("GM"):
        gm = root.get_raw("GM").strip()
        if gm != b"1":
            raise SGFError(f"unsupported game type GM[{gm.decode('latin-1')}]: only Go (GM[1]) is supported")
    size = game.get_size()
    if not coords.MIN_SIZE <= size <= coords.MAX_SIZE:
        raise SGFError(f"board size out of range: SZ[{size}] (supported: {coords.MIN_SIZE}..{coords.MAX_SIZE})")
    return size


def _read_root(root, rec: GameRecord) -> None:
    """Fill the metadata and setup of ``rec`` from the root node."""
    size = rec.size
    if root.has_property("KM"):
        try:
            rec.komi = float(root.get_raw("KM").decode("latin-1").strip())
            if rec.komi != rec.komi or abs(rec.komi) == float("inf"):  # nan or infinite
                raise ValueError(rec.komi)
        except ValueError:
            raise SGFError(f"bad komi KM[{root.get_raw('KM').decode('latin-1')}]") from None
    else:
        rec.komi = 0.0
    handicap = 0
    if root.has_property("HA"):
        try:
            handicap = int(root.get_raw("HA").strip())
        except ValueError:
            raise SGFError(f"bad handicap HA[{root.get_raw('HA').decode('latin-1')}]") from None
    black = _point_list(root.get_raw_list("AB"), size, "AB") if root.has_property("AB") else []
    rec.setup_white = _point_list(root.get_raw_list("AW"), size, "AW") if root.has_property("AW") else []
    rec.setup_empty = _point_list(root.get_raw_list("AE"), size, "AE") if root.has_property("AE") else []
    if handicap >= 2 and black:
        rec.handicap = black
    else:
        rec.setup_black = black
    if root.has_property("PL"):
        pl = root.get_raw("PL").strip().upper()
        if pl not in (b"B", b"W"):
            raise SGFError(f"bad player to move PL[{pl.decode('latin-1')}]")
        rec.first_player = BLACK if pl == b"B" else WHITE
    rec.result = _text(root, "RE")
    rec.black_name, rec.white_name = _text(root, "PB"), _text(root, "PW")
    rec.date, rec.event, rec.rules = _text(root, "DT"), _text(root, "EV"), _text(root, "RU")
    rec.game_comment = _text(root, "GC")


def _read_move(node, size: int, k: int) -> tuple[int, int] | None:
    """``(color, action)`` of a node, ``None`` if it has no move; ``k`` is its move number."""
    has_b, has_w = node.has_property("B"), node.has_property("W")
    if has_b and has_w:
        raise SGFError(f"node of move {k} has both B and W")
    if not (has_b or has_w):
        return None
    ident = "B" if has_b else "W"
    raw = node.get_raw(ident)
    action = _point(raw, size, f"move {k} ({ident}[{raw.decode('latin-1')}])", allow_pass=True)
    return (BLACK if has_b else WHITE), action


def parse_sgf(data: str | bytes) -> GameRecord:
    """Decode the first game of SGF data into a ``GameRecord`` (main line only).

    Bytes are decoded with the file's ``CA`` charset (default ISO-8859-1); ``str`` is taken as is.

    Args:
        data: SGF text or bytes.

    Returns:
        The record. Does not check that the moves are legal (``record_to_board`` does).

    Raises:
        SGFError: on a syntax error, a game type other than Go, a size outside 2..19, a bad or
            off-board point, a node with both B and W, or setup properties after the root.
    """
    game = _load_game(data)
    root = game.get_root()
    rec = GameRecord(size=_check_header(game))
    _read_root(root, rec)
    c = _text(root, "C")
    if c is not None:
        rec.comments[0] = c
    try:
        nodes = game.get_main_sequence()
    except ValueError as e:
        raise SGFError(f"SGF syntax error: {e}") from None
    for i, node in enumerate(nodes):
        if i > 0 and node.has_setup_stones():
            raise SGFError(f"setup properties (AB/AW/AE) after the root node are not supported (node {i})")
        move = _read_move(node, rec.size, len(rec.moves) + 1)
        if move is not None:
            rec.moves.append(move)
        c = _text(node, "C") if i > 0 else None
        if c is not None:
            key = len(rec.moves)
            rec.comments[key] = rec.comments[key] + "\n\n" + c if key in rec.comments else c
    return rec


# ------------------------------------------------------------------------ write
def to_sgf(record: GameRecord) -> str:
    """Encode a record as SGF FF[4] text (UTF-8 charset, passes as ``[]``).

    Raises:
        SGFError: if the size is out of range or a point is off the board.
    """
    size = record.size
    if not isinstance(size, int) or not coords.MIN_SIZE <= size <= coords.MAX_SIZE:
        raise SGFError(f"board size out of range: {size!r}")
    game = sgfmill_sgf.Sgf_game(size)
    root = game.get_root()
    try:
        _write_root(root, record)
        for k, (color, action) in enumerate(record.moves, start=1):
            node = game.extend_main_sequence()
            node.set_raw("B" if color == BLACK else "W", _sgf_point(coords.check_action(action, size), size))
            if k in record.comments:
                node.set("C", record.comments[k])
    except ValueError as e:
        raise SGFError(f"cannot write record: {e}") from None
    return game.serialise().decode("utf-8")


def _write_root(root, record: GameRecord) -> None:
    size = record.size
    root.set("KM", float(record.komi))
    root.set_raw("AP", b"go-engine")
    for ident, value in (
        ("PB", record.black_name),
        ("PW", record.white_name),
        ("DT", record.date),
        ("EV", record.event),
        ("RU", record.rules),
        ("RE", record.result),
        ("GC", record.game_comment),
        ("C", record.comments.get(0)),
    ):
        if value is not None:
            root.set(ident, value)
    if record.handicap:
        root.set("HA", len(record.handicap))
    for ident, points in (
        ("AB", list(record.handicap) + list(record.setup_black)),
        ("AW", record.setup_white),
        ("AE", record.setup_empty),
    ):
        if points:
            root.set_raw_list(ident, [_sgf_point(coords.check_action(a, size), size) for a in sorted(set(points))])
    if record.first_player is not None:
        root.set_raw("PL", b"B" if record.first_player == BLACK else b"W")


# ------------------------------------------------------------------------ board
def rules_from_text(text: str | None, komi: float) -> Rules:
    """``Rules`` for an ``RU`` text (see the module docstring for the mapping)."""
    key = (text or "").strip().lower().replace("_", "-")
    if key in ("nz", "new zealand", "tromp-taylor", "tromp taylor", "tt"):
        return Rules(komi=komi, allow_suicide=True)
    if key in ("japanese", "jp", "korean"):
        return Rules(komi=komi, ko="simple")
    return Rules(komi=komi)


def rules_to_text(rules: Rules) -> str:
    """``RU`` text for ``Rules``: ``"Tromp-Taylor"`` if suicide is allowed, else ``"Chinese"``."""
    return "Tromp-Taylor" if rules.allow_suicide else "Chinese"


def record_to_board(record: GameRecord, rules: Rules | None = None, *, moves: int | None = None) -> Board:
    """Replay a record on a new ``Board``: setup stones, then the moves (legality checked).

    Args:
        record: the game.
        rules: rules to replay under; default ``rules_from_text(record.rules, record.komi)``.
        moves: replay only the first ``moves`` moves (default all).

    Returns:
        The board after the moves, its history holding every position. Does not apply the
        result (a resigned game is not marked resigned).

    Raises:
        SGFError: on a bad setup or an illegal move (the message names the move number).
    """
    board = Board(record.size, rules or rules_from_text(record.rules, record.komi))
    black = list(record.handicap) + list(record.setup_black)
    if black or record.setup_white or record.setup_empty:
        try:
            board.setup(black, record.setup_white, record.setup_empty)
        except ValueError as e:
            raise SGFError(f"bad setup: {e}") from None
    if record.first_player is not None:
        board.to_play = record.first_player
    elif record.handicap:
        board.to_play = WHITE
    for k, (color, action) in enumerate(record.moves[:moves], start=1):
        try:
            board.play(action, color)
        except IllegalMove as e:
            raise SGFError(f"illegal move at move {k}: {e}") from None
        except ValueError as e:
            raise SGFError(f"bad move at move {k}: {e}") from None
    return board


def board_to_record(
    board: Board,
    *,
    handicap: bool | None = None,
    result: str | None = None,
    **metadata,
) -> GameRecord:
    """The record of a board's game: its starting position (as setup) and its moves.

    The starting position is the position before the first move (after any setup). Black-only
    setup stones count as handicap when ``handicap`` is True, or, with ``handicap=None``, when
    there are at least two of them and white moves first.

    Args:
        board: the board; it is not modified.
        handicap: record black setup stones as handicap (``None``: decide as above).
        result: the result text; default ``board.result()`` if the game is over, else ``None``.
        **metadata: other ``GameRecord`` fields (``black_name``, ``white_name``, ``date``,
            ``event``, ``rules``, ``game_comment``, ``comments``).

    Returns:
        The record; ``rules`` defaults to ``rules_to_text(board.rules)``.

    Raises:
        ValueError: if the board had setup stones placed after its first move.
    """
    moves = list(board.moves)
    steps = len(moves) + (board.resigned is not None)
    history = board.position_history(10**9)
    if len(history) - 1 > steps + 1:
        raise ValueError("board has setup stones placed after the start; it cannot be written as one record")
    start = history[min(steps, len(history) - 1)].ravel()
    black = [int(a) for a in (start == BLACK).nonzero()[0]]
    white = [int(a) for a in (start == WHITE).nonzero()[0]]
    first = moves[0][0] if moves else board.to_play
    if handicap is None:
        handicap = len(black) >= 2 and not white and first == WHITE
    rec = GameRecord(size=board.size, komi=board.komi, moves=moves, rules=rules_to_text(board.rules))
    rec.handicap, rec.setup_black = (black, []) if handicap else ([], black)
    rec.setup_white = white
    natural = WHITE if rec.handicap else BLACK
    if (black or white) and first != natural or (not moves and board.to_play != natural):
        rec.first_player = first
    rec.result = result if result is not None else (board.result() if board.is_over else None)
    for key, value in metadata.items():
        if not hasattr(rec, key):
            raise TypeError(f"unknown GameRecord field {key!r}")
        setattr(rec, key, value)
    return rec
