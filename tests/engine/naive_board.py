"""A deliberately naive Go board, written only as a test oracle for ``engine.board.Board``.

Pure Python, no incremental state: stones live in a list of lists (``grid[row][col]``, row 0 at
the top, values EMPTY/BLACK/WHITE as in ``engine``) and every question (chains, liberties,
captures, legality, score) is answered by a fresh flood fill. It shares no code with the kernels.

Rules, as written in the Tromp-Taylor rules and their usual variants:

* a play places a stone, removes opposing chains left without liberties, then removes its own
  chain if that has none (suicide); suicide is illegal unless ``allow_suicide``;
* ``ko="positional"``: a play may not recreate any earlier board (the current one included);
* ``ko="simple"``: a play may not recreate the board as it was just before the opponent's last
  play; a pass, or a play that left the board unchanged (single-stone suicide), lifts the ban;
* area score: stones plus empty regions that reach only one colour (black minus white).
"""

from __future__ import annotations

EMPTY, BLACK, WHITE = 0, 1, 2


class NaiveIllegal(Exception):
    """Raised by ``NaiveBoard.play`` for a move the rules forbid."""


class NaiveBoard:
    """Flood-fill Go board; see the module docstring."""

    def __init__(self, size: int, allow_suicide: bool = False, ko: str = "positional"):
        self.n = size
        self.allow_suicide = allow_suicide
        self.ko = ko
        self.grid = [[EMPTY] * size for _ in range(size)]
        self.to_play = BLACK
        self.seen = {self.key()}  # every board so far (positional superko)
        self.before_last = None  # (board before the last play that changed it, its player): simple ko
        self.captures = {BLACK: 0, WHITE: 0}

    def key(self) -> tuple:
        """The board as a hashable tuple of rows."""
        return tuple(tuple(row) for row in self.grid)

    def neighbours(self, r: int, c: int):
        """On-board orthogonal neighbours of ``(r, c)``."""
        for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1)):
            if 0 <= r + dr < self.n and 0 <= c + dc < self.n:
                yield r + dr, c + dc

    def chain(self, r: int, c: int, grid=None) -> tuple[set, set]:
        """``(stones, liberties)`` of the chain on ``(r, c)`` by flood fill."""
        grid = self.grid if grid is None else grid
        color = grid[r][c]
        stones, libs, todo = {(r, c)}, set(), [(r, c)]
        while todo:
            p = todo.pop()
            for q in self.neighbours(*p):
                v = grid[q[0]][q[1]]
                if v == EMPTY:
                    libs.add(q)
                elif v == color and q not in stones:
                    stones.add(q)
                    todo.append(q)
        return stones, libs

    def result_of(self, r: int, c: int, color: int) -> tuple[list, int, int]:
        """``(grid, captured, suicided)`` after ``color`` plays ``(r, c)``; raises NaiveIllegal."""
        if self.grid[r][c] != EMPTY:
            raise NaiveIllegal("occupied")
        grid = [row[:] for row in self.grid]
        grid[r][c] = color
        captured = 0
        for q in self.neighbours(r, c):
            if grid[q[0]][q[1]] == 3 - color:
                stones, libs = self.chain(*q, grid)
                if not libs:
                    captured += len(stones)
                    for s in stones:
                        grid[s[0]][s[1]] = EMPTY
        suicided = 0
        stones, libs = self.chain(r, c, grid)
        if not libs:
            if not self.allow_suicide:
                raise NaiveIllegal("suicide")
            suicided = len(stones)
            for s in stones:
                grid[s[0]][s[1]] = EMPTY
        key = tuple(tuple(row) for row in grid)
        if self.ko == "positional" and key in self.seen:
            raise NaiveIllegal("positional superko")
        if self.ko == "simple" and (key, 3 - color) == self.before_last:
            raise NaiveIllegal("ko")
        return grid, captured, suicided

    def is_legal(self, r: int, c: int, color: int | None = None) -> bool:
        """True if ``color`` (default: to play) may play ``(r, c)``."""
        try:
            self.result_of(r, c, self.to_play if color is None else color)
        except NaiveIllegal:
            return False
        return True

    def play(self, r: int, c: int, color: int | None = None) -> int:
        """Play ``(r, c)`` (``r is None`` passes); returns stones captured."""
        color = self.to_play if color is None else color
        self.to_play = 3 - color
        if r is None:
            self.before_last = None
            return 0
        grid, captured, suicided = self.result_of(r, c, color)
        self.before_last = None if grid == self.grid else (self.key(), color)
        self.grid = grid
        self.seen.add(self.key())
        self.captures[color] += captured
        self.captures[3 - color] += suicided
        return captured

    def area_score(self) -> int:
        """Tromp-Taylor area, black minus white, without komi."""
        score, done = 0, set()
        for r in range(self.n):
            for c in range(self.n):
                v = self.grid[r][c]
                if v != EMPTY:
                    score += 1 if v == BLACK else -1
                elif (r, c) not in done:
                    region, todo, reach = {(r, c)}, [(r, c)], set()
                    while todo:
                        for q in self.neighbours(*todo.pop()):
                            w = self.grid[q[0]][q[1]]
                            if w == EMPTY and q not in region:
                                region.add(q)
                                todo.append(q)
                            elif w != EMPTY:
                                reach.add(w)
                    done |= region
                    if reach == {BLACK}:
                        score += len(region)
                    elif reach == {WHITE}:
                        score -= len(region)
        return score
