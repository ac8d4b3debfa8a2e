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

It also keeps what real cameras' frames are read against: the mid-shoulder's and the
mid-hip's heights in the picture and the torso's length. A rep lowers the shoulders, which
plates do not hide (a hip hidden by one jumps without them); and where the leg is unsure
(a plate or a kettlebell in front of it) the hips' drop is read in the picture, the feet
standing where they stood. Where the leg is never seen, its length is taken as
`leg_per_torso` torso lengths.
"""

from __future__ import annotations

import math

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
        self._leg_per_torso = tuning.leg_per_torso
        self._hip_speed = SlopeWindow(tuning.settle_s, tuning.slope_min_frames)
        self._still_since: float | None = None  # the current stand's first frame
        self._last_seen: float | None = None
        self.settled = False
        self.hip = 0.0  # pixels along the facing direction
        self.height = math.nan  # the hip above the ankle (pixels; NaN: the leg not seen)
        self.leg = 1.0  # hip to knee to ankle (pixels)
        self.ankle = math.nan  # the near ankle along the facing direction (pixels)
        self.trunk = 0.0  # degrees, steadied
        self.stick = 0.0  # degrees, steadied
        self.shoulder = 0.0  # the mid-shoulder's height in the picture (pixels up)
        self.hip_up = 0.0  # the mid-hip's height in the picture (pixels up)
        self.torso = 1.0  # mid-hip to mid-shoulder (pixels)

    def travel(self, hip_forward: float) -> float:
        """Hip travel back from standing (leg lengths)."""
        return (self.hip - hip_forward) / self.leg

    def drop(self, hip_height: float, hip_up: float) -> float:
        """Hip drop below standing (leg lengths): the hip's height above the ankle, or where
        the leg is unsure, the hip's height in the picture (the feet stand where they stood),
        against the stand's."""
        if math.isfinite(hip_height) and math.isfinite(self.height):
            return (self.height - hip_height) / self.leg
        return (self.hip_up - hip_up) / self.leg

    def shoulder_drop(self, shoulder_up: float) -> float:
        """The mid-shoulder's drop below standing (torso lengths)."""
        return (self.shoulder - shoulder_up) / self.torso

    def _leg_of(self, f: Features) -> float:
        """The frame's leg length, else the standing one, else the torso's share of it."""
        if math.isfinite(f.leg):
            return f.leg
        if math.isfinite(self.height):
            return self.leg
        # At least a pixel, as a seen leg is (features): every point in one place (a
        # broken stream) must not make a length of zero to divide by.
        return max(self._leg_per_torso * f.torso, 1.0)

    def _learn_legs(self, f: Features, alpha: float) -> None:
        """A standing frame's leg: the leg's length, the ankle's place and the hip's height
        followed (weight `alpha`; at once when the leg is seen for the first time)."""
        if not f.legs_seen:
            return
        if not math.isfinite(self.height) or alpha >= 1.0:
            self.leg, self.ankle, self.height = f.leg, f.ankle_forward, f.hip_height
            return
        self.leg += alpha * (f.leg - self.leg)
        self.ankle += alpha * (f.ankle_forward - self.ankle)
        self.height += alpha * (f.hip_height - self.height)

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
        self.height = self.ankle = math.nan

    def back_on_the_spot(self, f: Features) -> bool:
        """Back in view after a while: True for the same athlete on the same spot (the leg's
        length within `same_leg` of the standing one, the ankle within `same_spot` leg
        lengths of where it stood), and the standing position moves with the feet, set down
        a little off. Anyone else, or anywhere else, is learned afresh (False). With the leg
        unsure, the torso's length and the hip's place stand in for them."""
        leg = self.leg
        if not self.settled:
            return False
        if f.legs_seen:
            if not (abs(f.leg - leg) <= self._same_leg * leg
                    and abs(f.ankle_forward - self.ankle) <= self._same_spot * leg):
                return False
            self.hip += f.ankle_forward - self.ankle
            self.ankle = f.ankle_forward
            return True
        return (abs(f.torso - self.torso) <= self._same_leg * self.torso
                and abs(f.hip_forward - self.hip) <= self._same_spot * leg)

    def walked_off(self, f: Features, rep_open: bool) -> bool:
        """Between reps, the hips moving at a walk's speed (`walk_speed`): no longer settled.
        A walk moves the hips a leg length a second or more; a hinge, before its rep opens,
        a tenth of that. A rep moves the hips: their speed starts after it."""
        if rep_open:
            self._hip_speed.reset()
            return False
        speed = self._hip_speed.add(f.t, f.hip_forward)
        if speed is not None and abs(speed) > self._walk_speed * self._leg_of(f):
            self.settled = False
            self._still_since = None
            return True
        return False

    def settle(self, f: Features, trunk: float, stick: float) -> bool:
        """Not yet standing in one place (just arrived, walking in): the standing position
        is wherever the athlete is. Settled (True) once the hips have kept under
        `settle_speed` over a whole `settle_s`: sway, not a walk."""
        self.hip, self.leg = f.hip_forward, self._leg_of(f)
        self.trunk, self.stick = trunk, stick
        self.shoulder, self.torso, self.hip_up = f.shoulder_up, max(f.torso, 1.0), f.hip_up
        self._learn_legs(f, 1.0)
        speed = self._hip_speed.add(f.t, f.hip_forward)  # pixels per second
        if speed is not None and abs(speed) > self._settle_speed * self.leg:
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
        self._learn_legs(f, a)
        self.trunk += a * (trunk - self.trunk)
        if math.isfinite(stick):
            self.stick = stick if not math.isfinite(self.stick) else (
                self.stick + a * (stick - self.stick))
        self.shoulder += a * (f.shoulder_up - self.shoulder)
        self.hip_up += a * (f.hip_up - self.hip_up)
        self.torso += a * (f.torso - self.torso)
