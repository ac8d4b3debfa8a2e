"""The simulated side-view camera and MediaPipe: joints in metres to noisy landmarks.

A pinhole camera looks at the athlete's side from `distance` metres, possibly turned (yaw)
and tilted (roll). Landmark noise copies what MediaPipe 0.10.18 does in the real clips of
../shared/data: small, time-correlated jitter (its tracking smooths), far-side legs seen
through the near ones (low visibility, more jitter), and frames in which the person is lost.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from station.sim.body import Body, Joints
from station.types import NUM_LANDMARKS

# Which landmarks (left, right) each simulated joint drives. The head's centre ones are single.
_PAIRED = {
    "eye": ((1, 2, 3), (4, 5, 6)),  # inner, centre, outer eye
    "ear": ((7,), (8,)),
    "mouth": ((9,), (10,)),
    "shoulder": ((11,), (12,)),
    "hip": ((23,), (24,)),
    "knee": ((25,), (26,)),
    "ankle": ((27,), (28,)),
    "heel": ((29,), (30,)),
    "toe": ((31,), (32,)),
}
# The near arm holds the stick low, the far arm high (elbow, wrist, pinky, index, thumb).
_NEAR_ARM = {"left": (13, 15, 17, 19, 21), "right": (14, 16, 18, 20, 22)}
_FAR_LEG_JOINTS = ("knee", "ankle", "heel", "toe")
_NOISE_SCALE = {"eye": 0.5, "ear": 0.5, "mouth": 0.5, "shoulder": 0.7, "hip": 1.0,
                "knee": 1.3, "ankle": 1.0, "heel": 1.0, "toe": 1.0}


@dataclass(frozen=True)
class CameraView:
    """Where the camera stands and how good the pose estimate is."""

    width: int = 640
    height: int = 480
    hfov_deg: float = 62.2  # Raspberry Pi camera module v2
    distance: float = 2.6  # metres from the athlete's side
    cam_height: float = 1.0  # metres above the floor
    x_offset: float = 0.0  # metres: where the ankle stands left/right of the optical axis
    yaw_deg: float = 0.0  # camera turned off the perpendicular
    roll_deg: float = 0.0  # camera tilted about its optical axis
    noise_px: float = 1.0  # landmark jitter, standard deviation in pixels
    drop_rate: float = 0.01  # fraction of frames in which MediaPipe loses the person

    @property
    def focal_px(self) -> float:
        return (self.width / 2) / math.tan(math.radians(self.hfov_deg / 2))


class LandmarkCamera:
    """Projects joints to MediaPipe-style landmarks, with MediaPipe-like noise and dropouts."""

    def __init__(self, view: CameraView, body: Body, facing_right: bool,
                 rng: np.random.Generator) -> None:
        self.view = view
        self.body = body
        self.facing_right = facing_right
        self.rng = rng
        self._noise = np.zeros((NUM_LANDMARKS, 2))
        self._noise_scale = np.full(NUM_LANDMARKS, 1.0)
        near, far = ("right", "left") if facing_right else ("left", "right")
        self._near, self._far = near, far
        far_side = 0 if far == "left" else 1
        # MediaPipe is steadiest on the face and least steady on the knees: the real clips'
        # frame-to-frame jitter on ears is about a third of that on knees.
        for name, scale in _NOISE_SCALE.items():
            for idx in _PAIRED[name]:
                self._noise_scale[list(idx)] = scale
        for name in _FAR_LEG_JOINTS:
            for i in _PAIRED[name][far_side]:
                self._noise_scale[i] = 3.0
        self._burst = 0

    def _project(self, xy: np.ndarray, depth: float) -> tuple[float, float, float]:
        """Image position (normalised) and MediaPipe-like z of a point at body x, y, depth."""
        v = self.view
        sign = 1.0 if self.facing_right else -1.0
        x = sign * xy[0] + v.x_offset
        yaw = math.radians(v.yaw_deg)
        xc = x * math.cos(yaw) + depth * math.sin(yaw)
        zc = v.distance - x * math.sin(yaw) + depth * math.cos(yaw)
        f = v.focal_px
        u = f * xc / zc
        w = -f * (xy[1] - v.cam_height) / zc
        roll = math.radians(v.roll_deg)
        u, w = u * math.cos(roll) - w * math.sin(roll), u * math.sin(roll) + w * math.cos(roll)
        return ((u + v.width / 2) / v.width, (w + v.height / 2) / v.height,
                (zc - v.distance) * f / zc / v.width)

    def landmarks(self, joints: Joints) -> np.ndarray:
        """One frame's [33, 4] landmarks (x, y, z, visibility); all NaN when the person is lost."""
        v = self.view
        rng = self.rng
        out = np.zeros((NUM_LANDMARKS, 4), dtype=np.float64)
        half = self.body.hip_width / 2
        near_side = 1 if self._near == "right" else 0
        for name, sides in _PAIRED.items():
            pos = getattr(joints, name)
            for side_i, idx in enumerate(sides):
                near = side_i == near_side
                depth = -half if near else half
                if name in ("eye", "ear", "mouth"):
                    depth *= 0.35
                for k, i in enumerate(idx):
                    x, y, z = self._project(pos, depth - 0.005 * k)
                    out[i, :3] = (x, y, z)
                    out[i, 3] = rng.uniform(0.93, 1.0)
                    if not near and name in _FAR_LEG_JOINTS:
                        out[i, 3] = rng.uniform(0.15, 0.6)
                    elif not near and name in ("eye", "ear"):
                        out[i, 3] = rng.uniform(0.75, 0.99)
        out[0, :3] = self._project(joints.nose, 0.0)
        out[0, 3] = rng.uniform(0.97, 1.0)
        arms = {self._near: (joints.elbow_low, joints.wrist_low),
                self._far: (joints.elbow_top, joints.wrist_top)}
        for side, (elbow, wrist) in arms.items():
            depth = -half if side == self._near else half
            idx = _NEAR_ARM[side]
            out[idx[0], :3] = self._project(elbow, depth)
            for i in idx[1:]:
                out[i, :3] = self._project(wrist, depth)
            out[list(idx), 3] = rng.uniform(0.4, 0.95) if side == self._far else 0.9
        # MediaPipe's tracking smooths: its jitter is correlated from frame to frame.
        rho = 0.8
        fresh = rng.normal(0.0, v.noise_px, size=(NUM_LANDMARKS, 2)) * self._noise_scale[:, None]
        self._noise = rho * self._noise + math.sqrt(1 - rho * rho) * fresh
        out[:, 0] += self._noise[:, 0] / v.width
        out[:, 1] += self._noise[:, 1] / v.height
        if self._lost():
            out[:] = np.nan
        return out.astype(np.float32)

    def _lost(self) -> bool:
        """Whether this frame loses the person: rare single frames, and short bursts."""
        if self._burst > 0:
            self._burst -= 1
            return True
        r = self.rng.random()
        if r < self.view.drop_rate * 0.2:
            self._burst = int(self.rng.integers(2, 8))
            return True
        return r < self.view.drop_rate
