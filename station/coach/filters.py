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
    """Least-squares slope (units per second) of the samples in the last `span` seconds."""

    def __init__(self, span: float, min_samples: int = 3):
        self.span = span
        self.min_samples = min_samples
        self._samples: deque[tuple[float, float]] = deque()

    def reset(self) -> None:
        self._samples.clear()

    def add(self, t: float, x: float) -> float | None:
        """Add a sample; return the slope, or None until the window holds enough samples."""
        s = self._samples
        s.append((t, x))
        while s and s[0][0] < t - self.span:
            s.popleft()
        if len(s) < self.min_samples:
            return None
        n = len(s)
        mt = sum(p[0] for p in s) / n
        mx = sum(p[1] for p in s) / n
        var = sum((p[0] - mt) ** 2 for p in s)
        if var <= 0.0:
            return None
        return sum((p[0] - mt) * (p[1] - mx) for p in s) / var


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
        s = self._slope._samples
        if slope is None:
            return x
        n = len(s)
        mt = sum(p[0] for p in s) / n
        mx = sum(p[1] for p in s) / n
        return mx + slope * (t - mt)
