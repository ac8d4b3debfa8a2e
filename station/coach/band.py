"""The band as a second, faster witness of hip travel.

The load cell reports 80 times a second with no inference delay; the camera 30 times, a frame
or two late. While the hips travel back the band's tension changes in proportion, but which
way depends on where the anchor stands (behind: the band shortens and the tension falls; in
front: it rises). So the band learns its gain (newtons per leg length of hip travel, signed)
from the first movements, against the camera's hip travel, and trusts itself only while that
relation holds: a tension that does not follow the hips (no band, a broken wire, a loose
clamp) is never used, and the coach falls back to the camera alone.

The anchor stays where it is from one athlete to the next and when an athlete turns around,
so the gain learned is kept for each way the athlete faces and handed to the next athlete's
coach; turned around, the hips go back the other way along the band and the gain learned
facing the other way is read with its sign turned.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from station.coach.side import SideTracker
from station.coach.signals import LineFit, MedianWindow, Track
from station.coach.tuning import Tuning
from station.config import CoachConfig
from station.domain import Side, TensionSample


def despiker(tuning: Tuning) -> MedianWindow:
    """The median that removes the HX711's lone spikes at one sample's lag."""
    return MedianWindow(tuning.despike_samples, newest_until_full=True)


class BandGain:
    """Least-squares gain of tension against camera hip travel, over one rep's movements."""

    def __init__(self, tuning: Tuning) -> None:
        self.min_travel = tuning.band_learn_travel
        self.min_corr = tuning.band_min_corr
        self.min_samples = tuning.band_gain_min_samples
        self.early_samples = tuning.band_early_samples
        self.early_travel = tuning.band_early_travel
        self.early_corr = tuning.band_early_corr
        self._fit = LineFit()

    def add(self, travel: float, tension: float) -> None:
        self._fit.add(travel, tension)

    @property
    def empty(self) -> bool:
        return self._fit.n == 0

    @property
    def gain(self) -> float | None:
        """Newtons per leg length of hip travel (signed), once learned and trustworthy."""
        return self._learned(self.min_samples, self.min_travel, self.min_corr)

    @property
    def early(self) -> float | None:
        """The gain as the rep's first frames tell it (`band_early_*`): its sign is all the
        band's own shape needs, and a wrong one leaves the hips never going back on it."""
        return self._learned(self.early_samples, self.early_travel, self.early_corr)

    def _learned(self, samples: int, travel: float, corr: float) -> float | None:
        fit = self._fit
        n = fit.n
        if n < samples or fit.hi - fit.lo < travel:
            return None
        # (Variances and covariance per point: the sums over n.)
        vx = fit.sxx / n - (fit.sx / n) ** 2
        vy = fit.syy / n - (fit.sy / n) ** 2
        cxy = fit.sxy / n - (fit.sx / n) * (fit.sy / n)
        if vx <= 0.0 or vy <= 0.0:
            return None
        if abs(cxy) / math.sqrt(vx * vy) < corr:
            return None
        return cxy / vx


class Band:
    """The band's tension as the coach reads it: despiked and kept for a short while, its
    level while the athlete stands, and its gain learned for each way the athlete faces."""

    def __init__(self, config: CoachConfig, tuning: Tuning, sides: SideTracker,
                 gains: Mapping[Side, float] | None = None) -> None:
        self._despike = despiker(tuning)
        self._history = Track(tuning.tension_history_s)
        self._alpha = tuning.standing_tension_alpha
        self._half_span = tuning.band_half_span_s
        self._least = config.band_slack_min_n + tuning.band_margin_n
        self._stale = tuning.band_stale_s
        self._sides = sides
        self._gains: dict[Side, float] = dict(gains or {})  # learned facing each way
        self.force: float | None = None  # the newest tension, despiked
        self.t: float | None = None  # its time
        self.standing: float | None = None  # the tension while the athlete stands still

    def add(self, sample: TensionSample) -> float:
        """One sample as it came: returns its tension despiked."""
        force = self._despike.add(sample.force_n)
        self.force, self.t = force, sample.t
        self._history.add(sample.t, force)
        return force

    def follow_standing(self, force: float) -> None:
        """A despiked sample while the athlete stands still: the standing tension follows."""
        base = self.standing
        self.standing = force if base is None else base + self._alpha * (force - base)

    def at(self, t: float) -> float | None:
        """The tension at a frame's instant: the mean of the samples within band_half_span_s
        either side (three at 80 a second, a third of the noise variance), or None."""
        return self._history.mean_between(t - self._half_span, t + self._half_span)

    def near_slack(self, force: float) -> bool:
        """Too near slack to follow the hips: within band_margin_n of band_slack_min_n (near
        zero the band stops stretching)."""
        return force <= self._least

    def learn(self, gain: BandGain, t: float, travel: float) -> None:
        """Pair the camera's hip travel at a frame (time t) with the tension at that instant
        (its samples around it; the frame may come a pose's inference late), to learn this
        rep's gain. No fresh tension: the camera alone, and the band may be anchored anew
        when it is back, so what was learned is forgotten."""
        if self.force is None or self.t is None or t - self.t > self._stale:
            self.forget()
            return
        force = self.at(t)
        if force is None:
            force = self.force
        if self.near_slack(force):
            return
        gain.add(travel, force)

    def remember(self, gain: BandGain) -> None:
        """A finished rep's gain, learned for the way the athlete faces now; or, when nothing
        is known facing this way, its early gain (a shallow first rep spans too little hip
        travel for the full one; the band's own shape needs only the sign)."""
        side = self._sides.side
        if side is None:
            return
        learned = gain.gain
        if learned is None and side not in self._gains:
            learned = gain.early
        if learned is not None:
            self._gains[side] = learned

    def forget(self) -> None:
        """The band may have been rigged anew: learn its gain again from the next reps."""
        self._gains.clear()

    @property
    def gains(self) -> dict[Side, float]:
        """The gain learned for each way the athlete has faced."""
        return dict(self._gains)

    def facing_gain(self) -> float | None:
        """The gain for the way the athlete faces now: the one learned facing this way, else
        the one learned facing the other way with its sign turned, else None."""
        side = self._sides.side
        if side is None:
            return None
        if side in self._gains:
            return self._gains[side]
        other = [g for s, g in self._gains.items() if s is not side]
        return -other[0] if other else None

    def witness_gain(self, rep_gain: BandGain | None, early: bool = False) -> float | None:
        """The gain to read the hips by: the one learned over the reps so far, else the one
        the rep in progress has learned (an athlete's first rep; with `early`, as its first
        frames tell it), else None."""
        gain = self.facing_gain()
        if gain is None and rep_gain is not None:
            return rep_gain.early if early else rep_gain.gain
        return gain
