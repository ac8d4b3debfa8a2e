"""What the band's own shape reads each reading against, learned from the load cell itself.

- BandNoise: the load cell's noise while the athlete stands, from one reading to the next
  and from the means of blocks of readings (a noise correlated from reading to reading
  reads far too low from one reading to the next).
- SampleTiming: how far the readings' time stamps wander off the load cell's steady rate,
  a noise a moving band shows and a standing one does not.
"""

from __future__ import annotations

import math
from collections import deque

from station.coach.signals import MedianWindow, NoiseGauge
from station.coach.tuning import Tuning


class BandNoise:
    """The load cell's noise, learned while the athlete stands: from one raw reading to the
    next, and from the second difference of the means of blocks of `band_noise_block`
    readings (a noise correlated from reading to reading, a band that flutters or a smoothed
    stream, reads far too low from one reading to the next), taking the larger."""

    def __init__(self, tuning: Tuning) -> None:
        floor = tuning.tension_noise_floor_n
        self.fast = NoiseGauge(floor, tuning)
        self._slow: deque[float] = deque(maxlen=tuning.band_noise_blocks)
        self._n = tuning.band_noise_block
        self._block: list[float] = []
        self._means: list[float] = []
        self._last: list[float] = []

    def restart(self) -> None:
        self.fast.restart()
        self._last.clear()
        self._block.clear()
        self._means.clear()

    def add(self, y: float) -> None:
        last = self._last
        if len(last) == 2:
            self.fast.add((y - 2.0 * last[1] + last[0]) / math.sqrt(6.0))
            last.pop(0)
        last.append(y)
        self._block.append(y)
        if len(self._block) == self._n:
            self._means.append(sum(self._block) / self._n)
            self._block.clear()
            if len(self._means) == 4:
                a, b, c, d = self._means
                self._slow.append(abs(d - 3.0 * c + 3.0 * b - a) * math.sqrt(self._n / 20.0))
                self._means.pop(0)

    @property
    def sigma(self) -> float:
        return max(self.fast.sigma, self.slow)

    @property
    def slow(self) -> float:
        """The noise the blocks' means read: the median of their third differences (a
        movement caught at a stand's edge is outlived), 0 before `band_noise_blocks`."""
        values = self._slow
        if len(values) < values.maxlen:  # type: ignore[operator]
            return 0.0
        ordered = sorted(values)
        return 1.4826 * 0.5 * (ordered[len(ordered) // 2 - 1] + ordered[len(ordered) // 2])


class SampleTiming:
    """How far the load cell's time stamps wander off its steady rate (a spread, seconds).

    The HX711 converts at a fixed rate, but a reading is stamped when the reader finds it, a
    poll and the scheduler late: a stamp off by dt puts a moving band's reading its speed
    times dt off the trend, a noise that standing never shows. The rate is the median of the
    last `timing_intervals` intervals; an interval's distance from a whole number of periods
    (a reading may be lost) is two stamps' errors."""

    def __init__(self, tuning: Tuning) -> None:
        self._rate = MedianWindow(tuning.timing_intervals)
        self._alpha = tuning.gauge_alpha
        self._last: float | None = None
        self._var = 0.0
        self._n = 0

    def add(self, t: float) -> None:
        last, self._last = self._last, t
        if last is None or t <= last:
            return
        dt = t - last
        period = self._rate.add(dt)
        periods = round(dt / period)
        if not 1 <= periods <= 4:
            return  # a gap, not a late stamp
        dev = dt - periods * period
        self._n += 1
        self._var += max(self._alpha, 1.0 / self._n) * (0.5 * dev * dev - self._var)

    @property
    def sigma(self) -> float:
        return math.sqrt(self._var)
