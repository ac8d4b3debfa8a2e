"""Whether someone is in front of the station, and for how long, from the pose frames."""

from __future__ import annotations

import math

LOST_GAP_S = 0.3  # a person lost for less than this (a dropped frame or two) is still there


class Presence:
    """How long someone has been in view, or out of it, allowing for dropped frames."""

    def __init__(self) -> None:
        self.since: float | None = None  # first frame of the current stretch in view
        self.last_seen: float | None = None  # last frame with a person in it
        self.last_frame: float | None = None  # last frame of any kind (the camera's pulse)

    def update(self, t: float, present: bool) -> None:
        """A frame at `t`, with a person in it or not."""
        self.last_frame = t
        if present:
            if self.since is None or self.last_seen is None or t - self.last_seen > LOST_GAP_S:
                self.since = t
            self.last_seen = t

    def in_view_for(self, now: float) -> float:
        """Seconds someone has been in view without a gap; 0 when nobody is."""
        if self.since is None or self.last_seen is None or now - self.last_seen > LOST_GAP_S:
            return 0.0
        return now - self.since

    def out_of_view_for(self, now: float) -> float:
        """Seconds since someone was last seen; infinite when nobody ever was."""
        if self.last_seen is None:
            return math.inf
        return now - self.last_seen
