"""Coach a whole recording: pose stream and optional tension stream in, report out.

The report's `to_dict` is the `--json` output of `station analyze`, `station replay` and
`station demo`: `reps`, `buzzes`, `summary`, `side`.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np

from station.coach.coach import Coach
from station.coach.features import facing_vote
from station.coach.tuning import Tuning
from station.config import CoachConfig
from station.domain import (
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


@dataclass
class Report:
    """What the coach found in a recording."""

    reps: list[RepResult] = field(default_factory=list)
    buzzes: list[FaultDetected] = field(default_factory=list)
    side: Side | None = None
    band_gains: dict[Side, float] = field(default_factory=dict)  # as the coach learned them

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.reps)

    def to_dict(self) -> dict:
        return {
            "reps": [r.to_dict() for r in self.reps],
            "buzzes": [{"t": round(b.t, 3), "fault": b.fault.value} for b in self.buzzes],
            "summary": {"reps": len(self.reps), "passed": self.passed,
                        "failed": len(self.reps) - self.passed},
            "side": self.side.value if self.side else None,
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


def analyze(pose: PoseStream, tension: TensionStream | None, config: CoachConfig,
            band_gains: Mapping[Side, float] | None = None, pose_delay: float = 0.0, *,
            tuning: Tuning | None = None) -> Report:
    """Run the coach over a recording and collect its report (`band_gains`: what the
    station already knows of its band, and `tuning`, as `Coach` takes them; `pose_delay`:
    as `merged`)."""
    coach = Coach(config, band_gains, tuning=tuning)
    report = Report()
    samples = tension.samples() if tension is not None else None
    for item in merged(pose.frames(), samples, pose_delay):
        if isinstance(item, PoseFrame):
            report.add(coach.add_pose(item))
        else:
            report.add(coach.add_tension(item))
    report.add(coach.finish(float(pose.t[-1]) if len(pose) else 0.0))
    report.band_gains = coach.band_gains
    if report.side is None and len(pose):
        # Too few frames with a person to settle the side live: decide on all of them.
        votes = [facing_vote(f) for f in pose.frames() if f.has_person]
        if votes:
            report.side = Side.RIGHT if float(np.sum(votes)) >= 0 else Side.LEFT
    return report
