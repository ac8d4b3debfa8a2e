"""Class mode: athletes take turns at the station, each for a fixed time.

The coach turns it on from the menu and steps through the rotations on offer; when a
rotation comes round the set in progress ends with its summary and the next athlete's
number comes up.
"""

from __future__ import annotations

import math

CLASS_STEPS_S = (60.0, 120.0, 180.0, 300.0)  # the class-mode rotations the menu offers


class ClassMode:
    """The rotation in seconds (None: class mode off), when it next comes round, and which
    athlete of the class is on."""

    def __init__(self, configured_s: float) -> None:
        self.configured_s = configured_s  # the rotation class mode starts with
        self.rotation_s: float | None = None
        self.ends_at = 0.0  # station time the current athlete's turn ends
        self.athlete = 0  # which athlete of the rotation is on (1 for the first)

    @property
    def on(self) -> bool:
        return self.rotation_s is not None

    def label(self) -> str:
        """The menu's value for it: "OFF" or the rotation ("2 min")."""
        return "OFF" if self.rotation_s is None else f"{self.rotation_s / 60:g} min"

    def step(self, now: float) -> str:
        """Class mode off -> the configured rotation -> the next longer step ... -> off;
        the toast that says so."""
        steps = sorted({self.configured_s, *CLASS_STEPS_S})
        if self.rotation_s is None:
            self.rotation_s = self.configured_s
        else:
            longer = [s for s in steps if s > self.rotation_s]
            self.rotation_s = longer[0] if longer else None
        if self.rotation_s is None:
            return "Class mode off"
        self.ends_at = now + self.rotation_s
        self.athlete = 1
        return f"Class mode: {self.rotation_s / 60:g} min per athlete"

    def set(self, rotation_s: float | None, now: float) -> str:
        """Class mode at this rotation (None: off), as the coach page sets it; the toast."""
        self.rotation_s = rotation_s
        if rotation_s is None:
            return "Class mode off"
        self.ends_at = now + rotation_s
        self.athlete = 1
        return f"Class mode: {rotation_s / 60:g} min per athlete"

    def rotate(self, now: float) -> bool:
        """True when a turn ended by `now`: the next athlete is on (a turn missed while the
        station was busy is skipped, not made up)."""
        if self.rotation_s is None or now < self.ends_at:
            return False
        self.ends_at += self.rotation_s * max(
            1, math.ceil((now - self.ends_at) / self.rotation_s))
        self.athlete += 1
        return True

    def left_s(self, now: float) -> float | None:
        """Seconds to the next athlete; None when class mode is off."""
        return None if self.rotation_s is None else self.ends_at - now
