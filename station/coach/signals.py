"""Small causal tools for live signals: they see only the past, so they run the same live.

- OneEuroFilter (Casiez, Roussel, Vogel, CHI 2012): smooths jitter hard when a signal is still
  and little when it moves, so it adds almost no lag to a rep while steadying a standing
  athlete.
- MedianWindow: the median of the last n values, which removes single-sample spikes.
- LineFit: a running least-squares line, the one set of sums every fit in the coach keeps.
- SlopeWindow: the least-squares slope over the last `span` seconds, a speed that holds up
  to uneven frame times and dropped frames. LineEnd: that line read at its newest sample.
- Track: a short history of one signal, read back at any recent time.
- NoiseGauge: the spread of a signal about its own level while it stands still.
"""

from __future__ import annotations

import math
from collections import deque

from station.coach.tuning import Tuning


class OneEuroFilter:
    """The One Euro filter for one signal. Times in seconds, cutoffs in Hz."""

    def __init__(self, min_cutoff: float, beta: float, d_cutoff: float):
        self.min_cutoff = min_cutoff
        self.beta = beta
        self.d_cutoff = d_cutoff
        self._x: float | None = None
        self._dx = 0.0
        self._t = 0.0

    @staticmethod
    def _alpha(cutoff: float, dt: float) -> float:
        tau = 1.0 / (2.0 * math.pi * cutoff)
        return 1.0 / (1.0 + tau / dt)

    def reset(self) -> None:
        self._x = None
        self._dx = 0.0

    def __call__(self, t: float, x: float) -> float:
        if self._x is None:
            self._x, self._t = x, t
            return x
        dt = t - self._t
        if dt <= 0.0:
            return self._x
        dx = (x - self._x) / dt
        self._dx += self._alpha(self.d_cutoff, dt) * (dx - self._dx)
        cutoff = self.min_cutoff + self.beta * abs(self._dx)
        self._x += self._alpha(cutoff, dt) * (x - self._x)
        self._t = t
        return self._x


class MedianWindow:
    """Median of the last `n` values. Until it holds `n`, the median of those it has, or with
    `newest_until_full` the newest value itself (a despiker that passes the first samples)."""

    def __init__(self, n: int, newest_until_full: bool = False):
        self.n = n
        self._values: deque[float] = deque(maxlen=n)
        self._newest_until_full = newest_until_full

    def reset(self) -> None:
        self._values.clear()

    def add(self, x: float) -> float:
        values = self._values
        values.append(x)
        if self._newest_until_full and len(values) < self.n:
            return x
        if len(values) == 3:  # the commonest window: two comparisons, no sort
            a, b, c = values
            return max(min(a, b), min(max(a, b), c))
        ordered = sorted(values)
        mid = len(ordered) // 2
        if len(ordered) % 2:
            return ordered[mid]
        return 0.5 * (ordered[mid - 1] + ordered[mid])


class LineFit:
    """Running least-squares line y = a + b x: sums that take points in (each with a weight)
    and give them back, so a point costs the same however many the fit holds.

    `lo` and `hi` are the least and greatest x taken in since the fit began (giving points
    back does not narrow them).
    """

    def __init__(self) -> None:
        self.n = 0.0
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

    def remove(self, x: float, y: float) -> None:
        """Give back a point taken in with weight 1."""
        self.n -= 1.0
        self.sx -= x
        self.sy -= y
        self.sxx -= x * x
        self.sxy -= x * y
        self.syy -= y * y

    def centred(self) -> tuple[float, float, float]:
        """Sxx, Sxy and Syy: the sums of squares and products about the means."""
        n = self.n
        return (self.sxx - self.sx * self.sx / n, self.sxy - self.sx * self.sy / n,
                self.syy - self.sy * self.sy / n)

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
        vx, cxy, vy = self.centred()
        if vx <= 0.0:
            return None
        b = cxy / vx
        a = (self.sy - b * self.sx) / n
        res = max(0.0, vy - b * cxy) / max(n - 2, 1)
        return a, b, math.sqrt(res)


class SlopeWindow:
    """Least-squares slope (units per second) of the samples in the last `span` seconds, and
    never of fewer than `min_samples` (at a low frame rate the window reaches further back:
    a Pi finds pose 5-15 times a second, and 0.2 s may span a single frame interval).

    A running fit over the window (times taken from the first sample, so the sums stay
    small): each new sample costs the same however many the window holds.
    """

    def __init__(self, span: float, min_samples: int):
        self.span = span
        self.min_samples = min_samples
        self._samples: deque[tuple[float, float]] = deque()
        self._t0 = 0.0
        self._fit = LineFit()

    def reset(self) -> None:
        self._samples.clear()
        self._fit = LineFit()

    def add(self, t: float, x: float) -> float | None:
        """Add a sample; return the slope, or None until the window holds enough samples."""
        s = self._samples
        if not s:
            self._t0 = t
            self._fit = LineFit()
        tr = t - self._t0
        s.append((tr, x))
        fit = self._fit
        fit.add(tr, x)
        while len(s) > self.min_samples and s[0][0] < tr - self.span:
            fit.remove(*s.popleft())
        if len(s) < self.min_samples:
            return None
        var, cov, _ = fit.centred()
        if var <= 1e-12:
            return None
        return cov / var

    @property
    def slope(self) -> float | None:
        """The slope of the samples in the window now, or None with fewer than two."""
        if len(self._samples) < 2:
            return None
        var, cov, _ = self._fit.centred()
        return cov / var if var > 1e-12 else None

    def value_at_newest(self, slope: float) -> float:
        """The least-squares line's value at the newest sample, given its slope."""
        s = self._samples
        n = len(s)
        return self._fit.sy / n + slope * (s[-1][0] - self._fit.sx / n)


class LineEnd:
    """The least-squares line through the last `span` seconds, read at the newest sample.

    A smoother with no lag on a steady ramp (a moving average lags by half its span): the
    trunk's angle through a descent is read with about half the jitter of one frame, and
    a controlled lift's deceleration biases it by well under a degree.
    """

    def __init__(self, span: float):
        self._slope = SlopeWindow(span, min_samples=2)

    def reset(self) -> None:
        self._slope.reset()

    def add(self, t: float, x: float) -> float:
        slope = self._slope.add(t, x)
        if slope is None:
            return x
        return self._slope.value_at_newest(slope)


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


class NoiseGauge:
    """The spread (standard deviation) of a signal about its own level, while still.

    Each stretch of stillness starts afresh (`restart`): its first `gauge_settle` samples
    only find the level (the athlete may stand a little differently after each rep), and a
    sample further than `gauge_shift_sigmas` spreads from the level is a shift, not noise.

    The spread starts as the plain mean of its first squares and only then becomes an
    exponential average: an average that starts from one square would take a hundred samples
    to forget it, and a short first stand would judge the first rep against a spread that is
    far too small. A spread read from few squares is itself unsure, and one that reads low
    makes the first rep's noise look like a stall: it is widened by 1 + few_squares / n^2.
    Before any square, it is `unmeasured_floors` floors: a noisy sensor's, not a quiet one's.
    """

    def __init__(self, floor: float, tuning: Tuning) -> None:
        self.floor = floor
        self.alpha = tuning.gauge_alpha
        self.settle = tuning.gauge_settle
        self._shift2 = tuning.gauge_shift_sigmas * tuning.gauge_shift_sigmas
        self._few = tuning.few_squares
        self._unmeasured = tuning.unmeasured_floors * floor
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
        elif v <= self._shift2 * self._var or self._squares < self.settle:
            self._squares += 1
            self._var += max(self.alpha, 1.0 / self._squares) * (v - self._var)

    @property
    def squares(self) -> int:
        """How many squares the spread was measured from."""
        return self._squares

    @property
    def spread(self) -> float | None:
        """The spread as measured, not widened (None before any square)."""
        return None if self._var is None else math.sqrt(self._var)

    @property
    def sigma(self) -> float:
        spread = self.spread
        return self._unmeasured if spread is None else self.widened(spread, self._squares)

    def widened(self, spread: float, squares: int) -> float:
        """A spread read from `squares` squares, widened as this gauge widens its own."""
        return max(self.floor, spread * (1.0 + self._few / (squares * squares)))
