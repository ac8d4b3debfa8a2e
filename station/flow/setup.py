"""The setup check: standing side-on, the whole body in the picture, the band taut.

The setup screen shows the three checks for each frame; once they have all held for
`setup_hold_s` the set starts (an athlete who starts a rep sooner starts it at once). Side-on
and the whole body are read by the coach's own view check (station/coach/view.py), with the
coach's limits: the setup cannot pass on a view the coach could not judge reps from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from station.coach.view import MESSAGES, ViewLimits, ViewProblem, problems_of, read_frame
from station.config import CoachConfig
from station.domain import (
    LEFT_ANKLE,
    LEFT_EAR,
    LEFT_HIP,
    LEFT_KNEE,
    LEFT_SHOULDER,
    RIGHT_ANKLE,
    RIGHT_EAR,
    RIGHT_HIP,
    RIGHT_KNEE,
    RIGHT_SHOULDER,
    PoseFrame,
    Side,
)
from station.flow.view import Check


@dataclass(frozen=True)
class BodySide:
    """The landmark indices of one side of the body, head to foot."""

    ear: int
    shoulder: int
    hip: int
    knee: int
    ankle: int

    @classmethod
    def of(cls, side: Side) -> BodySide:
        """The side of the body facing the camera when the athlete faces `side`."""
        if side is Side.LEFT:
            return cls(LEFT_EAR, LEFT_SHOULDER, LEFT_HIP, LEFT_KNEE, LEFT_ANKLE)
        return cls(RIGHT_EAR, RIGHT_SHOULDER, RIGHT_HIP, RIGHT_KNEE, RIGHT_ANKLE)


def facing_side(frame: PoseFrame) -> Side:
    """A first guess at the side facing the camera, before the coach has settled it: the
    hip the camera sees better."""
    lm = frame.landmarks
    return Side.RIGHT if lm[RIGHT_HIP, 3] >= lm[LEFT_HIP, 3] else Side.LEFT


def waiting_checks(has_load_cell: bool) -> list[Check]:
    """The checks as the setup screen opens, before a frame has been judged."""
    return [Check("Side-on", False, "Step into the picture"),
            Check("Whole body", False),
            Check("Band", None if not has_load_cell else False)]


def setup_checks(frame: PoseFrame, side: Side, tension_n: float | None, min_n: float,
                 max_n: float, min_visibility: float, standing_deg: float,
                 limits: ViewLimits | None = None) -> list[Check]:
    """The three setup checks for one frame: standing side-on, whole body, band tension.
    `limits`: the coach's view limits (its defaults when not given)."""
    lm = frame.landmarks
    w, h = frame.width, frame.height
    body = BodySide.of(side)
    problems = problems_of(read_frame(frame, limits or ViewLimits()), limits or ViewLimits())
    # Standing: the trunk within standing_deg of vertical.
    trunk = np.array([(lm[body.shoulder, 0] - lm[body.hip, 0]) * w,
                      (lm[body.shoulder, 1] - lm[body.hip, 1]) * h])
    torso = float(np.hypot(*trunk))
    lean = math.degrees(math.atan2(abs(trunk[0]), abs(trunk[1]))) if torso > 0 else 90.0
    if ViewProblem.NOT_SIDE_ON in problems:
        stand = Check("Side-on", False, MESSAGES[ViewProblem.NOT_SIDE_ON])
    elif lean >= standing_deg:
        stand = Check("Side-on", False, "Stand tall to start")
    else:
        stand = Check("Side-on", True)
    out = next((p for p in problems if p is not ViewProblem.NOT_SIDE_ON), None)
    points = lm[[body.ear, body.shoulder, body.hip, body.knee, body.ankle]]
    seen = bool(np.all((points[:, :2] > 0.01) & (points[:, :2] < 0.99))
                and np.all(points[:, 3] >= min_visibility))
    if out is not None:
        whole = Check("Whole body", False, MESSAGES[out])
    elif not seen:
        whole = Check("Whole body", False, "Head to feet in the picture")
    else:
        whole = Check("Whole body", True)
    if tension_n is None:
        band = Check("Band", None, "No load cell: camera only")
    elif tension_n < min_n:
        band = Check(f"Band {tension_n:.0f} N", False, "Step away from the anchor")
    elif tension_n > max_n:
        band = Check(f"Band {tension_n:.0f} N", False, "Step closer to the anchor")
    else:
        band = Check(f"Band {tension_n:.0f} N", True)
    return [stand, whole, band]


class SetupGate:
    """The setup checks frame by frame, and whether they have all held long enough for the
    set to start. A check that is not available (no load cell) does not hold the set up."""

    def __init__(self, coach: CoachConfig, max_tension_n: float, hold_s: float) -> None:
        self.coach = coach
        self.limits = ViewLimits(coach.view_max_angle_deg, coach.view_min_torso)
        self.max_tension_n = max_tension_n
        self.hold_s = hold_s
        self.ok_since: float | None = None  # first frame of the current run of passes

    def check(self, frame: PoseFrame, side: Side, tension_n: float | None) -> list[Check]:
        """The checks for this frame (`tension_n` None: no load cell to check)."""
        checks = setup_checks(frame, side, tension_n, self.coach.band_slack_min_n,
                              self.max_tension_n, self.coach.min_visibility,
                              self.coach.standing_trunk_deg, self.limits)
        if all(c.ok is not False for c in checks):
            if self.ok_since is None:
                self.ok_since = frame.t
        else:
            self.ok_since = None
        return checks

    def held(self, now: float) -> bool:
        """Every check has passed for the last `hold_s` seconds."""
        return self.ok_since is not None and now - self.ok_since >= self.hold_s

    def reset(self) -> None:
        self.ok_since = None
