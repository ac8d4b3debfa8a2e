"""Which way the athlete faces, settled from the first frames and followed when they turn."""

from __future__ import annotations

from station.types import Side


class SideTracker:
    """Votes of toes-ahead-of-heels and nose-ahead-of-ears, frame by frame.

    The side is settled on the sum of the first `settle_frames` votes with a person in view.
    After that it flips only when `switch_frames` frames in a row all vote the other way: an
    athlete who turned around (a hinge never turns the feet or the face back to front).
    """

    def __init__(self, settle_frames: int, switch_frames: int) -> None:
        self.settle_frames = settle_frames
        self.switch_frames = switch_frames
        self.side: Side | None = None
        self._votes: list[float] = []
        self._against = 0

    def add(self, vote: float | None) -> tuple[Side | None, bool]:
        """One frame's `facing_vote` (None: nobody in view): returns the side (None until
        settled) and whether it just changed."""
        if vote is None:
            return self.side, False
        if self.side is None:
            self._votes.append(vote)
            if len(self._votes) < self.settle_frames:
                return None, False
            self.side = Side.RIGHT if sum(self._votes) >= 0 else Side.LEFT
            return self.side, True
        against = vote < 0 if self.side is Side.RIGHT else vote > 0
        self._against = self._against + 1 if against else 0
        if self._against >= self.switch_frames:
            self._against = 0
            self.side = Side.LEFT if self.side is Side.RIGHT else Side.RIGHT
            return self.side, True
        return self.side, False
