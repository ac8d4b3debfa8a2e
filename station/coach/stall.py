"""The hinge-line test of hips_stopped.

A hinge moves the hips back in step with the trunk's lean: over a rep, hip travel grows in
proportion to trunk angle (this rep's own "hinge line"). The stall is the moment the hips
fall behind that line. Every new sample of the hips' witness (the camera's hip travel at
30 frames/s, or the band's tension at 80 samples/s) asks: over the last `window` seconds,
did the hips move at least `ratio` of what the trunk's change says they should have?

The expected change is this rep's slope (hips moved per degree of trunk, fitted from
standing up to the start of the window) times the trunk's change over the window. The
shortfall must also clear the witness's own noise (learned while the athlete stands: the
spread of its change over one window), so jitter alone never buzzes.

A reading joins the line only once it is a little old, since hips that stopped bend the
line toward them once they join it. A stall early in the descent, when the line rests on a
few degrees, may not yet stand out of the noise when its frames join; so the camera also
judges against an older line, which holds the hinge from before the stall a while longer.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from station.coach.signals import LineFit, NoiseGauge, Track
from station.coach.tuning import Tuning


@dataclass(frozen=True, slots=True)
class LineSample:
    """One reading of a witness of hip travel, as the hinge-line test reads it.

    `x`: the witness (the camera's hip travel in leg lengths, or the band's tension).
    `trunk`: the trunk's recent angles, the line's other axis; `trunk_now`: its angle at t.
    `sign`: the way x moves as the hips go back (+1 for the camera's travel, the band's
    learned sign): a rep whose line slopes the other way is not judged on it; None: judged
    whichever way it slopes. `origin`: (trunk, x) while standing, where the hinge line
    starts, or None.
    """

    t: float
    x: float
    trunk: Track
    trunk_now: float
    sign: float | None = None
    origin: tuple[float, float] | None = None


class HingeLine:
    """One descent's hinge line (the witness against the trunk angle), drawn from the
    readings at least `lag` seconds old, pinned lightly at the standing point."""

    def __init__(self, lag: float) -> None:
        self.lag = lag
        self.fit = LineFit()
        self._queue: deque[tuple[float, float]] = deque()

    def add(self, sample: LineSample, origin_weight: float,
            min_span: float) -> tuple[float, float, float] | None:
        """Take a new reading (it joins the line once `lag` old) and give the line (a, b,
        scatter) if it spans `min_span` degrees and slopes the way `sample.sign` says."""
        q, fit = self._queue, self.fit
        if sample.origin is not None and fit.n == 0 and not q:
            # The hinge starts from standing: pin the line near the standing point.
            fit.add(sample.origin[0], sample.origin[1], origin_weight)
        q.append((sample.t, sample.x))
        while q and q[0][0] <= sample.t - self.lag:
            ts, xs = q.popleft()
            k = sample.trunk.at(ts)
            if k is not None:
                fit.add(k, xs)
        solved = fit.solve()
        if solved is None or fit.hi - fit.lo < min_span:
            return None
        if sample.sign is not None and solved[1] * sample.sign <= 0.0:
            return None
        return solved


class StallDetector:
    """Hips-stopped on one witness of hip travel (camera travel, or band tension).

    While the rep descends, the witness is fitted as a straight line against the trunk angle
    (the hinge line), from samples at least one of `lags` old (one line per lag, none
    younger than the window); the standing point weighs in as `origin_weight` samples, since
    a hinge starts from standing. Each new sample is compared with each line at the trunk's
    current angle: the hips have stalled when they fall short of a line by more than
    `noise_k` times the witness's noise and by more than `1 - ratio` of what the trunk's
    last `window` seconds say they should have moved. The lines after the first judge only
    within `older_line_max_fold_deg` of fold, and with their bars `older_line_bar` times
    higher: each is another chance for the jitter to clear a bar.

    The noise of one reading is the scatter about the line or the standing noise, whichever
    is larger (the camera's jitter is correlated from frame to frame, so a line through a
    second of it looks steadier than any one frame is), widened by the line's own doubt
    where it is read: early in a descent it rests on a few degrees and is read beyond them.

    A `correlated` witness (the camera) also has a quicker test (`evidence_k`, see
    `_evidence`), and while its standing gauge is young its noise is read from its
    innovations as well (`standing_sigma`).
    """

    def __init__(self, window: float, ratio: float, noise_k: float, noise_floor: float,
                 hold: float, tuning: Tuning, *, lags: tuple[float, ...],
                 evidence_k: float = 0.0, correlated: bool = False) -> None:
        self.window = window
        # Samples join each of the descent's lines this old (never younger than the window).
        self._lags = tuple(max(window, lag) for lag in lags)
        self.ratio = ratio
        self.noise_k = noise_k
        self.hold = hold
        self.evidence_k = evidence_k
        self.correlated = correlated  # jitter correlated from sample to sample (the camera)
        self.min_span_deg = tuning.line_min_span_deg
        self._origin_weight = tuning.origin_weight
        self._rho = rho = tuning.evidence_rho
        self._innovation_scale = math.sqrt(1.0 - rho ** 2)
        self._share = tuning.evidence_share * math.sqrt(1.0 - rho ** 2)
        self._min_z = tuning.evidence_min_z
        self._young = tuning.young_squares
        self._prior = tuning.prior_squares
        self.noise = NoiseGauge(noise_floor, tuning)
        # The spread of the standing innovations x_t - rho x_(t-1) (see `_evidence`).
        self.innovation = NoiseGauge(noise_floor * (1.0 - rho), tuning)
        self._stand_prev: float | None = None
        self._recent: deque[tuple[float, float]] = deque(maxlen=tuning.evidence_frames + 1)
        self._older_max_fold = tuning.older_line_max_fold_deg
        self._older_bar = tuning.older_line_bar
        self._lines = [HingeLine(lag) for lag in self._lags]
        self._since: float | None = None
        self.last_z = 0.0  # the newest reading's shortfall in noise units (the first line)

    def reset_rep(self) -> None:
        """Forget the hinge lines (the athlete is still again, or a new descent begins)."""
        self._lines = [HingeLine(lag) for lag in self._lags]
        self.last_z = 0.0
        self._since = None
        self._recent.clear()

    def clear(self) -> None:
        """A gap in view (turned around, someone new, back after a while): forget the hinge
        line and the stand, and keep the noise learned so far only as a guess worth
        `prior_squares` squares, which the next stand soon replaces."""
        self.reset_rep()
        self.noise.loosen(self._prior)
        self.innovation.loosen(self._prior)
        self._stand_prev = None

    def restart_noise(self) -> None:
        """A new stretch of stillness: the noise gauges find its level again."""
        self.noise.restart()
        self.innovation.restart()
        self._stand_prev = None

    def standing(self, sample: LineSample) -> None:
        """A sample while the athlete stands still: learns the witness's noise."""
        x = sample.x
        self.noise.add(x)
        if self._stand_prev is not None:
            self.innovation.add(x - self._rho * self._stand_prev)
        self._stand_prev = x

    def descending(self, sample: LineSample) -> bool:
        """A sample while the trunk goes down: True once the hips have stalled for `hold`."""
        t, x, trunk, trunk_now = sample.t, sample.x, sample.trunk, sample.trunk_now
        self._recent.append((trunk_now, x))
        k0 = trunk.at(t - self.window)
        standing = self.standing_sigma()
        fold = trunk_now - sample.origin[0] if sample.origin is not None else 0.0
        drawn = stalled = False
        for i, line in enumerate(self._lines):
            fit = line.add(sample, self._origin_weight, self.min_span_deg)
            if fit is None:
                continue
            drawn = True
            if k0 is None or (i > 0 and fold > self._older_max_fold):
                continue
            short, z = self._short(line.fit, fit, sample, k0, standing,
                                   1.0 if i == 0 else self._older_bar)
            stalled = stalled or short
            if i == 0:
                self.last_z = z
        if drawn and k0 is None:
            return False
        if not stalled:
            self._since = None
            return False
        if self._since is None:
            self._since = t
        return t - self._since >= self.hold

    def _short(self, sums: LineFit, line: tuple[float, float, float], sample: LineSample,
               k0: float, standing: float, bar: float) -> tuple[bool, float]:
        """Whether the sample falls short of one hinge line (`line`: its a, b and scatter;
        `sums`: the fit it came from), its bars raised `bar` times, and by how many
        noise-widths."""
        a, b, scatter = line
        s = 1.0 if b > 0.0 else -1.0
        trunk_now, x = sample.trunk_now, sample.x
        expected = abs(b) * (trunk_now - k0)
        shortfall = s * (a + b * trunk_now - x)
        noise = max(scatter, standing)
        sigma = noise * math.sqrt(1.0 + sums.leverage(trunk_now))
        z = shortfall / sigma if sigma > 0.0 else 0.0
        short = (expected > 0.0 and shortfall > (1.0 - self.ratio) * expected
                 and (shortfall > bar * self.noise_k * sigma
                      or (self.evidence_k > 0.0 and shortfall > bar * self._min_z * sigma
                          and self._evidence(a, b, s, noise, standing) > bar * self.evidence_k)))
        return short, z

    def standing_sigma(self) -> float:
        """The witness's standing noise: the gauge's spread, or for a correlated witness
        while the gauge is young (`young_squares`), the gauge's and its innovations'
        (scaled to the level) pooled by their squares and widened as one reading of them.

        Correlated jitter hides some of its spread from a level read over few frames: the
        level is found on a stand's first frames and the next ones stay close to it. Its
        innovations are nearly independent and read fairly from a few frames at 30 a
        second, but at a few frames a second they read well above the level; so neither is
        taken alone while both are young."""
        noise, innovation = self.noise, self.innovation
        inner = innovation.spread
        if not self.correlated or noise.squares >= self._young or inner is None:
            return noise.sigma
        n, m = noise.squares, innovation.squares
        level = noise.spread or 0.0
        inner /= self._innovation_scale
        pooled = math.sqrt((n * level * level + m * inner * inner) / (n + m))
        return noise.widened(pooled, n + m)

    def _evidence(self, a: float, b: float, s: float, noise: float,
                  standing: float) -> float:
        """How surely the last few frames' innovations show the hips stopping (noise units).

        The camera's jitter is correlated from frame to frame, so each frame's shortfall is
        most of the last one's plus a fresh innovation x_t - rho x_(t-1). If the hips stopped
        j frames ago the shortfall has grown as a ramp since, and a ramp v * i in AR(rho)
        jitter leaves innovations v * ((1 - rho) i + rho): the matched filter over those
        frames, maximised over the onset (1 to `evidence_frames` frames back). The
        innovations drop the slowly wandering part of the jitter that the level test must
        wait out; the spread they are judged against is the standing innovations' (scaled as
        the level's noise is scaled above `standing`, the standing noise), or
        `evidence_share` of an AR(rho) jitter's share of the level's noise if larger.
        """
        rho = self._rho
        r = [s * (a + b * k - x) for k, x in self._recent]
        innov = [r[i] - rho * r[i - 1] for i in range(1, len(r))]
        spread = max(self.innovation.sigma * max(1.0, noise / standing), self._share * noise)
        best = 0.0
        for onset in range(1, len(innov) + 1):
            # innov[-m] is frame onset - m + 1 of the ramp; its shape is (1 - rho) i + rho.
            shape = [(1.0 - rho) * (onset - m + 1) + rho for m in range(1, onset + 1)]
            num = sum(innov[-m] * w for m, w in enumerate(shape, start=1))
            norm = math.sqrt(sum(w * w for w in shape))
            best = max(best, num / (spread * norm))
        return best
