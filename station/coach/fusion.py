"""The band as a second, faster witness of hip travel.

The load cell reports 80 times a second with no inference delay; the camera 30 times, a frame
or two late. While the hips travel back the band's tension changes in proportion, but which
way depends on where the anchor stands (behind: the band shortens and the tension falls; in
front: it rises). So the band learns its gain (newtons per leg length of hip travel, signed)
from the first movements, against the camera's hip travel, and trusts itself only while that
relation holds: a tension that does not follow the hips (no band, a broken wire, a loose
clamp) is never used, and the coach falls back to the camera alone.
"""

from __future__ import annotations

import math
from collections import deque


class Despiker:
    """Median of the last three samples: removes the HX711's lone spikes at one sample's lag."""

    def __init__(self) -> None:
        self._last: deque[float] = deque(maxlen=3)

    def add(self, x: float) -> float:
        self._last.append(x)
        if len(self._last) < 3:
            return x
        a, b, c = self._last
        return max(min(a, b), min(max(a, b), c))


class BandGain:
    """Least-squares gain of tension against camera hip travel, over the movements seen."""

    def __init__(self, min_travel: float, min_corr: float) -> None:
        self.min_travel = min_travel
        self.min_corr = min_corr
        self._n = 0
        self._sx = self._sy = self._sxx = self._syy = self._sxy = 0.0
        self._lo = math.inf
        self._hi = -math.inf

    def reset(self) -> None:
        self.__init__(self.min_travel, self.min_corr)  # type: ignore[misc]

    def add(self, travel: float, tension: float) -> None:
        self._n += 1
        self._sx += travel
        self._sy += tension
        self._sxx += travel * travel
        self._syy += tension * tension
        self._sxy += travel * tension
        self._lo = min(self._lo, travel)
        self._hi = max(self._hi, travel)

    def _moments(self) -> tuple[float, float, float]:
        n = self._n
        vx = self._sxx / n - (self._sx / n) ** 2
        vy = self._syy / n - (self._sy / n) ** 2
        cxy = self._sxy / n - (self._sx / n) * (self._sy / n)
        return vx, vy, cxy

    @property
    def gain(self) -> float | None:
        """Newtons per leg length of hip travel (signed), once learned and trustworthy."""
        if self._n < 10 or self._hi - self._lo < self.min_travel:
            return None
        vx, vy, cxy = self._moments()
        if vx <= 0.0 or vy <= 0.0:
            return None
        if abs(cxy) / math.sqrt(vx * vy) < self.min_corr:
            return None
        return cxy / vx
