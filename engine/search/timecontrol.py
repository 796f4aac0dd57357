"""Clock keeping and per-move thinking budgets for GTP time controls (pure Python, no I/O).

GTP 2 (section 6.3.4) ``time_settings main_time byo_yomi_time byo_yomi_stones``:

* ``byo_yomi_time == 0``: absolute time, ``main_time`` for the whole game;
* ``byo_yomi_stones > 0``: Canadian byo-yomi, ``byo_yomi_stones`` moves per ``byo_yomi_time``
  period once the main time is used up;
* ``byo_yomi_time > 0`` and ``byo_yomi_stones == 0``: no time limit.

``time_left color time stones`` updates a player's clock: ``stones == 0`` means the player is still
in main time, else ``stones`` moves remain in the current byo-yomi period. KGS's
``kgs-time_settings byoyomi main period_time periods`` (Japanese byo-yomi) is supported through
``set_japanese``; there ``time_left``'s ``stones`` counts the periods left.

A ``TimeControl`` holds the settings and both clocks and answers ``budget(color, board_size,
move_number)``: the seconds to think for the next move, keeping a safety margin for lag.

**The reserve.** ``min_move`` is the *floor*: the seconds the player needs for a move worth
playing (a few hundred playouts; the player measures its speed and the GTP front end sets it
before each ``genmove``). In main time a move gets at least the floor as long as the clock still
holds it for ``reserve_moves`` more moves (about a sixth of the board's points); below that the
clock truly has little left and each move gets its share of what remains, so the clock never
runs out however long the game. Lag is kept per move in proportion to the time at stake (at
most ``lag``), so that clocks of a fraction of a second are not eaten by the margin.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ABSOLUTE, CANADIAN, JAPANESE, NONE = "absolute", "canadian", "japanese", "none"


@dataclass
class Clock:
    """One player's clock as last reported."""

    main: float = 0.0
    """main time left (seconds)"""
    byo_time: float = 0.0
    """time left in the current byo-yomi period"""
    stones: int = 0
    """Canadian: moves left in the period (0 = still in main time); Japanese: periods left"""


@dataclass
class TimeControl:
    """GTP time settings plus both players' clocks; ``budget`` gives the time for one move."""

    mode: str = NONE
    """``"none"``, ``"absolute"``, ``"canadian"`` or ``"japanese"`` (set by the GTP time commands)"""
    main_time: float = 0.0
    """main time of each player (seconds)"""
    byo_time: float = 0.0
    """Canadian: the time of a byo-yomi period; Japanese: the time of one period"""
    byo_stones: int = 0
    """Canadian: moves to play in a period (1 under Japanese byo-yomi)"""
    periods: int = 0
    """Japanese: number of byo-yomi periods"""
    lag: float = 0.2
    """seconds kept in reserve per move for communication and move overhead"""
    safety: float = 0.1
    """fraction of a period's time kept in reserve"""
    min_move: float = 0.0
    """seconds of a move worth playing (a few hundred playouts); 0 = no floor"""
    clocks: dict[int, Clock] = field(default_factory=dict)
    """each colour's clock as last reported (``time_left``) or charged (``record_move``)"""

    def set_time_settings(self, main_time: float, byo_time: float, byo_stones: int) -> None:
        """GTP ``time_settings``: reset both clocks to the new settings."""
        if main_time < 0 or byo_time < 0 or byo_stones < 0:
            raise ValueError("time settings must be non-negative")
        self.main_time, self.byo_time, self.byo_stones, self.periods = (
            float(main_time),
            float(byo_time),
            int(byo_stones),
            0,
        )
        if byo_time == 0:
            self.mode = ABSOLUTE if main_time > 0 else NONE
        elif byo_stones == 0:
            self.mode = NONE
        else:
            self.mode = CANADIAN
        self._reset_clocks()

    def set_japanese(self, main_time: float, period_time: float, periods: int) -> None:
        """``kgs-time_settings byoyomi``: main time then ``periods`` periods of ``period_time`` each."""
        if main_time < 0 or period_time <= 0 or periods <= 0:
            raise ValueError("japanese byo-yomi needs main >= 0, period_time > 0 and periods > 0")
        self.main_time, self.byo_time, self.byo_stones, self.periods = (
            float(main_time),
            float(period_time),
            1,
            int(periods),
        )
        self.mode = JAPANESE
        self._reset_clocks()

    def _reset_clocks(self) -> None:
        self.clocks = {c: self._fresh_clock() for c in (1, 2)}

    def _fresh_clock(self) -> Clock:
        """A clock at the start of the game under the current settings."""
        return Clock(self.main_time, self.byo_time, self.periods if self.mode == JAPANESE else 0)

    def time_left(self, color: int, seconds: float, stones: int) -> None:
        """GTP ``time_left``: ``stones == 0`` means main time (Canadian) / no periods info (Japanese)."""
        clock = self.clocks.setdefault(color, Clock())
        if self.mode == JAPANESE:
            in_byo = stones > 0 and seconds <= self.byo_time + 1e-9 and (clock.main <= 0 or seconds < clock.main)
            clock.main, clock.byo_time = (0.0, seconds) if in_byo else (seconds, self.byo_time)
            if stones > 0:
                clock.stones = stones
        elif stones == 0:
            clock.main, clock.stones = float(seconds), 0
        else:
            clock.main, clock.byo_time, clock.stones = 0.0, float(seconds), int(stones)

    def moves_left_estimate(self, board_size: int, move_number: int) -> float:
        """Own moves still to play, roughly: about half the board's points minus those played, floored."""
        expected = 0.45 * board_size * board_size * 1.2
        left = expected - move_number / 2
        return max(left, 0.15 * board_size * board_size, 6.0)

    @staticmethod
    def reserve_moves(board_size: int) -> float:
        """Own moves the main time must still cover at the floor before a move may take it."""
        return max(0.15 * board_size * board_size, 6.0)

    def budget(self, color: int, board_size: int, move_number: int) -> float | None:
        """Seconds to think for ``color``'s next move, or ``None`` when there is no time limit."""
        if self.mode == NONE:
            return None
        clock = self.clocks.get(color) or self._fresh_clock()
        moves = self.moves_left_estimate(board_size, move_number)
        reserve = self.reserve_moves(board_size)
        if self.mode == ABSOLUTE:
            return self._clip(self._share(clock.main, moves, reserve), clock.main)
        if self.mode == CANADIAN:
            if clock.stones > 0 or clock.main <= 0:
                stones = clock.stones if clock.stones > 0 else self.byo_stones
                t = clock.byo_time if clock.stones > 0 else self.byo_time
                return self._clip(t * (1 - self.safety) / stones, t / stones)
            per_period = self.byo_time / self.byo_stones
            return self._clip(self._share(clock.main, moves, reserve) + 0.5 * per_period, clock.main + per_period)
        period = clock.byo_time if 0 < clock.byo_time <= self.byo_time else self.byo_time
        if clock.main <= 0:
            return self._clip(period * (1 - self.safety), period)
        return self._clip(self._share(clock.main, moves, reserve) + 0.5 * period, clock.main + period)

    def _share(self, main: float, moves: float, reserve: float) -> float:
        """A move's share of ``main``: ``main / moves``, raised to the floor while ``reserve`` moves can have it."""
        return max(main / moves, min(self.min_move, main / reserve))

    def _clip(self, want: float, hard_cap: float) -> float:
        lag = min(self.lag, 0.1 * hard_cap)
        return max(min(want, hard_cap * (1 - self.safety) - lag), min(0.005, 0.5 * hard_cap))

    def record_move(self, color: int, seconds: float) -> None:
        """Charge ``seconds`` of thinking to ``color``'s clock (when no ``time_left`` arrives)."""
        clock = self.clocks.get(color)
        if clock is None or self.mode == NONE:
            return
        if clock.main > 0:
            spill = seconds - clock.main
            clock.main = max(clock.main - seconds, 0.0)
            if spill <= 0:
                return
            seconds = spill
            if self.mode == CANADIAN:
                clock.stones, clock.byo_time = self.byo_stones, self.byo_time
        if self.mode == CANADIAN and clock.stones > 0:
            clock.byo_time -= seconds
            clock.stones -= 1
            if clock.stones == 0:
                clock.stones, clock.byo_time = self.byo_stones, self.byo_time
        elif self.mode == JAPANESE and seconds > self.byo_time:
            clock.stones = max(clock.stones - int(seconds // self.byo_time), 0)
