"""The view check: can the coach judge the athlete from where the camera sees them?

From one frame's landmarks it reads how side-on the athlete stands, whether the whole body
is in the picture and whether it is big enough; over the last second it says what, if
anything, is wrong with the view, and the words the kiosk shows to put it right. The coach
judges reps only from a view with nothing wrong (counting may go on).

How side-on: seen square-on, MediaPipe's two shoulder points lie about two thirds of the
torso's length apart (0.66 on the real front-view clip; a hip-to-shoulder line is 0.29 of
stature, the shoulder joints 0.19 apart); seen side-on they overlap. Turned `a` degrees off
side-on they are `0.66 * sin(a)` torso lengths apart, so `a = asin(gap / 0.66)`. On the real
clips this reads 1-17 degrees on every side view, 42-49 on the oblique ones (labelled 30-45)
and 80-90 from the front. The hips say the same more weakly (0.36 square-on) and are what a
plate hides, so the shoulders alone are read. MediaPipe's depth (z) and the far side's
visibility were measured too and do not tell the views apart: z puts the shoulders 2.0-2.6
torso lengths apart in every view, and the far knee's visibility is 0.14-0.6 side-on and
0.5-0.9 obliquely.

In the picture: MediaPipe places landmarks beyond the image's edges when a part is out of
it (a head above the top when the camera is close), and loses the person when too much is
out; a person lost right after being seen at an edge went out over that edge.

Big enough: the torso's length (mid-shoulder to mid-hip: the same in every posture of a
side-on hinge, unlike the body's height) against the picture's height.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from enum import StrEnum
from operator import itemgetter
from typing import NamedTuple

from station import domain as lm
from station.domain import PoseFrame

# Torso lengths between MediaPipe's two shoulder points seen square-on.
SHOULDER_SPAN = 0.66
# The landmarks `read_frame` reads, in one C call.
_POINTS = itemgetter(
    lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER, lm.LEFT_HIP, lm.RIGHT_HIP, lm.NOSE, lm.LEFT_EYE,
    lm.RIGHT_EYE, lm.LEFT_EAR, lm.RIGHT_EAR, lm.LEFT_KNEE, lm.RIGHT_KNEE, lm.LEFT_ANKLE,
    lm.RIGHT_ANKLE, lm.LEFT_HEEL, lm.RIGHT_HEEL, lm.LEFT_FOOT_INDEX, lm.RIGHT_FOOT_INDEX)

class ViewProblem(StrEnum):
    """What keeps the coach from judging (the first listed speaks first)."""

    NOBODY = "nobody"
    HEAD_OUT = "head_out"
    FEET_OUT = "feet_out"
    OFF_EDGE = "off_edge"
    NOT_SIDE_ON = "not_side_on"
    TOO_SMALL = "too_small"


_ORDER = tuple(ViewProblem)

MESSAGES: dict[ViewProblem, str] = {
    ViewProblem.NOBODY: "Step into the picture, side-on to the camera",
    ViewProblem.HEAD_OUT: "Step back: your head is out of the picture",
    ViewProblem.FEET_OUT: "Step back: your feet are out of the picture",
    ViewProblem.OFF_EDGE: "Move to the middle of the picture",
    ViewProblem.NOT_SIDE_ON: "Turn side-on to the camera",
    ViewProblem.TOO_SMALL: "Come closer",
}

# Why a rep got no verdict, in the report (the message says what to change).
REASONS: dict[ViewProblem, str] = {
    ViewProblem.NOBODY: "the athlete was out of view",
    ViewProblem.HEAD_OUT: "the head was out of the picture",
    ViewProblem.FEET_OUT: "the feet were out of the picture",
    ViewProblem.OFF_EDGE: "the body was cut by the picture's edge",
    ViewProblem.NOT_SIDE_ON: "the camera did not see the athlete side-on",
    ViewProblem.TOO_SMALL: "the athlete was too small in the picture",
}


@dataclass(frozen=True)
class ViewLimits:
    """What a judgeable view needs.

    max_angle_deg: degrees off side-on beyond which no verdict is given. min_torso: the
    least torso length (mid-shoulder to mid-hip) as a share of the picture's height.
    window_s: seconds of frames the view is read over. edge_margin: share of the picture
    from an edge within which a person who is then lost went out over that edge.
    """

    max_angle_deg: float = 25.0
    min_torso: float = 0.1
    window_s: float = 1.0
    edge_margin: float = 0.05


class ViewReading(NamedTuple):
    """What one frame shows of the view. `angle_deg`: degrees off side-on (None when the
    shoulders or hips are missing); `torso`: torso length over the picture's height. (An
    immutable tuple: one is made for every frame, three times quicker than a frozen
    dataclass.)"""

    t: float
    person: bool
    angle_deg: float | None = None
    torso: float | None = None
    head_out: bool = False
    feet_out: bool = False
    off_edge: bool = False
    # Near an edge (within edge_margin): where a person lost next went out.
    head_near_top: bool = False
    feet_near_bottom: bool = False
    near_side_edge: bool = False


def read_frame(frame: PoseFrame, limits: ViewLimits = ViewLimits(),
               rows: list[list[float]] | None = None) -> ViewReading:
    """One frame's view: how side-on, how big, and what is out of the picture (`rows`:
    its landmarks as lists, when the caller has them and there is a person in it)."""
    if rows is None:
        if not frame.has_person:
            return ViewReading(frame.t, False)
        rows = frame.landmarks.tolist()
    w, h = frame.width, frame.height
    ls, rs, lh, rh, nose, leye, reye, lear, rear, lk, rk, la, ra, lhe, rhe, lt, rt = _POINTS(rows)
    angle = torso = None
    length = math.hypot(0.5 * (ls[0] + rs[0] - lh[0] - rh[0]) * w,
                        0.5 * (ls[1] + rs[1] - lh[1] - rh[1]) * h)
    if length >= 1.0:  # (NaN fails this too)
        gap = abs(ls[0] - rs[0]) * w / length
        angle = math.degrees(math.asin(min(1.0, gap / SHOULDER_SPAN)))
        torso = length / h
    m = limits.edge_margin
    # (Plain min/max over the few points: this runs on every frame. Left and right, the
    # nose, trunk, knees and the feet's ends bound the body side-on; the ears and eyes lie
    # within them.)
    head_top = min(nose[1], leye[1], reye[1], lear[1], rear[1])
    feet_bottom = max(la[1], ra[1], lhe[1], rhe[1], lt[1], rt[1])
    xs = (nose[0], ls[0], rs[0], lh[0], rh[0], lk[0], rk[0], lhe[0], rhe[0], lt[0], rt[0])
    left, right = min(xs), max(xs)
    return ViewReading(frame.t, True, angle, torso, head_top < 0.0, feet_bottom > 1.0,
                       left < 0.0 or right > 1.0, head_top < m, feet_bottom > 1.0 - m,
                       left < m or right > 1.0 - m)


def problems_of(reading: ViewReading, limits: ViewLimits,
                last_seen: ViewReading | None = None) -> tuple[ViewProblem, ...]:
    """What is wrong with one frame's view. A frame without a person inherits where the
    last one seen was going out of the picture (`last_seen`); else nobody is in view."""
    if reading.person and not (
            reading.head_out or reading.feet_out or reading.off_edge
            or (reading.angle_deg is not None and reading.angle_deg > limits.max_angle_deg)
            or (reading.torso is not None and reading.torso < limits.min_torso)):
        return ()  # the common case, first: nothing wrong
    if not reading.person:
        if last_seen is not None:
            out = ((ViewProblem.HEAD_OUT, last_seen.head_out or last_seen.head_near_top),
                   (ViewProblem.FEET_OUT, last_seen.feet_out or last_seen.feet_near_bottom),
                   (ViewProblem.OFF_EDGE, last_seen.off_edge or last_seen.near_side_edge))
            gone = tuple(p for p, on in out if on)
            if gone:
                return gone
        return (ViewProblem.NOBODY,)
    found: list[ViewProblem] = []
    if reading.head_out:
        found.append(ViewProblem.HEAD_OUT)
    if reading.feet_out:
        found.append(ViewProblem.FEET_OUT)
    if reading.off_edge:
        found.append(ViewProblem.OFF_EDGE)
    if reading.angle_deg is not None and reading.angle_deg > limits.max_angle_deg:
        found.append(ViewProblem.NOT_SIDE_ON)
    if reading.torso is not None and reading.torso < limits.min_torso:
        found.append(ViewProblem.TOO_SMALL)
    return tuple(found)


@dataclass(frozen=True)
class View:
    """The view over the last second: the angle off side-on (median), the torso's share of
    the picture (median), and what is wrong (problems seen in at least half of its frames
    with the athlete in them, or of all its frames when there are none; the first listed in
    ViewProblem's order first)."""

    t: float
    angle_deg: float | None
    torso: float | None
    problems: tuple[ViewProblem, ...]

    @property
    def judgeable(self) -> bool:
        return not self.problems

    @property
    def problem(self) -> ViewProblem | None:
        return self.problems[0] if self.problems else None

    @property
    def message(self) -> str:
        """What the kiosk says to put the view right ('' when nothing is wrong)."""
        return MESSAGES[self.problems[0]] if self.problems else ""


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    n = len(ordered)
    mid = n // 2
    return ordered[mid] if n % 2 else 0.5 * (ordered[mid - 1] + ordered[mid])


class ViewCheck:
    """Reads the view frame by frame and says, over the last `window_s`, what is wrong.

    Cheap enough for every frame: the window's problems are counted as frames come and go;
    the medians of its angle and torso are read only when `view` is asked for."""

    def __init__(self, limits: ViewLimits = ViewLimits()) -> None:
        self.limits = limits
        self._start()

    def _start(self) -> None:
        self._window: deque[ViewReading] = deque()
        self._frame_problems: deque[tuple[ViewProblem, ...]] = deque()
        # Per problem, the window's frames with it: with a person in them, and without.
        self._counts: dict[bool, dict[ViewProblem, int]] = {
            True: dict.fromkeys(_ORDER, 0), False: dict.fromkeys(_ORDER, 0)}
        self._frames = {True: 0, False: 0}  # the window's frames with and without a person
        self._flagged = {True: 0, False: 0}  # the problems counted over each kind of frame
        self._last_seen: ViewReading | None = None
        self._view: View | None = None
        self.problems: tuple[ViewProblem, ...] = (ViewProblem.NOBODY,)  # over the window
        self.frame_problems: tuple[ViewProblem, ...] = (ViewProblem.NOBODY,)  # the last one's
        self.t = 0.0
        self.last_angle: float | None = None  # the last frame's degrees off side-on

    def reset(self) -> None:
        """Forget every frame read so far."""
        self._start()

    @property
    def judgeable(self) -> bool:
        """Whether a fault may be called now: nothing wrong with the view over the last
        second, nor with the last frame's own (a turn parts the shoulders at once)."""
        return not self.problems and not self.frame_problems

    @property
    def view(self) -> View:
        """The view over the last second (its medians read now)."""
        if self._view is None:
            window = self._window
            self._view = View(
                self.t, _median([r.angle_deg for r in window if r.angle_deg is not None]),
                _median([r.torso for r in window if r.torso is not None]), self.problems)
        return self._view

    def add(self, frame: PoseFrame, rows: list[list[float]] | None = None) -> None:
        """One pose frame (`rows`: its landmarks as lists, when the caller has them)."""
        self.add_reading(read_frame(frame, self.limits, rows))

    def add_reading(self, reading: ViewReading) -> None:
        limits = self.limits
        problems = problems_of(reading, limits, self._last_seen)
        self.frame_problems, self.t, self._view = problems, reading.t, None
        self.last_angle = reading.angle_deg
        if reading.person:
            self._last_seen = reading
        self._window.append(reading)
        self._frame_problems.append(problems)
        flagged = self._flagged
        if problems:
            counts = self._counts[reading.person]
            for p in problems:
                counts[p] += 1
            flagged[reading.person] += len(problems)
        self._frames[reading.person] += 1
        oldest = reading.t - limits.window_s
        while self._window[0].t < oldest:
            gone = self._window.popleft()
            gone_problems = self._frame_problems.popleft()
            if gone_problems:
                counts = self._counts[gone.person]
                for p in gone_problems:
                    counts[p] -= 1
                flagged[gone.person] -= len(gone_problems)
            self._frames[gone.person] -= 1
        # Frames with the athlete in them say what is wrong with the view; only when there
        # are none does the window say why nobody is seen (gone over an edge, or away).
        person = self._frames[True] > 0
        if not flagged[person]:
            self.problems = ()  # (the common case: no frame of the window had a problem)
            return
        counts, half = self._counts[person], 0.5 * self._frames[person]
        self.problems = tuple(p for p in _ORDER if counts[p] > 0 and counts[p] >= half)
