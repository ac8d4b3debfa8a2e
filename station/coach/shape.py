"""The band's own word on a stall: did the hips lose their speed abruptly, at some moment c?

The band reports 80 times a second with no inference, and a load cell's noise is a few
hundredths of a newton: read on its own, the band shows the hips' speed within a few
readings. A stall is the hips losing that speed at some moment c (they coast it out over
`hips_stopped_coast_s`) while a good hinge eases into its bottom. No reading knows c, so the
judge keeps a row of candidate moments ("onsets", one every `hips_stopped_onset_step_s`)
and, for each, weighs every reading after it (`BandTrend`): is it nearer where the hips
would be had they stopped at c, or where they would be had they gone on?

- "Went on" is the hips' trend just before c (a parabola through the shortest span of
  readings that reads their speed to `band_trend_doubt` of itself), going on as it was,
  easing its speed off with a time constant of `hips_stopped_ease_s` or its doubles, slowing
  as it was slowing at c or up to four times as hard, or as hard as a smooth hinge of this
  descent's pace slows (its top speed over the time it took to reach it, as an eased
  movement's, by `hips_stopped_ease_margin`), each to a standstill: the best of them.
- "Stopped" keeps none of the speed at c, or `hips_stopped_ratio` of it: the better.

The weight of one reading is its log-likelihood ratio in the load cell's noise (learned while
the athlete stands, `BandNoise`) and its time stamp's (the stamps' wander off the load cell's
steady rate, `SampleTiming`, times the hips' speed), widened by the trend's own doubt and by
`hips_stopped_pace_doubt` of the speed (a hinge keeps its pace only so well). An onset's
evidence is their sum until the hips come back up (then nothing more is told of a stop), and
a stall is called when it reaches `hips_stopped_evidence`: a likelihood ratio that starts at 1
exceeds e^h with chance at most e^-h when nothing stopped (Ville's inequality), so h is set
by how many onsets a descent tests and how few false buzzes it may give (tuning.py).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from station.coach.band_noise import BandNoise, SampleTiming
from station.coach.signals import SlopeWindow
from station.coach.tuning import Tuning


@dataclass(slots=True)
class Onset:
    """A moment the hips may have stopped at, and the band's evidence for it so far
    (log-likelihood ratio of "stopped at c" over "went on")."""

    c: float
    evidence: float = 0.0
    model: BandTrend | None = None
    done: bool = False  # the band had no trend to judge it by


def _solve3(m: list[list[float]], rhs: list[float]) -> tuple[list[float], list[list[float]]]:
    """The solution of a symmetric 3x3 system and the matrix's inverse (by its adjugate)."""
    (a, b, c), (_, d, e), (_, _, f) = m
    i00, i01, i02 = d * f - e * e, c * e - b * f, b * e - c * d
    i11, i12, i22 = a * f - c * c, b * c - a * e, a * d - b * b
    det = a * i00 + b * i01 + c * i02
    if abs(det) < 1e-300:
        raise ZeroDivisionError
    inv = [[i00 / det, i01 / det, i02 / det], [i01 / det, i11 / det, i12 / det],
           [i02 / det, i12 / det, i22 / det]]
    x = [sum(inv[r][k] * rhs[k] for k in range(3)) for r in range(3)]
    return x, inv


def coast(u: float, ratio: float, tau: float) -> float:
    """How far hips moving at unit speed get in u seconds after they stop at u = 0: they keep
    `ratio` of their speed and the rest coasts out over tau."""
    return ratio * u + (1.0 - ratio) * tau * (1.0 - math.exp(-u / tau))


@dataclass(slots=True)
class BandTrend:
    """The band's trend before an onset c: y = a + b t + g t^2 (t from the descent's start),
    frozen at c with its covariance (in units of the noise's variance), and the running sums
    that weigh the readings after c: for "went on" (the speed easing off with each of the
    time constants `eases`, down to none, or slowing on as it was slowing at c, to a
    standstill) and for "stopped at c"."""

    origin: float  # the time (s) its t counts from
    c: float
    a: float
    b: float
    g: float
    inv: list[list[float]]
    sigma2: float  # the load cell's noise variance
    timing2: float  # the time stamps' variance (s^2): a moving band's reading is off by speed x it
    eases: tuple[float, ...]  # time constants (s) the speed may ease off with
    brake: float  # the hardest a smooth hinge of this descent's pace slows (units a s^2)
    pace_doubt: float  # the share of its speed a hinge's pace may be off by
    went_on: list[float]  # the weighted squared residual of each so far
    stopped: list[float]  # the same, stopped keeping none and `ratio` of the speed
    furthest: float = -math.inf  # the furthest back the hips have been read since c
    turned: bool = False  # they came back up: later readings tell nothing of a stop

    @property
    def level(self) -> float:
        c = self.c
        return self.a + self.b * c + self.g * c * c

    @property
    def speed(self) -> float:
        return self.b + 2.0 * self.g * self.c

    def add(self, t: float, y: float, ratio: float, tau: float) -> float:
        """Weigh one reading (t from the descent's start) and return the evidence so far:
        the log-likelihood ratio of the better of "stopped at c" (keeping none of the speed,
        or `ratio` of it) over the best of "went on"."""
        if not self.turned:
            self.furthest = max(self.furthest, y)
            self.turned = y < self.furthest - 3.0 * math.sqrt(self.sigma2)
        if self.turned:
            return self.evidence
        u = t - self.c
        inv, c = self.inv, self.c
        # The trend's own doubt where it is read: its level and speed at c, drawn from the
        # readings before c.
        g1, g2 = c + u, c * c + 2.0 * c * u
        doubt = (inv[0][0] + inv[1][1] * g1 * g1 + inv[2][2] * g2 * g2
                 + 2.0 * (inv[0][1] * g1 + inv[0][2] * g2 + inv[1][2] * g1 * g2))
        speed = self.speed
        pace = self.pace_doubt * speed * u  # a hinge keeps its pace only so well
        late = speed * speed * self.timing2
        w = 1.0 / ((self.sigma2 + late) * (1.0 + max(doubt, 0.0)) + pace * pace)
        r = y - self.level
        stopped = self.stopped
        for i, kept in enumerate((0.0, ratio)):
            q = r - speed * coast(u, kept, tau)
            stopped[i] += q * q * w
        went_on = self.went_on
        for i, ease in enumerate(self.eases):
            e = r - speed * (ease * (1.0 - math.exp(-u / ease)) if ease > 0.0 else u)
            went_on[i] += e * e * w
        # Or slowing as it was slowing at c (its parabola), or as hard as a smooth hinge of
        # this descent's pace slows (`brake`), to a standstill.
        for i, g in ((-4, self.g), (-3, 2.0 * self.g), (-2, 4.0 * self.g),
                     (-1, -0.5 * self.brake)):
            m = u if g * speed >= 0.0 else min(u, -speed / (2.0 * g))
            e = r - speed * m - g * m * m
            went_on[i] += e * e * w
        return self.evidence

    @property
    def evidence(self) -> float:
        return 0.5 * (min(self.went_on) - min(self.stopped))


class BandWitness:
    """The band's last second of readings (read with the band's learned sign, so that they
    grow as the hips go back), how fast this movement went and how soon, the trend before
    each onset, and the weight of each new reading for every onset still open. The readings
    are kept through a stand: the band sees the hips set off before the camera's frames do."""

    def __init__(self, tuning: Tuning, ratio: float) -> None:
        self.tuning = tuning
        self.ratio = ratio
        self.noise = BandNoise(tuning)
        self.timing = SampleTiming(tuning)
        self._spans = tuning.band_trend_spans
        self._doubt = tuning.band_trend_doubt
        self._margin = tuning.hips_stopped_ease_margin
        # "Went on": the speed easing off over the quickest smooth hinge's time constant,
        # twice, four and eight times it, or not at all (0).
        self._eases = tuple(tuning.hips_stopped_ease_s * 2.0 ** i
                            for i in range(int(tuning.hips_stopped_eases))) + (0.0,)
        self._tau = tuning.hips_stopped_coast_s
        self._spike_n = tuning.band_spike_n
        self._min_readings = tuning.band_trend_readings
        self._keep = max(tuning.band_trend_spans) + tuning.hips_stopped_onset_life_s
        self._speed = SlopeWindow(tuning.band_speed_s, 3)
        self.reset()

    def reset(self) -> None:
        """The band no longer follows the hips here (slack, its sign unknown, the rep going
        up): forget the readings."""
        self._t0: float | None = None
        self._ts: list[float] = []
        self._ys: list[float] = []
        self._sums: list[list[float]] = [[0.0] * 8]  # running sums of t^k and y t^k
        self._start = 0.0  # when the hips last set off (the band's speed under its least)
        self._slow_at: float | None = 0.0  # the last reading with the hips slower than that
        self._fastest = 0.0
        self._fastest_at = 0.0
        self._speed.reset()
        self._last_y = 0.0
        self._off = 0  # readings in a row off the last one's course
        self.last_t: float | None = None

    def standing(self, raw: float, despiked: float) -> None:
        """A reading while the athlete stands still: the load cell's noise (from the readings
        as they came, but for a spike, which the median of three shows)."""
        if abs(raw - despiked) <= self._spike_n:
            self.noise.add(raw)

    @property
    def sigma(self) -> float:
        return self.noise.sigma

    def add(self, t: float, y: float, gain: float) -> bool:
        """A reading (signed); False if it is a lone spike and was left out (a reading far
        off the last one's course; two in a row are the band's new level)."""
        if self._t0 is None:
            self._t0 = t
        elif len(self._ts) > 4 and t - self._t0 - self._ts[0] > 2.0 * self._keep:
            self._rebase(t)
        assert self._t0 is not None
        u = t - self._t0
        if self._ts:
            speed = max(self._speed.slope or 0.0, 0.0)
            last = self._last_y + speed * (u - self._ts[-1])
            if abs(y - last) > max(self._spike_n, 10.0 * self.sigma):
                self._off += 1
                if self._off < 2:
                    return False
                self.reset()  # not a spike: the band moved on; start afresh from here
                self._t0, u = t, 0.0
        self._off = 0
        self._last_y = y
        v = self._take(u, y)
        if v is None or v < self.tuning.hips_stopped_min_speed * abs(gain):
            self._slow_at = u  # (kept still, or slowed: how the last movement went stays)
        elif self._slow_at is not None:  # the hips set off: a new movement
            self._start, self._fastest, self._fastest_at = self._slow_at, v, u
            self._slow_at = None
        elif v > self._fastest:
            self._fastest, self._fastest_at = v, u
        self.last_t = t
        return True

    def _rebase(self, t: float) -> None:
        """Keep the last `_keep` seconds of readings, timed from the first of them."""
        assert self._t0 is not None
        cut = bisect_left(self._ts, t - self._t0 - self._keep)
        if cut >= len(self._ts):  # all of them older (the band was away a while)
            self.reset()
            self._t0 = t
            return
        shift = self._ts[cut]
        ts = [u - shift for u in self._ts[cut:]]
        ys = self._ys[cut:]
        self._t0 += shift
        self._start -= shift
        self._fastest_at -= shift
        if self._slow_at is not None:
            self._slow_at -= shift
        self._speed.reset()
        self._ts, self._ys, self._sums = [], [], [[0.0] * 8]
        for u, y in zip(ts, ys, strict=True):
            self._take(u, y)

    def _take(self, u: float, y: float) -> float | None:
        """Keep a reading (u from `_t0`): its time, value and running sums; the band's
        speed now (None until its window holds enough readings)."""
        self._ts.append(u)
        self._ys.append(y)
        s = self._sums[-1]
        u2 = u * u
        self._sums.append([s[0] + 1.0, s[1] + u, s[2] + u2, s[3] + u2 * u, s[4] + u2 * u2,
                           s[5] + y, s[6] + y * u, s[7] + y * u2])
        return self._speed.add(u, y)

    def trend(self, c: float, gain: float) -> BandTrend | None:
        """The hips' trend just before c: a parabola through the readings of the shortest
        span (`band_trend_spans`) that reads their speed at c to `band_trend_doubt` of
        itself (a quiet load cell needs a few hundredths of a second, a noisy one a few
        tenths: the shorter, the less it lags a hinge that is slowing harder and harder).
        None with too few readings, or hips not going back at `hips_stopped_min_speed` by
        `gain` (N per leg length)."""
        if self._t0 is None:
            return None
        c0 = c - self._t0
        hi = bisect_right(self._ts, c0)
        sigma2 = self.sigma ** 2
        timing2 = self.timing.sigma ** 2
        # How hard the hinge may have been speeding up or slowing before c: this descent's
        # fastest speed over the time it took to reach it, as an eased movement's peak
        # acceleration (pi/2 of the mean), by the margin: a loose prior on the curvature.
        rise = max(self._fastest_at - self._start, 0.1)
        accel = self._margin * 0.5 * math.pi * max(self._fastest, 0.0) / rise
        prior = sigma2 / max(0.5 * accel, 1e-9) ** 2  # on g, half the acceleration
        found = None
        for span in self._spans:
            lo = bisect_left(self._ts, c0 - span)
            if hi - lo < self._min_readings:
                continue
            s1, s0 = self._sums[hi], self._sums[lo]
            n, t1, t2, t3, t4, y0, y1, y2 = (a - b for a, b in zip(s1, s0, strict=True))
            m = [[n, t1, t2], [t1, t2, t3], [t2, t3, t4 + prior]]
            try:
                (a, b, g), inv = _solve3(m, [y0, y1, y2])
            except ZeroDivisionError:
                continue
            speed = b + 2.0 * g * c0
            # The speed's doubt at c: its gradient (0, 1, 2 c) through the covariance, the
            # readings' noise with their stamps' (at this speed).
            doubt = ((sigma2 + speed * speed * timing2)
                     * (inv[1][1] + 4.0 * c0 * inv[1][2] + 4.0 * c0 * c0 * inv[2][2]))
            if math.sqrt(max(doubt, 0.0)) <= self._doubt * abs(speed):
                found = (a, b, g, inv, speed, span)
                break
            if math.sqrt(max(doubt, 0.0)) <= self.tuning.band_trend_doubt_last * abs(speed):
                found = (a, b, g, inv, speed, span)  # the longest so far that will do
        if found is None:
            return None  # too noisy a band to read the hips' speed in time
        a, b, g, inv, speed, _ = found
        if speed < self.tuning.hips_stopped_min_speed * abs(gain):
            return None
        return BandTrend(self._t0, c0, a, b, g, inv, sigma2, timing2, self._eases, accel,
                         self.tuning.hips_stopped_pace_doubt,
                         [0.0] * (len(self._eases) + 4), [0.0, 0.0])

    def catch_up(self, model: BandTrend) -> float:
        """Weigh the readings since the onset, for a trend drawn after them; its evidence."""
        assert self._t0 is not None  # the trend was drawn from these readings
        shift = self._t0 - model.origin
        evidence = 0.0
        for i in range(bisect_right(self._ts, model.c - shift), len(self._ts)):
            evidence = model.add(self._ts[i] + shift, self._ys[i], self.ratio, self._tau)
        return evidence

    def weigh(self, model: BandTrend, t: float, y: float) -> float:
        """Weigh a reading after the onset; the onset's evidence so far."""
        return model.add(t - model.origin, y, self.ratio, self._tau)
