"""The words every part of the station shares: pose frames, tension samples, coach events.

Every time is in seconds on one monotonic clock (never wall time). Values are frozen
dataclasses so they can cross threads and processes safely.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

# MediaPipe's 33-landmark order (the indices the coach and the simulator use).
NOSE = 0
LEFT_EYE = 2
RIGHT_EYE = 5
LEFT_EAR = 7
RIGHT_EAR = 8
LEFT_SHOULDER = 11
RIGHT_SHOULDER = 12
LEFT_ELBOW = 13
RIGHT_ELBOW = 14
LEFT_WRIST = 15
RIGHT_WRIST = 16
LEFT_HIP = 23
RIGHT_HIP = 24
LEFT_KNEE = 25
RIGHT_KNEE = 26
LEFT_ANKLE = 27
RIGHT_ANKLE = 28
LEFT_HEEL = 29
RIGHT_HEEL = 30
LEFT_FOOT_INDEX = 31
RIGHT_FOOT_INDEX = 32
NUM_LANDMARKS = 33

# Skeleton edges for drawing (pairs of landmark indices).
SKELETON_EDGES: tuple[tuple[int, int], ...] = (
    (LEFT_EAR, LEFT_EYE), (RIGHT_EAR, RIGHT_EYE), (LEFT_EYE, NOSE), (RIGHT_EYE, NOSE),
    (LEFT_SHOULDER, RIGHT_SHOULDER), (LEFT_HIP, RIGHT_HIP),
    (LEFT_SHOULDER, LEFT_ELBOW), (LEFT_ELBOW, LEFT_WRIST),
    (RIGHT_SHOULDER, RIGHT_ELBOW), (RIGHT_ELBOW, RIGHT_WRIST),
    (LEFT_SHOULDER, LEFT_HIP), (RIGHT_SHOULDER, RIGHT_HIP),
    (LEFT_HIP, LEFT_KNEE), (LEFT_KNEE, LEFT_ANKLE),
    (RIGHT_HIP, RIGHT_KNEE), (RIGHT_KNEE, RIGHT_ANKLE),
    (LEFT_ANKLE, LEFT_HEEL), (LEFT_HEEL, LEFT_FOOT_INDEX), (LEFT_ANKLE, LEFT_FOOT_INDEX),
    (RIGHT_ANKLE, RIGHT_HEEL), (RIGHT_HEEL, RIGHT_FOOT_INDEX), (RIGHT_ANKLE, RIGHT_FOOT_INDEX),
)


class Side(StrEnum):
    """The side of the body nearest the camera, which is also the way the athlete faces.

    An athlete facing image-right shows the camera their right side.
    """

    LEFT = "left"
    RIGHT = "right"


class Fault(StrEnum):
    """The faults of the hinge. Their names are a contract (docs/formats.md): reports and the
    session log use them."""

    HIPS_STOPPED = "hips_stopped"
    KNEE_BEND = "knee_bend"
    STICK_CONTACT = "stick_contact"
    SHALLOW = "shallow"
    BAND_SLACK = "band_slack"


class Phase(StrEnum):
    """Where the athlete is in a rep."""

    STANDING = "standing"
    DESCENDING = "descending"
    BOTTOM = "bottom"
    ASCENDING = "ascending"


@dataclass(frozen=True, slots=True, eq=False)
class PoseFrame:
    """One camera frame's pose: 33 landmarks (x, y normalised to the image, z, visibility).

    A frame with no person in view has NaN landmarks.
    """

    t: float
    landmarks: np.ndarray  # float32 [33, 4]
    width: int
    height: int

    @property
    def has_person(self) -> bool:
        # (one sum: NaN anywhere makes it NaN, and it costs half of isfinite().all())
        return math.isfinite(float(self.landmarks[:, :2].sum()))

    @classmethod
    def empty(cls, t: float, width: int, height: int) -> PoseFrame:
        """A frame in which nobody was found."""
        return cls(t, np.full((NUM_LANDMARKS, 4), np.nan, dtype=np.float32), width, height)


@dataclass(frozen=True, slots=True)
class TensionSample:
    """One band-tension reading in newtons."""

    t: float
    force_n: float


@dataclass(frozen=True, slots=True)
class RepResult:
    """A scored rep: its faults (empty when it passed), the one cue to show, and its metrics.

    `judged` is False when the coach counted the rep but gives no verdict on it, `reason`
    says why (the view it was seen from, knees hidden, seen only in part), and `cue` then
    says what to change. `partial`: its start or its end was out of view.
    """

    index: int
    start: float
    end: float
    faults: tuple[Fault, ...]
    cue: str
    metrics: dict[str, float] = field(default_factory=dict)
    judged: bool = True
    partial: bool = False
    reason: str = ""

    @property
    def passed(self) -> bool:
        """Judged, and no fault."""
        return self.judged and not self.faults

    @property
    def failed(self) -> bool:
        """Judged, with a fault."""
        return self.judged and bool(self.faults)

    def to_dict(self) -> dict:
        return {
            "index": self.index,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "passed": self.passed if self.judged else None,
            "faults": [f.value for f in self.faults],
            "cue": self.cue,
            "metrics": {k: round(float(v), 4) for k, v in self.metrics.items()},
            "judged": self.judged,
            "partial": self.partial,
            "reason": self.reason or None,
        }


@dataclass(frozen=True, slots=True)
class RepStarted:
    """The athlete left the standing position: rep `index` (1-based) has begun."""

    t: float
    index: int


@dataclass(frozen=True, slots=True)
class FaultDetected:
    """A fault seen in rep `index`. `live` faults are raised while the rep goes on: buzz."""

    t: float
    index: int
    fault: Fault
    live: bool
    cue: str


@dataclass(frozen=True, slots=True)
class RepScored:
    """Rep finished (the athlete is standing again) and scored."""

    t: float
    rep: RepResult


@dataclass(frozen=True, slots=True)
class SideDetected:
    """The coach settled which way the athlete faces."""

    t: float
    side: Side


Event = RepStarted | FaultDetected | RepScored | SideDetected


@dataclass(frozen=True, eq=False)
class PoseStream:
    """A recorded sequence of pose frames."""

    t: np.ndarray  # float64 [N]
    landmarks: np.ndarray  # float32 [N, 33, 4]
    width: int
    height: int

    def __len__(self) -> int:
        return len(self.t)

    def frames(self) -> Iterator[PoseFrame]:
        for i in range(len(self.t)):
            yield PoseFrame(float(self.t[i]), self.landmarks[i], self.width, self.height)

    @classmethod
    def from_frames(cls, frames: list[PoseFrame], width: int, height: int) -> PoseStream:
        t = np.array([f.t for f in frames], dtype=np.float64)
        lm = (np.stack([f.landmarks for f in frames]).astype(np.float32) if frames
              else np.zeros((0, NUM_LANDMARKS, 4), np.float32))
        return cls(t, lm, width, height)


@dataclass(frozen=True, eq=False)
class TensionStream:
    """A recorded sequence of band-tension samples."""

    t: np.ndarray  # float64 [N]
    force_n: np.ndarray  # float64 [N]

    def __len__(self) -> int:
        return len(self.t)

    def samples(self) -> Iterator[TensionSample]:
        for ti, fi in zip(self.t.tolist(), self.force_n.tolist(), strict=True):
            yield TensionSample(ti, fi)
