"""Where the athlete stands: the standing position every rep is measured from.

Hip travel, hip drop and the stick's bend are read against how the athlete stood: the hip's
position along the facing direction, its height, the leg's length (the unit of every
length), where the ankle stands, and the trunk and stick angles. The standing position is
taken once the athlete has stood still for `settle_s` (no rep opens before), follows them
while they stand still between reps, and is learned afresh when they walk off between reps
(upright, a walk reads as standing by its depth, and the position would follow the hips
away), when they turn around, and when they come back into view after `lost_reset_s`
somewhere else or as someone else. The same athlete back on the same spot keeps it: someone
walked between them and the camera, or pose was lost, and they may be back mid-rep, where
the standing position cannot be read.
"""

from __future__ import annotations

from station.coach.features import Features
from station.coach.signals import SlopeWindow
from station.coach.tuning import Tuning


class StandingBaseline:
    """The standing position of the athlete in view, and whether it is settled."""

    def __init__(self, tuning: Tuning) -> None:
        self._alpha = tuning.baseline_alpha
        self._settle_s = tuning.settle_s
        self._settle_speed = tuning.settle_speed
        self._settle_slack = tuning.settle_slack
        self._walk_speed = tuning.walk_speed
        self._lost_s = tuning.lost_reset_s
        self._same_leg = tuning.same_leg
        self._same_spot = tuning.same_spot
        self._hip_speed = SlopeWindow(tuning.settle_s, tuning.slope_min_frames)
        self._still_since: float | None = None  # the current stand's first frame
        self._last_seen: float | None = None
        self.settled = False
        self.hip = 0.0  # pixels along the facing direction
        self.height = 0.0  # the hip above the ankle (pixels)
        self.leg = 1.0  # hip to knee to ankle (pixels)
        self.ankle = 0.0  # the near ankle along the facing direction (pixels)
        self.trunk = 0.0  # degrees, steadied
        self.stick = 0.0  # degrees, steadied

    def travel(self, hip_forward: float) -> float:
        """Hip travel back from standing (leg lengths)."""
        return (self.hip - hip_forward) / self.leg

    def drop(self, hip_height: float) -> float:
        """Hip drop below standing (leg lengths)."""
        return (self.height - hip_height) / self.leg

    def seen(self, t: float) -> bool:
        """A frame measured at t: True when the athlete was out of view for more than
        `lost_reset_s` before it."""
        gap = self._last_seen is not None and t - self._last_seen > self._lost_s
        self._last_seen = t
        return gap

    def reset(self) -> None:
        """Learn the standing position afresh from the athlete's next stand."""
        self.settled = False
        self._hip_speed.reset()
        self._still_since = None

    def back_on_the_spot(self, f: Features) -> bool:
        """Back in view after a while: True for the same athlete on the same spot (the leg's
        length within `same_leg` of the standing one, the ankle within `same_spot` leg
        lengths of where it stood), and the standing position moves with the feet, set down
        a little off. Anyone else, or anywhere else, is learned afresh (False)."""
        leg = self.leg
        if not (self.settled and abs(f.leg - leg) <= self._same_leg * leg
                and abs(f.ankle_forward - self.ankle) <= self._same_spot * leg):
            return False
        self.hip += f.ankle_forward - self.ankle
        self.ankle = f.ankle_forward
        return True

    def walked_off(self, f: Features, rep_open: bool) -> bool:
        """Between reps, the hips moving at a walk's speed (`walk_speed`): no longer settled.
        A walk moves the hips a leg length a second or more; a hinge, before its rep opens,
        a tenth of that. A rep moves the hips: their speed starts after it."""
        if rep_open:
            self._hip_speed.reset()
            return False
        speed = self._hip_speed.add(f.t, f.hip_forward)
        if speed is not None and abs(speed) > self._walk_speed * f.leg:
            self.settled = False
            self._still_since = None
            return True
        return False

    def settle(self, f: Features, trunk: float, stick: float) -> bool:
        """Not yet standing in one place (just arrived, walking in): the standing position
        is wherever the athlete is. Settled (True) once the hips have kept under
        `settle_speed` over a whole `settle_s`: sway, not a walk."""
        self.hip, self.leg = f.hip_forward, f.leg
        self.ankle = f.ankle_forward
        self.height = f.hip_height
        self.trunk, self.stick = trunk, stick
        speed = self._hip_speed.add(f.t, f.hip_forward)  # pixels per second
        if speed is not None and abs(speed) > self._settle_speed * f.leg:
            self._hip_speed.reset()  # moving: the stand starts again from the next frame
            self._still_since = None
            return False
        if self._still_since is None:
            self._still_since = f.t
        # (The time since the stand's first frame, not the span of the speed's window, which
        # holds whole frame intervals only; `settle_slack` of it, as frames come a little
        # early or late.)
        self.settled = (speed is not None
                        and f.t - self._still_since >= self._settle_slack * self._settle_s)
        return self.settled

    def follow(self, f: Features, hip: float, trunk: float, stick: float) -> None:
        """A frame while the athlete stands still: the standing position follows them
        (`hip`, `trunk` and `stick` steadied)."""
        a = self._alpha
        self.hip += a * (hip - self.hip)
        self.leg += a * (f.leg - self.leg)
        self.ankle += a * (f.ankle_forward - self.ankle)
        self.height += a * (f.hip_height - self.height)
        self.trunk += a * (trunk - self.trunk)
        self.stick += a * (stick - self.stick)
