"""Reps seen only in part: begun before the athlete was in view, or never seen standing.

Until the athlete has stood in one place (baseline.py), no rep can open: the standing
position every rep is read against is not known. But a camera may first find the athlete
at the bottom of a rep (pose lost on the standing frames before it, a late start), or see
only the middle of one (a head out of the picture at the top). The frames before the stand
are kept here, and read when it comes or when the stream ends:

- the athlete stood up (upright: under `standing_trunk_deg`) into the stand: a rep whose
  start was out of view, when the frames before it reached a rep's depth (the trunk's lean,
  or the hips' drop, as reps.py reads it) and the shoulders were clearly lower (as low as a
  whole hinge to `min_rep_trunk_deg` puts them: `1 - cos` of it in torso lengths);
  a stand settled on the way down (hips MediaPipe misplaces hold still while the shoulders
  sink) is taken back when the athlete then stands upright with the shoulders that whole
  drop above it (`risen`), and these frames are read again at the next stand;
- no stand ever came: a rep whose start and end were out of view, when the trunk clearly
  went down and came back up (`partial_clear_share` of `min_rep_trunk_deg` each way) from
  a lean a rep reaches, and the shoulders rose with it.

Both are counted and said to be partial; neither is judged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from station.coach.features import Features


@dataclass(frozen=True, slots=True)
class _Seen:
    t: float
    trunk: float
    shoulder_up: float
    torso: float
    hip_height: float  # NaN when the leg was unsure
    hip_up: float  # the mid-hip's height in the picture


class UnsettledFrames:
    """The frames of the athlete in view before they stand in one place."""

    def __init__(self, min_rep_trunk_deg: float, min_rep_drop: float, standing_deg: float,
                 clear_share: float, shoulder_share: float) -> None:
        self._min_deg = min_rep_trunk_deg
        self._min_drop = min_rep_drop
        self._standing_deg = standing_deg
        self._clear_deg = clear_share * min_rep_trunk_deg
        self._shoulder_share = shoulder_share
        self._whole_drop = 1.0 - math.cos(math.radians(min_rep_trunk_deg))
        self._frames: list[_Seen] = []

    def clear(self) -> None:
        self._frames.clear()

    def risen(self, shoulder_drop: float, trunk: float) -> bool:
        """Whether a settled athlete, with frames from before the stand still kept, now
        stands upright (under `standing_trunk_deg`) with the shoulders at least a whole
        hinge's drop (to `min_rep_trunk_deg`) above the stand's (`shoulder_drop`, torso
        lengths below it): the stand was settled on a rep's way down."""
        return (bool(self._frames) and trunk < self._standing_deg
                and -shoulder_drop >= self._whole_drop)

    def add(self, f: Features, trunk: float) -> None:
        """An unsettled frame (`trunk` steadied)."""
        self._frames.append(_Seen(f.t, trunk, f.shoulder_up, f.torso, f.hip_height, f.hip_up))

    def stood_up(self, trunk: float, shoulder_up: float, hip_up: float, torso: float,
                 height: float, leg: float, keep: bool = False) -> tuple[float, float] | None:
        """The stand has come (its trunk, shoulder and hip heights in the picture, torso,
        hip height above the ankle and leg): the start and end of the rep the athlete stood
        up from, if the frames before it show one; else None. The frames are forgotten
        (unless `keep`). Where a frame's leg was unsure, the hips' drop is read in the
        picture against the stand's: the feet have not moved since."""
        frames = self._frames
        if not keep:
            self._frames = []
        if not frames or torso <= 0.0 or trunk >= self._standing_deg:
            return None
        lowest = max((shoulder_up - s.shoulder_up) / torso for s in frames)
        drops = [((height - s.hip_height) if math.isfinite(s.hip_height) and math.isfinite(
            height) else (hip_up - s.hip_up)) / leg for s in frames]
        deep = (max(s.trunk for s in frames) >= self._min_deg
                or (bool(drops) and max(drops) >= self._min_drop))
        if lowest < self._whole_drop or not deep:
            return None
        return frames[0].t, frames[-1].t

    def never_stood(self) -> tuple[float, float] | None:
        """The stream ended before any stand: the start and end of a rep seen only in its
        middle, if the frames show one clearly; else None. The frames are forgotten."""
        frames, self._frames = self._frames, []
        if len(frames) < 3:
            return None
        deepest = max(range(len(frames)), key=lambda i: frames[i].trunk)
        peak = frames[deepest]
        before = min(f.trunk for f in frames[:deepest + 1])
        after = min(f.trunk for f in frames[deepest:])
        if (peak.trunk < self._min_deg or peak.trunk - before < self._clear_deg
                or peak.trunk - after < self._clear_deg):
            return None
        # The shoulders must rise with the trunk after the bottom: a lean from `peak` to
        # `after` raises them by (cos after - cos peak) torso lengths (and more if the hips
        # rise too). A trunk line that swung on a hip point that jumped leaves them still.
        top = max((f for f in frames[deepest:]), key=lambda f: f.shoulder_up)
        rise = (top.shoulder_up - peak.shoulder_up) / max(peak.torso, 1.0)
        implied = math.cos(math.radians(after)) - math.cos(math.radians(peak.trunk))
        if rise < self._shoulder_share * implied:
            return None
        return frames[0].t, frames[-1].t
