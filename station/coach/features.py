"""Per-frame body measurements for the side the athlete faces.

All angles are in degrees and measured in pixels (x scaled by width, y by height) so that a
non-square image does not bend them. "Forward" is the way the athlete faces.

The trunk and the hips are read from both sides of the body (the mean of left and right hip,
and of left and right shoulder) when both are seen well: MediaPipe places the far hip and
shoulder reliably from a side view, and the mean halves the jitter the hinge is judged on.
Knee, ankle and ear come from the near side only: the far leg hides behind the near one.

A frame needs the near shoulder and hip. The leg (knee and ankle) and the ear may be unsure
(a plate or a kettlebell in front of the shins, a head out of the picture): the leg's
measurements (knee, shin, hip height, leg length, where the ankle stands) or the stick's
bend are then NaN, and the frame still counts the rep on the trunk and the shoulders.
"""

from __future__ import annotations

import math
from operator import itemgetter
from typing import NamedTuple

from station import domain as lm
from station.coach.signals import MedianWindow, OneEuroFilter
from station.coach.tuning import Tuning
from station.domain import PoseFrame, Side

# The landmarks of each side the coach reads: ear, shoulder, hip, knee, ankle.
_SIDE_POINTS = {
    Side.LEFT: (lm.LEFT_EAR, lm.LEFT_SHOULDER, lm.LEFT_HIP, lm.LEFT_KNEE, lm.LEFT_ANKLE),
    Side.RIGHT: (lm.RIGHT_EAR, lm.RIGHT_SHOULDER, lm.RIGHT_HIP, lm.RIGHT_KNEE, lm.RIGHT_ANKLE),
}
# The same body parts on the other side: far shoulder and far hip.
_FAR_TRUNK = {
    Side.LEFT: (lm.RIGHT_SHOULDER, lm.RIGHT_HIP),
    Side.RIGHT: (lm.LEFT_SHOULDER, lm.LEFT_HIP),
}
# Every landmark `measure` reads, taken in one C call per side.
_READ = {side: itemgetter(*_SIDE_POINTS[side], *_FAR_TRUNK[side]) for side in Side}
# Toes, heels, nose and ears: what `facing_vote` reads.
_VOTE = itemgetter(lm.LEFT_FOOT_INDEX, lm.LEFT_HEEL, lm.RIGHT_FOOT_INDEX, lm.RIGHT_HEEL,
                   lm.NOSE, lm.LEFT_EAR, lm.RIGHT_EAR)

# Torso lengths from its near point past which a far shoulder or hip was guessed wrong.
_FAR_REACH = 0.5

Rows = list[list[float]]  # a frame's landmarks as plain floats: [x, y, z, visibility] each


class Features(NamedTuple):
    """What one frame says about the hinge (an immutable tuple: one is made for every frame,
    three times quicker than a frozen dataclass).

    hip_forward: the hip's position along the facing direction (pixels); travel back is
    measured from its standing value. hip_height: the hip's height above the ankle (pixels).
    leg: hip to knee to ankle (pixels). trunk: forward lean of hip->shoulder from vertical.
    knee: knee flexion (0 = straight). shin: forward tilt of ankle->knee from vertical.
    stick: bend of the head line (shoulder->ear) off the trunk line (hip->shoulder), positive
    when the head or upper back folds forward off the stick. ankle_forward: the near ankle's
    position along the facing direction (pixels): where the athlete stands. shoulder_up: the
    mid-shoulder's height in the picture (pixels, up from its top edge's line, so a lower
    shoulder is smaller); hip_up: the mid-hip's, the same way; torso: mid-hip to
    mid-shoulder (pixels). Leg measurements are NaN when the leg is unsure, the stick
    when the ear is.
    """

    t: float
    hip_forward: float
    hip_height: float
    leg: float
    trunk: float
    knee: float
    shin: float
    stick: float
    ankle_forward: float
    shoulder_up: float = math.nan
    hip_up: float = math.nan
    torso: float = math.nan

    @property
    def legs_seen(self) -> bool:
        """Whether the near knee and ankle were sure in this frame."""
        return math.isfinite(self.knee)


def _angle_from_vertical(fwd: float, up: float) -> float:
    return math.degrees(math.atan2(fwd, up))


def _sure(point: list[float], min_visibility: float) -> bool:
    """Seen, and seen well enough (NaN fails every comparison, `>=` included)."""
    return point[3] >= min_visibility and point[0] == point[0] and point[1] == point[1]


def measure(frame: PoseFrame, side: Side, min_visibility: float,
            rows: Rows | None = None) -> Features | None:
    """The frame's features for `side`, or None when the near shoulder or hip is missing or
    unsure (the leg's and the ear's measurements are NaN when those are).

    `rows`: the frame's `landmarks.tolist()` when the caller has it already (plain floats:
    scalar math on them is quicker than on numpy's).
    """
    every = frame.landmarks.tolist() if rows is None else rows
    ear, sho, hip, kne, ank, far_s, far_h = _READ[side](every)
    # (Sure: seen well enough, and not NaN, which fails every comparison. Inline: this
    # runs on every frame.)
    if not (sho[3] >= min_visibility and hip[3] >= min_visibility
            and sho[0] == sho[0] and hip[0] == hip[0]):
        return None
    sign = 1.0 if side is Side.RIGHT else -1.0
    w, h = frame.width, frame.height
    # (forward, up) in pixels for ear, shoulder, hip, knee, ankle.
    sf, su = sign * sho[0] * w, -sho[1] * h
    hf, hu = sign * hip[0] * w, -hip[1] * h
    mf, mu = hf, hu
    if _sure(far_s, min_visibility) and _sure(far_h, min_visibility):
        fsf, fsu = sign * far_s[0] * w, -far_s[1] * h
        fhf, fhu = sign * far_h[0] * w, -far_h[1] * h
        # Mid-shoulder and mid-hip: the mean of both sides, unless a far point lies more
        # than half the torso from its near one: side-on the far side lies behind the near
        # one (square-on MediaPipe's hips are 0.36 torso lengths apart, its shoulders 0.66),
        # so that far point was guessed wrong.
        reach2 = max(_FAR_REACH * _FAR_REACH * ((sf - hf) ** 2 + (su - hu) ** 2), 1.0)
        if ((fsf - sf) ** 2 + (fsu - su) ** 2 <= reach2
                and (fhf - hf) ** 2 + (fhu - hu) ** 2 <= reach2):
            sf, su = 0.5 * (sf + fsf), 0.5 * (su + fsu)
            mf, mu = 0.5 * (hf + fhf), 0.5 * (hu + fhu)
    trunk = _angle_from_vertical(sf - mf, su - mu)
    torso = math.hypot(sf - mf, su - mu)
    stick = math.nan
    if _sure(ear, min_visibility):
        head = _angle_from_vertical(sign * ear[0] * w - sf, -ear[1] * h - su)
        stick = (head - trunk + 180.0) % 360.0 - 180.0
    nan = math.nan
    knee = shin = height = leg = af = nan
    if _sure(kne, min_visibility) and _sure(ank, min_visibility):
        kf, ku = sign * kne[0] * w, -kne[1] * h
        af, au = sign * ank[0] * w, -ank[1] * h
        thigh = math.hypot(hf - kf, hu - ku)
        shank = math.hypot(kf - af, ku - au)
        if thigh >= 1.0 and shank >= 1.0:
            # Knee flexion: 180 minus the hip-knee-ankle angle (near side).
            cos_k = ((hf - kf) * (af - kf) + (hu - ku) * (au - ku)) / (thigh * shank)
            knee = 180.0 - math.degrees(math.acos(max(-1.0, min(1.0, cos_k))))
            shin = _angle_from_vertical(kf - af, ku - au)
            height, leg = mu - au, thigh + shank
        else:
            af = nan
    return Features(frame.t, mf, height, leg, trunk, knee, shin, stick, af, su, mu, torso)


def facing_vote(frame: PoseFrame, rows: Rows | None = None) -> float:
    """Evidence for which way the athlete faces: positive for image-right, negative for left.

    Toes point ahead of heels and the nose sits ahead of the ears; both feet and both ears
    vote, weighted by visibility. Pixels, so a larger person votes louder: a magnitude, not
    a probability. `rows`: as for `measure`.
    """
    every = frame.landmarks.tolist() if rows is None else rows
    lt, lh, rt, rh, nose, le, re = _VOTE(every)
    if not math.isfinite(lt[0] + lh[0] + rt[0] + rh[0] + nose[0] + le[0] + re[0]):
        return 0.0  # (NaN or inf in any of them makes the sum so)
    w = frame.width
    vote = (lt[0] - lh[0]) * w * min(lt[3], lh[3]) + (rt[0] - rh[0]) * w * min(rt[3], rh[3])
    for ear in (le, re):
        vote += (nose[0] - ear[0]) * w * min(nose[3], ear[3])
    return float(vote)


class Steadied(NamedTuple):
    """A frame's measurements as the rep tracker and the faults read them (a tuple, as
    Features)."""

    trunk: float
    hip_forward: float
    knee: float
    stick: float


class Steadier:
    """Steadies each frame's measurements: One Euro filters on the trunk angle and the hip's
    position (hard on a still athlete, light on a moving one), and a median of a few frames
    on the knee and stick angles (a single occluded frame does not count)."""

    def __init__(self, tuning: Tuning) -> None:
        d = tuning.one_euro_d_cutoff
        self._trunk = OneEuroFilter(tuning.trunk_min_cutoff, tuning.trunk_beta, d)
        self._hip = OneEuroFilter(tuning.hip_min_cutoff, tuning.hip_beta, d)
        self._knee = MedianWindow(tuning.median_frames)
        self._stick = MedianWindow(tuning.median_frames)

    def reset(self) -> None:
        """A gap in view: the filters' history ends before it (the medians' few frames
        stay)."""
        self._trunk.reset()
        self._hip.reset()

    def __call__(self, f: Features) -> Steadied:
        """A frame's steadied measurements; an unsure knee or stick stays NaN (unknown) and
        leaves its median's frames as they were."""
        knee = self._knee.add(f.knee) if math.isfinite(f.knee) else math.nan
        stick = self._stick.add(f.stick) if math.isfinite(f.stick) else math.nan
        return Steadied(self._trunk(f.t, f.trunk), self._hip(f.t, f.hip_forward), knee, stick)
