"""The hips-stopped detector: the hips stop travelling back while the torso keeps folding.

A hinge moves the hips back in step with the trunk's lean: over a rep, hip travel grows in
proportion to trunk angle (this rep's own "hinge ratio"). The stall is the moment the hips
fall behind that ratio. Every new sample of the hips' witness (the camera's hip travel at
30 frames/s, or the band's tension at 80 samples/s) asks: over the last `window` seconds,
did the hips move at least `ratio` of what the trunk's change says they should have?

The expected change is this rep's ratio (hips moved per degree of trunk, from standing up to
the start of the window) times the trunk's change over the window. The shortfall must also
clear the witness's own noise (learned while the athlete stands: the spread of its change
over one window), so jitter alone never buzzes.
"""

from __future__ import annotations

import math
from collections import deque


class Track:
    """A short history of one signal, read back at any recent time by linear interpolation."""

    def __init__(self, span: float) -> None:
        self.span = span
        self._t: deque[float] = deque()
        self._x: deque[float] = deque()

    def clear(self) -> None:
        self._t.clear()
        self._x.clear()

    def add(self, t: float, x: float) -> None:
        self._t.append(t)
        self._x.append(x)
        while self._t and self._t[0] < t - self.span:
            self._t.popleft()
            self._x.popleft()

    def __len__(self) -> int:
        return len(self._t)

    @property
    def last(self) -> float:
        return self._x[-1]

    @property
    def last_t(self) -> float:
        return self._t[-1]

    @property
    def times(self) -> deque[float]:
        return self._t

    @property
    def values(self) -> deque[float]:
        return self._x

    def at(self, t: float) -> float | None:
        """The signal at time t (interpolated), or None if t is outside the history."""
        ts, xs = self._t, self._x
        if not ts or t < ts[0] or t > ts[-1]:
            return None
        for i in range(len(ts) - 1, 0, -1):
            if ts[i - 1] <= t:
                t0, t1 = ts[i - 1], ts[i]
                if t1 <= t0:
                    return xs[i]
                a = (t - t0) / (t1 - t0)
                return xs[i - 1] + a * (xs[i] - xs[i - 1])
        return xs[0]

    def mean_between(self, t0: float, t1: float) -> float | None:
        """Mean of the samples with t0 <= t <= t1, or None if there are none."""
        total, n = 0.0, 0
        for t, x in zip(reversed(self._t), reversed(self._x), strict=True):
            if t < t0:
                break
            if t <= t1:
                total += x
                n += 1
        return total / n if n else None

    def mean_since(self, t: float) -> float:
        """Mean of the samples from time t on (at least the last one)."""
        ts, xs = self._t, self._x
        total, n = 0.0, 0
        for i in range(len(ts) - 1, -1, -1):
            if n and ts[i] < t:
                break
            total += xs[i]
            n += 1
        return total / n


# A spread measured from a few squares is itself unsure, and one that reads low makes the
# first rep's noise look like a stall. It is widened by 1 + FEW_SQUARES / n^2 for n squares:
# x1.9 at 3, x1.3 at 5, x1.08 at 10, under x1.02 from 20 on. A Pi finds pose 5-15 times a
# second, so a short first stand gives the camera's gauge only a few frames: on the bench at
# 10 frames a second (2,160 reps) 8 took the false buzzes from 9 to 5 in 976 good reps with
# the band and from 11 to 7 in 1,141 on the camera alone, the latency the same; at 30 frames
# a second nothing changed. (1 + 2.64 / n, Student's t at n degrees of freedom, did as well
# at 10 but at 30 took the camera's p95 from 352 to 384 ms.) 20 and 40, tried on 2026-12-02:
# at 15 a second the false buzzes 9 -> 7 and 5 with the band, 6 -> 4 and 2 on the camera
# alone, but on two held-out runs at 15 (464 good reps) 20 changed none of them, and at 5 a
# second the camera's hips_stopped recall fell 93.8 -> 93.1 and 91.6%.
FEW_SQUARES = 8.0

# The spread assumed before any is measured (no stand long enough yet), in floors: a noisy
# sensor's, not a quiet one's. For the camera 4 floors is 2 px of jitter on a 250 px leg,
# the noisiest real clips'; for the load cell 0.4 N. At 2 floors (until 2026-12-02), at 5
# pose frames a second a rep after a stand too short to measure buzzed on the camera's
# jitter: on the bench (2,160 reps) 1 good rep of 976 with the band and 1 of 1,141 on the
# camera alone, now none; at 30 a second 2 false stalls fewer, the same latency.
UNMEASURED_FLOORS = 4.0

# Correlated jitter hides more of its spread the fewer frames a stand has: the level is
# found on the stand's first frames and the next ones stay close to it. Its innovations
# x_t - RHO x_(t-1) are nearly independent, so their spread, scaled up by
# 1 / sqrt(1 - RHO^2), reads fairly from a few frames. Until the standing gauge has this
# many squares (1.3 s at 30 frames a second, 2.7 s at 15, 4 s at 10) a correlated witness
# (the camera) takes the larger of the two. On the bench (2,160 reps) at 15 frames a second
# the camera's own stall test had buzzed on 6 of 976 good reps with the band and 6 of 1,141
# on the camera alone, most on an athlete's first rep after one short stand: with 40, 1 and
# 1 (on four runs kept aside at 15, the camera alone 1 -> 0). The price is latency where the
# gauge stays young: at 30 a second the camera alone's p95 352 -> 359 ms, at 10 a second
# with 100 ms of inference 443 -> 457-459 ms, for no false buzz fewer at 10 or 5. 60 took
# 2 more false stalls away at 30 a second but cost 14 ms more at 10; read from the
# innovations always, the camera at 30 a second lost 16 ms at the 95th percentile. The real
# clips' jitter is less correlated than RHO (bench/LATENCY.md): there the innovations read
# the spread high, and only a young gauge takes them.
YOUNG_SQUARES = 40

# What the noise learned before a gap in view is worth after it, in squares. The camera is
# the same, and mostly so is the athlete; forgotten (until 2026-12-02), a first rep after
# turning around or stepping back in was judged as if nothing had been measured when the
# stand before it was too short to measure: on the bench at 10 and 5 frames a second 1-2
# more false buzzes in 976 good reps than with it.
PRIOR_SQUARES = 3


class NoiseGauge:
    """The spread (standard deviation) of a signal about its own level, while still.

    Each stretch of stillness starts afresh (`restart`): its first `settle` samples only find
    the level (the athlete may stand a little differently after each rep), and a sample
    further than five spreads from the level is a shift, not noise. `settle` is 3 (a tenth
    of a second of frames): MediaPipe's jitter is correlated from frame to frame, so a level
    averaged over more of a short stand soaks up part of its slow wander and the spread reads
    low (with 8, the bench's noisiest cameras buzzed on 2 more good reps in 1,620).

    The spread starts as the plain mean of its first squares and only then becomes an
    exponential average: an average that starts from one square would take a hundred samples
    to forget it, and a short first stand would judge the first rep against a spread that is
    far too small.
    """

    def __init__(self, floor: float, alpha: float = 0.03, settle: int = 3) -> None:
        self.floor = floor
        self.alpha = alpha
        self.settle = settle
        self._mean: float | None = None
        self._seen = 0
        self._var: float | None = None
        self._squares = 0  # squares averaged into the spread so far

    def restart(self) -> None:
        """A new stretch of stillness: find the level again before measuring the spread."""
        self._mean = None
        self._seen = 0

    def loosen(self, squares: int) -> None:
        """Keep the spread measured so far only as a guess worth `squares` squares (it is
        widened as such, and the next squares weigh in at once), and find the level again."""
        self._squares = min(self._squares, squares)
        self.restart()

    def add(self, x: float) -> None:
        if self._mean is None:
            self._mean = x
            return
        self._seen += 1
        d = x - self._mean
        if self._seen <= self.settle:
            self._mean += d / (self._seen + 1)
            return
        self._mean += self.alpha * d
        v = d * d
        if self._var is None:
            self._var = v
            self._squares = 1
        elif v <= 25.0 * self._var or self._squares < self.settle:
            self._squares += 1
            self._var += max(self.alpha, 1.0 / self._squares) * (v - self._var)

    @property
    def squares(self) -> int:
        """How many squares the spread was measured from."""
        return self._squares

    @property
    def sigma(self) -> float:
        if self._var is None:
            return UNMEASURED_FLOORS * self.floor
        n = self._squares
        return max(self.floor, math.sqrt(self._var) * (1.0 + FEW_SQUARES / (n * n)))


class LineFit:
    """Running least-squares line y = a + b x."""

    def __init__(self) -> None:
        self.n = 0
        self.sx = self.sy = self.sxx = self.sxy = self.syy = 0.0
        self.lo = math.inf
        self.hi = -math.inf

    def add(self, x: float, y: float, weight: float = 1.0) -> None:
        self.n += weight
        self.sx += weight * x
        self.sy += weight * y
        self.sxx += weight * x * x
        self.sxy += weight * x * y
        self.syy += weight * y * y
        self.lo = min(self.lo, x)
        self.hi = max(self.hi, x)

    def leverage(self, x: float) -> float:
        """How far a prediction at x leans on the fitted slope: 1/n + (x - mean)^2 / Sxx."""
        n = self.n
        vx = self.sxx - self.sx * self.sx / n
        return 1.0 / n + (x - self.sx / n) ** 2 / vx if vx > 0.0 else math.inf

    def solve(self) -> tuple[float, float, float] | None:
        """(a, b, residual standard deviation), or None with too few points."""
        n = self.n
        if n < 4:
            return None
        vx = self.sxx - self.sx * self.sx / n
        if vx <= 0.0:
            return None
        cxy = self.sxy - self.sx * self.sy / n
        b = cxy / vx
        a = (self.sy - b * self.sx) / n
        vy = self.syy - self.sy * self.sy / n
        res = max(0.0, vy - b * cxy) / max(n - 2, 1)
        return a, b, math.sqrt(res)


# Weight (in samples) of the standing point in each descent's hinge line. A hinge starts from
# standing, so the line passes near it; pinning it there steadies the slope early in the
# descent, when a stall is commonest. 3: on the bench it buzzed live on 9 more of 98 stalls
# at the same false-stall count; 10 and 30 pinned too hard (real lines bend a little).
ORIGIN_WEIGHT = 3.0

# The camera's jitter is correlated from frame to frame (MediaPipe's tracking smooths): on
# the bench the shortfall's lag-1 correlation on good reps is 0.84, so each frame's
# shortfall is most of the last one's plus a fresh "innovation" x_t - RHO x_(t-1). A stall
# shows up in the innovations as a run of positives well before the level clears its
# margin. 0.8 is the simulated camera's own figure.
EVIDENCE_RHO = 0.8
# Frames back the evidence test looks for a stall's onset. 3 (0.1 s): on the bench (2,160
# reps) 4 added 2 false stalls for 1 ms at the median; 2 gave back 7-12 ms of the median
# for one false stall fewer.
EVIDENCE_FRAMES = 3
# The innovations' least spread, as a share of the shortfall's noise: sqrt(1 - 0.8^2) =
# 0.6 for a pure AR(0.8) jitter, 0.8 of that here: the measured innovations on good reps
# spread 0.47 standing noise-widths (the level 0.85).
EVIDENCE_SHARE = 0.8 * math.sqrt(1.0 - EVIDENCE_RHO ** 2)
# The level must still be this many noise-widths short for the evidence to call a stall:
# a run of small innovations near the line is a wobble, not a stall. 2.5: on the bench
# (2,160 reps), with the evidence at 4.5, the same false stalls as 1.5 with it at 5.0 and
# the camera's median latency 163 -> 153 ms; 3.0 gave the 10 ms back.
EVIDENCE_MIN_Z = 2.5


class StallDetector:
    """Hips-stopped on one witness of hip travel (camera travel, or band tension).

    While the rep descends, the witness is fitted as a straight line against the trunk angle
    (the hinge line), using samples older than one window. Each new sample is compared with
    the line at the trunk's current angle: the hips have stalled when they fall short of the
    line by more than `noise_k` times the witness's scatter about it (or its standing noise,
    whichever is larger) and by more than `1 - ratio` of what the trunk's last `window`
    seconds say they should have moved.
    """

    def __init__(self, window: float, ratio: float, noise_k: float, noise_floor: float,
                 hold: float, min_span_deg: float = 5.0, evidence_k: float = 0.0,
                 correlated: bool = False) -> None:
        self.window = window
        self.ratio = ratio
        self.noise_k = noise_k
        self.hold = hold
        self.min_span_deg = min_span_deg
        self.evidence_k = evidence_k
        self.correlated = correlated  # jitter correlated from sample to sample (the camera)
        self.noise = NoiseGauge(noise_floor)
        # The spread of the standing innovations x_t - RHO x_(t-1) (see `_evidence`).
        self.innovation = NoiseGauge(noise_floor * (1.0 - EVIDENCE_RHO))
        self._stand_prev: float | None = None
        self._recent: deque[tuple[float, float]] = deque(maxlen=EVIDENCE_FRAMES + 1)
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
        PRIOR_SQUARES squares, which the next stand soon replaces."""
        self.reset_rep()
        self.noise.loosen(PRIOR_SQUARES)
        self.innovation.loosen(PRIOR_SQUARES)
        self._stand_prev = None

    def restart_noise(self) -> None:
        """A new stretch of stillness: the noise gauges find its level again."""
        self.noise.restart()
        self.innovation.restart()
        self._stand_prev = None

    def standing(self, x: float) -> None:
        """A sample while the athlete stands still: learns the witness's noise."""
        self.noise.add(x)
        if self._stand_prev is not None:
            self.innovation.add(x - EVIDENCE_RHO * self._stand_prev)
        self._stand_prev = x

    def descending(self, t: float, x: float, trunk: Track, trunk_now: float,
                   sign: float | None = None,
                   origin: tuple[float, float] | None = None) -> bool:
        """A sample while the trunk goes down: True once the hips have stalled for `hold`.

        `sign`, when given, is the way the witness must move as the hips go back (the band's
        learned sign); a rep whose hinge line slopes the other way is not judged on it.
        `origin`, (trunk, witness) while standing, is where the hinge line starts.
        """
        q = self._queue
        if origin is not None and self._fit.n == 0 and not q:
            # The hinge starts from standing: pin the line near the standing point.
            self._fit.add(origin[0], origin[1], ORIGIN_WEIGHT)
        q.append((t, x))
        self._recent.append((trunk_now, x))
        while q and q[0][0] <= t - self.window:
            ts, xs = q.popleft()
            k = trunk.at(ts)
            if k is not None:
                self._fit.add(k, xs)
        fit = self._fit.solve()
        if fit is None or self._fit.hi - self._fit.lo < self.min_span_deg:
            self._since = None
            return False
        a, b, scatter = fit
        if sign is not None and b * sign <= 0.0:
            self._since = None
            return False
        s = 1.0 if b > 0.0 else -1.0
        k0 = trunk.at(t - self.window)
        if k0 is None:
            return False
        expected = abs(b) * (trunk_now - k0)
        shortfall = s * (a + b * trunk_now - x)
        # The noise of one reading (the scatter about the line, or the standing noise if
        # larger: the camera's jitter is correlated from frame to frame, so a line through a
        # second of it looks steadier than any one frame is), plus the line's own doubt
        # where it is read: early in a descent it rests on a few degrees and is read beyond
        # them, so a small error in its slope is a large one in the prediction.
        standing = self.standing_sigma()
        noise = max(scatter, standing)
        sigma = noise * math.sqrt(1.0 + self._fit.leverage(trunk_now))
        self.last_z = shortfall / sigma if sigma > 0.0 else 0.0
        stalled = (expected > 0.0 and shortfall > (1.0 - self.ratio) * expected
                   and (shortfall > self.noise_k * sigma
                        or (self.evidence_k > 0.0 and shortfall > EVIDENCE_MIN_Z * sigma
                            and self._evidence(a, b, s, noise, standing) > self.evidence_k)))
        if not stalled:
            self._since = None
            return False
        if self._since is None:
            self._since = t
        return t - self._since >= self.hold

    def standing_sigma(self) -> float:
        """The witness's standing noise: the gauge's spread, or for a correlated witness
        while the gauge is young, its innovations' if that reads larger (YOUNG_SQUARES)."""
        sigma = self.noise.sigma
        if self.correlated and self.noise.squares < YOUNG_SQUARES:
            sigma = max(sigma, self.innovation.sigma / math.sqrt(1.0 - EVIDENCE_RHO ** 2))
        return sigma

    def _evidence(self, a: float, b: float, s: float, noise: float,
                  standing: float) -> float:
        """How surely the last few frames' innovations show the hips stopping (noise units).

        If the hips stopped j frames ago the shortfall has grown as a ramp since, and a ramp
        v * i in AR(RHO) jitter leaves innovations v * ((1 - RHO) i + RHO): the matched
        filter over those frames, maximised over the onset (1 to EVIDENCE_FRAMES frames
        back). The innovations drop the slowly wandering part of the jitter that the level
        test must wait out; the spread they are judged against is the standing innovations'
        (scaled as the level's noise is scaled above `standing`, the standing noise), or
        EVIDENCE_SHARE of the level's noise if larger.
        """
        rho = EVIDENCE_RHO
        r = [s * (a + b * k - x) for k, x in self._recent]
        innov = [r[i] - rho * r[i - 1] for i in range(1, len(r))]
        spread = max(self.innovation.sigma * max(1.0, noise / standing),
                     EVIDENCE_SHARE * noise)
        best = 0.0
        for onset in range(1, len(innov) + 1):
            # innov[-m] is frame onset - m + 1 of the ramp; its shape is (1 - rho) i + rho.
            shape = [(1.0 - rho) * (onset - m + 1) + rho for m in range(1, onset + 1)]
            num = sum(innov[-m] * w for m, w in enumerate(shape, start=1))
            norm = math.sqrt(sum(w * w for w in shape))
            best = max(best, num / (spread * norm))
        return best
