"""The simulated side-view camera and MediaPipe: joints in metres to noisy landmarks.

A pinhole camera looks at the athlete's side from `distance` metres, possibly turned (yaw)
and tilted (roll). Landmark noise copies what MediaPipe 0.10.18 does in the real clips of
../shared/data: small, time-correlated jitter (its tracking smooths), far-side legs seen
through the near ones (low visibility, more jitter), and frames in which the person is lost.

What real cameras add (issue 24's clips), each off unless the view asks for it, and drawn
from the camera's own `extra_rng` so the sets without them stay as they were:

- a plate in front of the thighs (`plate_radius`): MediaPipe keeps the hips it cannot see
  fully visible but lets them wander, and jumps the knee and ankle behind it about, their
  visibility half-hearted (on the real barbell clips the leg's points leapt by half a segment
  in half the frames, the hips read 1.0);
- a head out of the picture (`head_cut`): once the nose is above the top edge, the person
  is lost (as on the close-up clip at lockout);
- a second person (`walker`, in the set: see session.py) whom MediaPipe follows for a few
  frames at a time while they pass behind.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from station.domain import NUM_LANDMARKS
from station.sim.body import Body, Joints

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
    plate_radius: float = 0.0  # metres: a plate in front of the thighs (0: none)
    head_cut: bool = False  # the person is lost while the nose is above the picture

    @property
    def focal_px(self) -> float:
        return (self.width / 2) / math.tan(math.radians(self.hfov_deg / 2))


class LandmarkCamera:
    """Projects joints to MediaPipe-style landmarks, with MediaPipe-like noise and dropouts.

    The athlete may turn about the vertical (`turn`, radians from the facing they started
    with) and walk along the image (`shift`, metres): landmarks that leave the image lose
    their visibility, and MediaPipe loses the person once the hips are out of frame.
    """

    def __init__(self, view: CameraView, body: Body, facing_right: bool,
                 rng: np.random.Generator, fps: float = 30.0,
                 extra_rng: np.random.Generator | None = None) -> None:
        self.view = view
        self.body = body
        self.facing_right = facing_right
        self.rng = rng
        self.extra_rng = extra_rng or np.random.default_rng(0)
        self._jump = np.zeros((NUM_LANDMARKS, 2))  # a hidden point's current leap (pixels)
        self._jump_left = 0
        self.fps = fps  # frames with landmarks a second (a burst of loss lasts a time)
        self._noise = np.zeros((NUM_LANDMARKS, 2))
        self._burst = 0
        near, far = ("right", "left") if facing_right else ("left", "right")
        self._near, self._far = near, far
        self._leg_points = [i for name in ("knee", "ankle", "heel", "toe")
                            for pair in _PAIRED[name] for i in pair]
        # Per landmark: which joint drives it, its lateral offset (metres, + toward the
        # athlete's left), which body side it is on (-1 right, +1 left, 0 centre), the
        # visibility range when on the near side and when on the far side, and its jitter.
        half = body.hip_width / 2
        self._joint = ["nose"] * NUM_LANDMARKS
        self._lateral = np.zeros(NUM_LANDMARKS)
        self._body_side = np.zeros(NUM_LANDMARKS)
        self._vis_near = np.tile([0.93, 1.0], (NUM_LANDMARKS, 1))
        self._vis_far = np.tile([0.93, 1.0], (NUM_LANDMARKS, 1))
        self._vis_near[0] = self._vis_far[0] = (0.97, 1.0)
        self._scale_near = np.ones(NUM_LANDMARKS)
        self._scale_far = np.ones(NUM_LANDMARKS)
        for name, sides in _PAIRED.items():
            for side_i, idx in enumerate(sides):
                lateral = half if side_i == 0 else -half
                if name in ("eye", "ear", "mouth"):
                    lateral *= 0.35
                for i in idx:
                    self._joint[i] = name
                    self._lateral[i] = lateral
                    self._body_side[i] = 1.0 if side_i == 0 else -1.0
                    self._scale_near[i] = self._scale_far[i] = _NOISE_SCALE[name]
                    if name in _FAR_LEG_JOINTS:
                        self._vis_far[i] = (0.15, 0.6)
                        self._scale_far[i] = 3.0
                    elif name in ("eye", "ear"):
                        self._vis_far[i] = (0.75, 0.99)
        # The near arm holds the stick low, the far arm high: hands keep their grip on a turn.
        for side, (elbow, wrist) in ((near, ("elbow_low", "wrist_low")),
                                     (far, ("elbow_top", "wrist_top"))):
            idx = _NEAR_ARM[side]
            for k, i in enumerate(idx):
                self._joint[i] = elbow if k == 0 else wrist
                self._lateral[i] = half if side == "left" else -half
                self._body_side[i] = 1.0 if side == "left" else -1.0
                self._vis_near[i] = (0.9, 0.9) if side == near else (0.4, 0.95)
                self._vis_far[i] = (0.4, 0.95)

    def landmarks(self, joints: Joints, turn: float = 0.0, shift: float = 0.0) -> np.ndarray:
        """One frame's [33, 4] landmarks (x, y, z, visibility); all NaN when the person is lost."""
        v = self.view
        rng = self.rng
        pos = np.array([getattr(joints, name) for name in self._joint])
        sign = 1.0 if self.facing_right else -1.0
        c, s = math.cos(turn), math.sin(turn)
        x = sign * (pos[:, 0] * c - self._lateral * s) + v.x_offset + shift
        depth = sign * (pos[:, 0] * s + self._lateral * c)
        yaw = math.radians(v.yaw_deg)
        xc = x * math.cos(yaw) + depth * math.sin(yaw)
        zc = v.distance - x * math.sin(yaw) + depth * math.cos(yaw)
        f = v.focal_px
        u = f * xc / zc
        w = -f * (pos[:, 1] - v.cam_height) / zc
        roll = math.radians(v.roll_deg)
        u, w = u * math.cos(roll) - w * math.sin(roll), u * math.sin(roll) + w * math.cos(roll)
        out = np.empty((NUM_LANDMARKS, 4), dtype=np.float64)
        out[:, 0] = (u + v.width / 2) / v.width
        out[:, 1] = (w + v.height / 2) / v.height
        out[:, 2] = (zc - v.distance) * f / zc / v.width
        # The side nearer the camera is seen; the far side is guessed through the body.
        near = self._body_side * sign * c < 0.0
        near |= self._body_side == 0.0
        lo = np.where(near, self._vis_near[:, 0], self._vis_far[:, 0])
        hi = np.where(near, self._vis_near[:, 1], self._vis_far[:, 1])
        out[:, 3] = rng.uniform(lo, hi)
        scale = np.where(near, self._scale_near, self._scale_far)
        # MediaPipe's tracking smooths: its jitter is correlated from frame to frame.
        rho = 0.8
        fresh = rng.normal(0.0, v.noise_px, size=(NUM_LANDMARKS, 2)) * scale[:, None]
        self._noise = rho * self._noise + math.sqrt(1 - rho * rho) * fresh
        out[:, 0] += self._noise[:, 0] / v.width
        out[:, 1] += self._noise[:, 1] / v.height
        if v.plate_radius > 0.0:
            self._behind_plate(out, u, w, zc, pos, sign, c)
        outside = (out[:, 0] < 0.0) | (out[:, 0] > 1.0) | (out[:, 1] < 0.0) | (out[:, 1] > 1.0)
        out[outside, 3] *= 0.1
        hips_out = outside[23] and outside[24]
        head_out = v.head_cut and out[0, 1] < 0.0
        if self._lost() or hips_out or head_out:
            out[:] = np.nan
        return out.astype(np.float32)

    def _behind_plate(self, out: np.ndarray, u: np.ndarray, w: np.ndarray, zc: np.ndarray,
                      pos: np.ndarray, sign: float, c: float) -> None:
        """The points a plate hides (a disc in front of the thighs, between hip and knee,
        a hand's width forward): their picture as MediaPipe guesses it (see the module)."""
        v, rng = self.view, self.extra_rng
        hip, knee = self._index("hip"), self._index("knee")
        cu = 0.5 * (u[hip] + u[knee]) + sign * c * v.focal_px * 0.1 / zc[hip]
        cw = 0.5 * (w[hip] + w[knee])
        r = v.focal_px * v.plate_radius / zc[hip]
        hidden = np.hypot(u - cu, w - cw) < r
        hidden[[self._index("ankle"), self._index("heel")]] |= hidden[knee]
        if not hidden.any():
            return
        if self._jump_left <= 0 and rng.random() < 0.3:
            # A leap of half a plate or more, held 1-4 frames (at 30 a second).
            self._jump = rng.normal(0.0, 0.6 * r, size=(NUM_LANDMARKS, 2))
            self._jump_left = int(rng.integers(1, 5))
        leap = self._jump if self._jump_left > 0 else 0.0 * self._jump
        self._jump_left -= 1
        wobble = rng.normal(0.0, 0.08 * r, size=(NUM_LANDMARKS, 2))
        out[hidden, 0] += (leap[hidden, 0] + wobble[hidden, 0]) / v.width
        out[hidden, 1] += (leap[hidden, 1] + wobble[hidden, 1]) / v.height
        legs = hidden & np.isin(np.arange(NUM_LANDMARKS), self._leg_points)
        out[legs, 3] = rng.uniform(0.35, 0.8, size=int(legs.sum()))

    def _index(self, joint: str) -> int:
        """The near side's landmark of `joint`."""
        side = _PAIRED[joint][0 if self._near == "left" else 1]
        return side[0]

    def _lost(self) -> bool:
        """Whether this frame loses the person: rare single frames, and short bursts.

        A burst lasts 3-8 frames at 30 a second (0.1-0.27 s: whatever hides the person
        lasts a time), so at a Pi's lower rate it spans fewer frames, and bursts begin as
        often a second (their chance a frame scaled by 30 / fps)."""
        if self._burst > 0:
            self._burst -= 1
            return True
        r = self.rng.random()
        if r < self.view.drop_rate * 0.2 * min(1.0, 30.0 / self.fps):
            frames = 1 + int(self.rng.integers(2, 8))  # this one and the next, at 30 a second
            self._burst = max(1, round(frames * self.fps / 30.0)) - 1
            return True
        return r < self.view.drop_rate
