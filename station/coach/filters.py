"""Small causal filters for live signals: they see only the past, so they run the same live.

- OneEuroFilter (Casiez, Roussel, Vogel, CHI 2012): smooths jitter hard when a signal is still
  and little when it moves, so it adds almost no lag to a rep while steadying a standing
  athlete. Chosen over a fixed low-pass because the coach needs both: steady baselines and
  quick edges.
- SlopeWindow: the least-squares slope over the last `span` seconds, a velocity that is robust
  to uneven frame times and to dropped frames.
- MedianWindow: the median of the last n values, which removes single-sample spikes.
"""

from __future__ import annotations

import math
from collections import deque


class OneEuroFilter:
    """The One Euro filter for one signal. Times in seconds."""

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.05, d_cutoff: float = 1.0):
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


class SlopeWindow:
    """Least-squares slope (units per second) of the samples in the last `span` seconds, and
    never of fewer than `min_samples` (at a low frame rate the window reaches further back:
    a Pi finds pose 5-15 times a second, and 0.2 s may span a single frame interval).

    Keeps running sums (times taken from the first sample, so they stay small), so each new
    sample costs the same however many the window holds.
    """

    def __init__(self, span: float, min_samples: int = 3):
        self.span = span
        self.min_samples = min_samples
        self._samples: deque[tuple[float, float]] = deque()
        self._t0 = 0.0
        self._st = self._sx = self._stt = self._stx = 0.0

    def reset(self) -> None:
        self._samples.clear()
        self._st = self._sx = self._stt = self._stx = 0.0

    def add(self, t: float, x: float) -> float | None:
        """Add a sample; return the slope, or None until the window holds enough samples."""
        s = self._samples
        if not s:
            self._t0 = t
            self._st = self._sx = self._stt = self._stx = 0.0
        tr = t - self._t0
        s.append((tr, x))
        self._st += tr
        self._sx += x
        self._stt += tr * tr
        self._stx += tr * x
        while len(s) > self.min_samples and s[0][0] < tr - self.span:
            old_t, old_x = s.popleft()
            self._st -= old_t
            self._sx -= old_x
            self._stt -= old_t * old_t
            self._stx -= old_t * old_x
        n = len(s)
        if n < self.min_samples:
            return None
        var = self._stt - self._st * self._st / n
        if var <= 1e-12:
            return None
        return (self._stx - self._st * self._sx / n) / var

    def value_at_newest(self, slope: float) -> float:
        """The least-squares line's value at the newest sample, given its slope."""
        s = self._samples
        n = len(s)
        return self._sx / n + slope * (s[-1][0] - self._st / n)


class MedianWindow:
    """Median of the last `n` values."""

    def __init__(self, n: int):
        self._values: deque[float] = deque(maxlen=n)

    def reset(self) -> None:
        self._values.clear()

    def add(self, x: float) -> float:
        self._values.append(x)
        ordered = sorted(self._values)
        mid = len(ordered) // 2
        if len(ordered) % 2:
            return ordered[mid]
        return 0.5 * (ordered[mid - 1] + ordered[mid])


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
