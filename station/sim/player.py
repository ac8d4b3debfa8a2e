"""A live feed of a simulated set: pose frames and tension samples merged in time order.

The kiosk's demo needs the simulated athlete as the station's sensors would deliver it:
frames and tension samples arriving as time passes. `SetPlayer.due(t)` hands out everything
up to time `t` (seconds on the player's clock) in time order. Around the set it can add an
empty stage before (nobody in view yet, the band hanging slack) and after (the athlete walked
off), so the station's whole flow can be seen: idle, someone arrives, the set, they leave.
"""

from __future__ import annotations

import numpy as np

from station.domain import PoseFrame, TensionSample
from station.sim.session import SimulatedSet

Sample = PoseFrame | TensionSample


class SetPlayer:
    """Plays one SimulatedSet starting at `start` seconds, with empty time around it."""

    def __init__(self, sim: SimulatedSet, start: float = 0.0, empty_before_s: float = 0.0,
                 empty_after_s: float = 0.0, seed: int = 0) -> None:
        pose, tension = sim.pose, sim.tension
        fps = sim.scenario.fps
        rate = sim.scenario.tension_rate
        offset = start + empty_before_s
        set_end = float(max(pose.t[-1] if len(pose) else 0.0,
                            tension.t[-1] if len(tension) else 0.0))
        rng = np.random.default_rng(seed)
        # Empty stages: frames with nobody, and a band with nobody pulling on it (0 N + noise).
        pre_f = np.arange(start, offset, 1.0 / fps)
        post_f = np.arange(offset + set_end + 1.0 / fps, offset + set_end + empty_after_s,
                           1.0 / fps)
        pre_t = np.arange(start, offset, 1.0 / rate)
        post_t = np.arange(offset + set_end + 1.0 / rate, offset + set_end + empty_after_s,
                           1.0 / rate)
        self.width, self.height = pose.width, pose.height
        self._pose_t = np.concatenate([pre_f, pose.t + offset, post_f])
        self._pose_lm = pose.landmarks
        self._pose_first = len(pre_f)  # index of the set's first frame
        self._pose_set_n = len(pose)
        empty_n = len(pre_t) + len(post_t)
        quiet = np.round(rng.normal(0.0, 0.4, empty_n), 2)
        self._ten_t = np.concatenate([pre_t, tension.t + offset, post_t])
        self._ten_f = np.concatenate([quiet[:len(pre_t)], tension.force_n,
                                      quiet[len(pre_t):]])
        self._ip = 0  # next pose frame
        self._it = 0  # next tension sample
        self.set_start = offset
        self.end = float(max(self._pose_t[-1], self._ten_t[-1])) if len(self._pose_t) else start

    @property
    def done(self) -> bool:
        return self._ip >= len(self._pose_t) and self._it >= len(self._ten_t)

    def _frame(self, i: int) -> PoseFrame:
        t = float(self._pose_t[i])
        k = i - self._pose_first
        if 0 <= k < self._pose_set_n:
            return PoseFrame(t, self._pose_lm[k], self.width, self.height)
        return PoseFrame.empty(t, self.width, self.height)

    def due(self, t: float) -> list[Sample]:
        """Every frame and sample with a time up to `t` not handed out yet, in time order."""
        out: list[Sample] = []
        np_, nt = len(self._pose_t), len(self._ten_t)
        while True:
            tp = self._pose_t[self._ip] if self._ip < np_ else np.inf
            tt = self._ten_t[self._it] if self._it < nt else np.inf
            if min(tp, tt) > t:
                return out
            if tp <= tt:
                out.append(self._frame(self._ip))
                self._ip += 1
            else:
                out.append(TensionSample(float(tt), float(self._ten_f[self._it])))
                self._it += 1
