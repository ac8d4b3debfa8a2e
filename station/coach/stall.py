"""The hinge-line test of hips_stopped, and the life cycle every stall test shares.

A hinge moves the hips back in step with the trunk's lean: over a rep, hip travel grows in
proportion to trunk angle (this rep's own "hinge line"). The stall is the moment the hips
fall behind that line. Every new sample of the hips' witness (the camera's hip travel at
30 frames/s, or the band's tension at 80 samples/s) asks: over the last `window` seconds,
did the hips move at least `ratio` of what the trunk's change says they should have?

The expected change is this rep's slope (hips moved per degree of trunk, fitted from
standing up to the start of the window) times the trunk's change over the window. The
shortfall must also clear the witness's own noise (learned while the athlete stands: the
spread of its change over one window), so jitter alone never buzzes.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Protocol, TypeVar

from station.coach.signals import LineFit, NoiseGauge, Track
from station.coach.tuning import Tuning

S = TypeVar("S", contravariant=True)


class StallTest(Protocol[S]):
    """What the hips_stopped judge drives each of its tests through: the noise learned while
    the athlete stands, a history kept through each descent, a decision on every sample."""

    def restart_noise(self) -> None:
        """A new stretch of standing still: the noise gauges find its level again."""

    def reset_rep(self) -> None:
        """Standing again, going up, or a new descent: forget this descent's history."""

    def standing(self, sample: S) -> None:
        """A sample while the athlete stands still: learns the witness's noise."""

    def descending(self, sample: S) -> bool:
        """A sample while the hips go back: True once they have stopped."""


@dataclass(frozen=True, slots=True)
class LineSample:
    """One reading of a witness of hip travel, as the hinge-line test reads it.

    `x`: the witness (the camera's hip travel in leg lengths, or the band's tension).
    `trunk`: the trunk's recent angles, the line's other axis; `trunk_now`: its angle at t.
    `sign`: the way x moves as the hips go back (the band's learned sign), or None: a rep
    whose line slopes the other way is not judged on it. `origin`: (trunk, x) while
    standing, where the hinge line starts, or None.
    """

    t: float
    x: float
    trunk: Track
    trunk_now: float
    sign: float | None = None
    origin: tuple[float, float] | None = None


class StallDetector:
    """Hips-stopped on one witness of hip travel (camera travel, or band tension).

    While the rep descends, the witness is fitted as a straight line against the trunk angle
    (the hinge line), using samples older than one window; the standing point weighs in as
    `origin_weight` samples, since a hinge starts from standing. Each new sample is compared
    with the line at the trunk's current angle: the hips have stalled when they fall short
    of the line by more than `noise_k` times the witness's noise and by more than
    `1 - ratio` of what the trunk's last `window` seconds say they should have moved.

    The noise of one reading is the scatter about the line or the standing noise, whichever
    is larger (the camera's jitter is correlated from frame to frame, so a line through a
    second of it looks steadier than any one frame is), widened by the line's own doubt
    where it is read: early in a descent it rests on a few degrees and is read beyond them.

    A `correlated` witness (the camera) also has a quicker test (`evidence_k`, see
    `_evidence`), and while its standing gauge is young its noise is read from its
    innovations as well (`standing_sigma`).
    """

    def __init__(self, window: float, ratio: float, noise_k: float, noise_floor: float,
                 hold: float, tuning: Tuning, *, evidence_k: float = 0.0,
                 correlated: bool = False) -> None:
        self.window = window
        self.line_lag = tuning.hips_stopped_line_lag_s  # samples join the line this old
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
        self._fit = LineFit()
        self._queue: deque[tuple[float, float]] = deque()
        self._since: float | None = None
        self.last_z = 0.0  # the newest reading's shortfall in noise units

    def reset_rep(self) -> None:
        """Forget the hinge line (the athlete is still again, or a new descent begins)."""
        self._fit = LineFit()
        self.last_z = 0.0
        self._queue.clear()
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
        q = self._queue
        origin = sample.origin
        if origin is not None and self._fit.n == 0 and not q:
            # The hinge starts from standing: pin the line near the standing point.
            self._fit.add(origin[0], origin[1], self._origin_weight)
        q.append((t, x))
        self._recent.append((trunk_now, x))
        while q and q[0][0] <= t - max(self.window, self.line_lag):
            ts, xs = q.popleft()
            k = trunk.at(ts)
            if k is not None:
                self._fit.add(k, xs)
        fit = self._fit.solve()
        if fit is None or self._fit.hi - self._fit.lo < self.min_span_deg:
            self._since = None
            return False
        a, b, scatter = fit
        if sample.sign is not None and b * sample.sign <= 0.0:
            self._since = None
            return False
        s = 1.0 if b > 0.0 else -1.0
        k0 = trunk.at(t - self.window)
        if k0 is None:
            return False
        expected = abs(b) * (trunk_now - k0)
        shortfall = s * (a + b * trunk_now - x)
        standing = self.standing_sigma()
        noise = max(scatter, standing)
        sigma = noise * math.sqrt(1.0 + self._fit.leverage(trunk_now))
        self.last_z = shortfall / sigma if sigma > 0.0 else 0.0
        stalled = (expected > 0.0 and shortfall > (1.0 - self.ratio) * expected
                   and (shortfall > self.noise_k * sigma
                        or (self.evidence_k > 0.0 and shortfall > self._min_z * sigma
                            and self._evidence(a, b, s, noise, standing) > self.evidence_k)))
        if not stalled:
            self._since = None
            return False
        if self._since is None:
            self._since = t
        return t - self._since >= self.hold

    def standing_sigma(self) -> float:
        """The witness's standing noise: the gauge's spread, or for a correlated witness
        while the gauge is young (`young_squares`), its innovations' scaled up if that reads
        larger. Correlated jitter hides more of its spread the fewer frames a stand has: the
        level is found on the stand's first frames and the next ones stay close to it; its
        innovations are nearly independent and read fairly from a few frames."""
        sigma = self.noise.sigma
        if self.correlated and self.noise.squares < self._young:
            sigma = max(sigma, self.innovation.sigma / self._innovation_scale)
        return sigma

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
