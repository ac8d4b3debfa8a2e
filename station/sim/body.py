"""A 2-D side-view body: segment lengths from height, joint angles to joint positions.

Proportions are Winter's anthropometric fractions of standing height (Biomechanics and Motor
Control of Human Movement, 4th ed., fig. 4.1): ankle 0.039 H, knee 0.285 H, hip (greater
trochanter) 0.530 H, shoulder 0.818 H, ear about 0.91 H, foot length 0.152 H.

Coordinates are metres in the sagittal plane: x points the way the athlete faces, y up,
origin on the floor under the ankle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Body:
    """Segment lengths (metres) of one athlete."""

    height: float
    ankle_h: float
    shank: float
    thigh: float
    trunk: float
    neck: float  # shoulder to ear
    foot: float
    hip_width: float

    @classmethod
    def from_height(cls, height: float) -> Body:
        return cls(
            height=height,
            ankle_h=0.039 * height,
            shank=0.246 * height,
            thigh=0.245 * height,
            trunk=0.288 * height,
            neck=0.094 * height,
            foot=0.152 * height,
            hip_width=0.191 * height,
        )

    @property
    def leg_length(self) -> float:
        """Hip to knee to ankle: the unit the coach measures hip travel in."""
        return self.thigh + self.shank


@dataclass(frozen=True)
class Posture:
    """Joint angles (degrees) at one instant.

    shin: forward tilt of the shank from vertical (knee ahead of ankle is positive).
    hip_back: how far the hip is behind the ankle (metres); the thigh angle follows from it.
    trunk: forward lean of the lower trunk from vertical.
    rounding: extra forward bend of the upper back over the lower trunk.
    neck: forward bend of the head line (shoulder to ear) over the upper trunk.
    """

    shin: float
    hip_back: float
    trunk: float
    rounding: float
    neck: float


@dataclass(frozen=True)
class Joints:
    """Joint positions (metres, [2] arrays of x forward, y up) and the knee flexion they imply."""

    toe: np.ndarray
    heel: np.ndarray
    ankle: np.ndarray
    knee: np.ndarray
    hip: np.ndarray
    shoulder: np.ndarray
    ear: np.ndarray
    nose: np.ndarray
    eye: np.ndarray
    mouth: np.ndarray
    elbow_top: np.ndarray
    wrist_top: np.ndarray
    elbow_low: np.ndarray
    wrist_low: np.ndarray
    knee_flexion: float


def _unit(angle_deg: float) -> np.ndarray:
    """Direction at `angle_deg` forward of straight up."""
    a = math.radians(angle_deg)
    return np.array([math.sin(a), math.cos(a)])


def pose_joints(body: Body, p: Posture) -> Joints:
    """Forward kinematics: place every joint for posture `p`. Feet stay flat on the floor."""
    ankle = np.array([0.0, body.ankle_h])
    heel = np.array([-0.25 * body.foot, 0.2 * body.ankle_h])
    toe = np.array([0.75 * body.foot, 0.15 * body.ankle_h])
    knee = ankle + body.shank * _unit(p.shin)
    # The thigh tilts back by whatever angle puts the hip `hip_back` behind the ankle.
    s = (p.hip_back + body.shank * math.sin(math.radians(p.shin))) / body.thigh
    thigh_back = math.degrees(math.asin(max(-1.0, min(1.0, s))))
    hip = knee + body.thigh * _unit(-thigh_back)
    mid = hip + 0.5 * body.trunk * _unit(p.trunk)
    upper = p.trunk + p.rounding
    shoulder = mid + 0.5 * body.trunk * _unit(upper)
    head = upper + p.neck
    ear = shoulder + body.neck * _unit(head)
    face = _unit(head + 90.0)  # forward, perpendicular to the head line
    up = _unit(head)
    nose = ear + 0.055 * body.height * face - 0.012 * body.height * up
    eye = ear + 0.045 * body.height * face + 0.004 * body.height * up
    mouth = nose - 0.022 * body.height * up
    # Hands hold the stick: the top hand behind the neck, the low hand at the small of the back.
    back = _unit(upper - 90.0)
    wrist_top = shoulder + 0.05 * body.height * up + 0.06 * body.height * back
    elbow_top = shoulder + 0.10 * body.height * _unit(upper - 135.0)
    wrist_low = (hip + 0.35 * body.trunk * _unit(p.trunk)
                 + 0.07 * body.height * _unit(p.trunk - 90.0))
    elbow_low = shoulder + 0.14 * body.height * _unit(upper - 150.0)
    knee_flexion = thigh_back + p.shin
    return Joints(toe, heel, ankle, knee, hip, shoulder, ear, nose, eye, mouth,
                  elbow_top, wrist_top, elbow_low, wrist_low, knee_flexion)
