"""Coach a whole recording: pose stream and optional tension stream in, report out.

The report's `to_dict` is the `--json` output of `station analyze`, `station replay` and
`station demo`: `reps`, `buzzes`, `summary`, `side`, and `view`: how the camera saw the
athlete, and the stretches of the recording the coach could not judge, with why.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np

from station.coach.coach import Coach
from station.coach.features import facing_vote
from station.coach.tuning import Tuning
from station.coach.view import MESSAGES, REASONS, ViewProblem
from station.config import CoachConfig
from station.domain import (
    LEFT_SHOULDER,
    RIGHT_SHOULDER,
    Event,
    FaultDetected,
    PoseFrame,
    PoseStream,
    RepResult,
    RepScored,
    Side,
    SideDetected,
    TensionSample,
    TensionStream,
)

# Seconds a view problem must last to be a stretch of the report's `view`: the view is
# read over a second, so a shorter one is a flicker at its edge.
_STRETCH_MIN_S = 0.5
# Degrees off side-on past which the camera sees the athlete's front or back more than a
# side: the report then names no side.
_NO_SIDE_DEG = 60.0


@dataclass(frozen=True)
class ViewStretch:
    """A stretch of the recording whose view the coach could not judge from."""

    start: float
    end: float
    problem: ViewProblem

    def to_dict(self) -> dict:
        return {"start": round(self.start, 3), "end": round(self.end, 3),
                "problem": self.problem.value, "reason": REASONS[self.problem],
                "message": MESSAGES[self.problem]}


class _Stretches:
    """Folds each frame's view problem into the stretches of a recording that had one."""

    def __init__(self) -> None:
        self.done: list[ViewStretch] = []
        self._open: ViewStretch | None = None

    def add(self, t: float, problem: ViewProblem | None) -> None:
        now = self._open
        if now is not None and now.problem is problem:
            self._open = ViewStretch(now.start, t, problem)
            return
        self.close()
        if problem is not None:
            self._open = ViewStretch(t, t, problem)

    def close(self) -> None:
        now, self._open = self._open, None
        if now is not None and now.end - now.start >= _STRETCH_MIN_S:
            self.done.append(now)


@dataclass
class Report:
    """What the coach found in a recording."""

    reps: list[RepResult] = field(default_factory=list)
    buzzes: list[FaultDetected] = field(default_factory=list)
    side: Side | None = None
    band_gains: dict[Side, float] = field(default_factory=dict)  # as the coach learned them
    angle_deg: float | None = None  # the view: median degrees off side-on with a person seen
    stretches: list[ViewStretch] = field(default_factory=list)
    # Seen from the front ("front") or the back ("back") when no side faces the camera.
    seen_from: str | None = None

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.reps)

    @property
    def failed(self) -> int:
        return sum(r.failed for r in self.reps)

    @property
    def not_judged(self) -> int:
        return sum(not r.judged for r in self.reps)

    def to_dict(self) -> dict:
        return {
            "reps": [r.to_dict() for r in self.reps],
            "buzzes": [{"t": round(b.t, 3), "fault": b.fault.value} for b in self.buzzes],
            "summary": {"reps": len(self.reps), "passed": self.passed, "failed": self.failed,
                        "not_judged": self.not_judged,
                        "partial": sum(r.partial for r in self.reps)},
            "side": self.side.value if self.side else None,
            "view": {
                "angle_deg": None if self.angle_deg is None else round(self.angle_deg, 1),
                "judged": not self.stretches,
                "stretches": [s.to_dict() for s in self.stretches],
            },
        }

    def add(self, events: list[Event]) -> None:
        """Fold the coach's events into the report."""
        for e in events:
            if isinstance(e, RepScored):
                self.reps.append(e.rep)
            elif isinstance(e, FaultDetected) and e.live:
                self.buzzes.append(e)
            elif isinstance(e, SideDetected):
                self.side = e.side


def merged(frames: Iterable[PoseFrame], samples: Iterable[TensionSample] | None,
           pose_delay: float = 0.0) -> Iterator[PoseFrame | TensionSample]:
    """Pose frames and tension samples (each in time order) in one stream, in the order they
    reach the coach: by time stamp (tension first on ties), each frame `pose_delay` seconds
    after its own (on the station a frame waits for its pose; the load cell's samples come
    at once)."""
    if samples is None:
        yield from frames
        return
    streams: list[Iterator[tuple[float, int, PoseFrame | TensionSample]]] = [
        ((f.t + pose_delay, 1, f) for f in frames),
        ((s.t, 0, s) for s in samples)]
    for _, _, item in heapq.merge(*streams, key=lambda x: (x[0], x[1])):
        yield item


def seen_from(pose: PoseStream) -> str | None:
    """"front" or "back": which a camera that sees no side of the athlete sees, by where
    MediaPipe puts the left shoulder (its points are the body's own sides: facing the
    camera, the left shoulder is on the picture's right). None with nobody in view."""
    seen = ~np.isnan(pose.landmarks[:, LEFT_SHOULDER, 0])
    if not seen.any():
        return None
    gap = pose.landmarks[seen, LEFT_SHOULDER, 0] - pose.landmarks[seen, RIGHT_SHOULDER, 0]
    return "front" if float(np.median(gap)) > 0.0 else "back"


def analyze(pose: PoseStream, tension: TensionStream | None, config: CoachConfig,
            band_gains: Mapping[Side, float] | None = None, pose_delay: float = 0.0, *,
            tuning: Tuning | None = None) -> Report:
    """Run the coach over a recording and collect its report (`band_gains`: what the
    station already knows of its band, and `tuning`, as `Coach` takes them; `pose_delay`:
    as `merged`)."""
    coach = Coach(config, band_gains, tuning=tuning)
    report = Report()
    samples = tension.samples() if tension is not None else None
    angles: list[float] = []
    stretches = _Stretches()
    for item in merged(pose.frames(), samples, pose_delay):
        if isinstance(item, PoseFrame):
            report.add(coach.add_pose(item))
            # (Out of view, the frame's own reading: why nobody is seen, at once.)
            problems = coach.view_problems if coach.person_seen else coach.frame_view_problems
            stretches.add(item.t, problems[0] if problems else None)
            angle = coach.view_angle
            if angle is not None:
                angles.append(angle)
        else:
            report.add(coach.add_tension(item))
    report.add(coach.finish(float(pose.t[-1]) if len(pose) else 0.0))
    stretches.close()
    report.stretches = stretches.done
    report.band_gains = coach.band_gains
    report.angle_deg = float(np.median(angles)) if angles else None
    if report.angle_deg is not None and report.angle_deg > _NO_SIDE_DEG:
        report.side = None  # seen from the front or back: no side faces the camera
        report.seen_from = seen_from(pose)
    elif report.side is None and len(pose):
        # Too few frames with a person to settle the side live: decide on all of them.
        votes = [facing_vote(f) for f in pose.frames() if f.has_person]
        if votes:
            report.side = Side.RIGHT if float(np.sum(votes)) >= 0 else Side.LEFT
    return report
