"""Which way the athlete faces, settled from the first frames and followed when they turn;
and the live faults held while they may be turning."""

from __future__ import annotations

from dataclasses import replace

from station.domain import Event, FaultDetected, Side


class SideTracker:
    """Votes of toes-ahead-of-heels and nose-ahead-of-ears, frame by frame.

    The side is settled on the sum of the votes of the first `settle_s` seconds with a person
    in view. After that it flips only when every frame for `switch_s` seconds in a row votes
    the other way: an athlete who turned around (a hinge never turns the feet or the face back
    to front). Both are times, not frame counts: a Pi finds pose 5-15 times a second, the
    camera films 30.
    """

    def __init__(self, settle_s: float, switch_s: float) -> None:
        self.settle_s = settle_s
        self.switch_s = switch_s
        self.side: Side | None = None
        self._votes: list[float] = []
        self._first: float | None = None  # the first vote's time
        self._against_since: float | None = None  # the first of a run of votes against

    @property
    def turning(self) -> bool:
        """Votes against the side since the last one for it: perhaps turning around."""
        return self._against_since is not None

    def add(self, t: float, vote: float | None) -> tuple[Side | None, bool]:
        """One frame's `facing_vote` at time t (None: nobody in view): returns the side (None
        until settled) and whether it just changed."""
        if vote is None:
            return self.side, False
        if self.side is None:
            self._votes.append(vote)
            if self._first is None:
                self._first = t
            if len(self._votes) < 2 or t - self._first < self.settle_s:
                return None, False
            self.side = Side.RIGHT if sum(self._votes) >= 0 else Side.LEFT
            return self.side, True
        against = vote < 0 if self.side is Side.RIGHT else vote > 0
        if not against:
            self._against_since = None
            return self.side, False
        if self._against_since is None:
            self._against_since = t
        if t - self._against_since >= self.switch_s:
            self._against_since = None
            self.side = Side.LEFT if self.side is Side.RIGHT else Side.RIGHT
            return self.side, True
        return self.side, False


class TurnHold:
    """Live faults wait while the facing votes go against the side: turning around leans the
    hip-shoulder line and moves head and hips as no stand does, and a buzz then is a buzz at
    nothing. If the side flips they are dropped with the "rep" the turn made; if the votes
    come back, they sound then (if their rep is still going)."""

    def __init__(self) -> None:
        self._held: list[FaultDetected] = []

    def drop(self) -> None:
        """The side flipped: what the turn seemed to do wrong is forgotten."""
        self._held.clear()

    def pass_on(self, t: float, events: list[Event], turning: bool,
                rep_index: int | None) -> list[Event]:
        """The events to hand on at time t: live faults held back while `turning`, and
        after it those held for the rep still going (`rep_index`), sounded now."""
        if turning:
            kept: list[Event] = []
            for e in events:
                if isinstance(e, FaultDetected) and e.live:
                    self._held.append(e)
                else:
                    kept.append(e)
            return kept
        if not self._held:
            return events
        held: list[Event] = [replace(e, t=t) for e in self._held
                             if rep_index is not None and e.index == rep_index]
        self._held.clear()
        return held + events
