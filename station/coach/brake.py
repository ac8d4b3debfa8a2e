"""The band's brake test: the tension stops following the hips back, abruptly.

The band reports 80 times a second, and a quiet load cell reads the hips' travel far more
finely than the camera can. Read against the camera's trunk angle (stall.py), it inherits
the camera's jitter; read on its own, it can tell within a few samples that the hips stopped.
So, for each possible onset in the last `brake_onset_first_s`, this test asks how much
better the last `brake_span_s` of tension is explained by "moving steadily, then stopped"
than by

- "still moving steadily" (the evidence that the hips stopped), and
- "slowing down smoothly" (a good hinge easing into its bottom, which also stops).

A stall is called when both are clear and the camera's trunk kept folding after the onset
(the fault is hips that stop while the torso keeps going down). Both margins are in the
load cell's own noise, so a noisy band simply takes longer to be sure. Where the band's case
against "slowing smoothly" is weaker (a noisy band, a stall that eases to its stop), the call
still stands if the trunk kept more of its speed: the two witnesses share the proof.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from station.coach.signals import NoiseGauge, Track
from station.coach.tuning import Tuning


@dataclass(frozen=True, slots=True)
class BrakeSample:
    """One tension sample as the brake test reads it: `raw` as it came, `force` despiked,
    `sign` the band's learned sign (+1 when the tension grows as the hips go back), `trunk`
    the camera's recent trunk angles."""

    t: float
    raw: float
    force: float
    sign: float
    trunk: Track


class BandBrake:
    """Hips-stopped on the band's own tension (read with its learned sign, so that it grows
    as the hips go back), with the camera's trunk as the guard.

    `k`: standard deviations by which "stopped" must beat "still moving". `curve`: squared
    standard deviations by which it must beat "slowing smoothly". `trunk_ratio`: the least
    share of its earlier speed the trunk must keep after the onset. `curve_weak` and
    `trunk_weak`: a smaller margin over "slowing smoothly" that calls a stall when the trunk
    keeps this larger share (by default no such second tier).
    """

    def __init__(self, k: float, curve: float, trunk_ratio: float, noise_floor: float,
                 tuning: Tuning, *, curve_weak: float = math.inf,
                 trunk_weak: float = math.inf) -> None:
        self.k = k
        self.curve = curve
        self.trunk_ratio = trunk_ratio
        self.curve_weak = curve_weak
        self.trunk_weak = trunk_weak
        self._span = tuning.brake_span_s
        self._fill = tuning.brake_fill_s
        first, last, step = (tuning.brake_onset_first_s, tuning.brake_onset_last_s,
                             tuning.brake_onset_step_s)
        self._onsets = [-first + i * step  # relative to now, ascending
                        for i in range(round((first - last) / step) + 1)]
        self._trunk_before = tuning.brake_trunk_before_s
        self._trunk_frames = tuning.brake_trunk_frames
        self._block_n = tuning.brake_noise_block
        self.noise = NoiseGauge(noise_floor, tuning)  # from one sample to the next
        self.slow_noise = NoiseGauge(noise_floor, tuning)  # from the blocks' means
        self._block: list[float] = []
        self._blocks: deque[float] = deque(maxlen=3)  # the last blocks' means
        self._t: deque[float] = deque()
        self._y: deque[float] = deque()
        self._prev: float | None = None

    def reset_rep(self) -> None:
        """Forget the tension history (standing again, going up, or a new descent)."""
        self._t.clear()
        self._y.clear()

    def standing(self, sample: BrakeSample) -> None:
        """A sample while the athlete stands still: learns the load cell's noise twice.

        From the change between raw samples, which a slow drift of the stance does not
        inflate (raw: the despiker's medians share samples, so their changes would read the
        noise low). And from the second difference of the means of successive blocks of
        `brake_noise_block` despiked samples, scaled to one sample's: the test judges a
        stall's shape over 50-150 ms, so a noise correlated from sample to sample (a
        filtered stream, a band that flutters) is read at its power on that time scale. It
        is the same as the first reading for an independent noise, larger for a correlated
        one; a steady drift or the start of a movement does not inflate it, and a lone
        spike (despiked) does not either."""
        raw = sample.raw
        if self._prev is not None:
            self.noise.add((raw - self._prev) / math.sqrt(2.0))
        self._prev = raw
        block, size = self._block, self._block_n
        block.append(sample.force)
        if len(block) == size:
            means = self._blocks
            means.append(sum(block) / size)
            block.clear()
            if len(means) == 3:
                a, b, c = means
                self.slow_noise.add((a - 2.0 * b + c) * math.sqrt(size / 6.0))

    @property
    def sigma(self) -> float:
        """The load cell's noise as the test reads it: the larger of the two readings."""
        return max(self.noise.sigma, self.slow_noise.sigma)

    def restart_noise(self) -> None:
        """A new stretch of stillness."""
        self.noise.restart()
        self.slow_noise.restart()
        self._prev = None
        self._block.clear()
        self._blocks.clear()

    def descending(self, sample: BrakeSample) -> bool:
        """A sample while the hips go back: True when they have braked."""
        t, trunk = sample.t, sample.trunk
        ts, ys = self._t, self._y
        ts.append(t)
        ys.append(sample.force if sample.sign > 0 else -sample.force)
        while ts[0] < t - self._span:
            ts.popleft()
            ys.popleft()
        if t - ts[0] < self._fill:
            return False
        onset, onset_weak = self._onset([tt - t for tt in ts], list(ys))
        ratio = None
        if onset is not None:
            ratio = self._trunk_ratio(trunk, t + onset)
            if ratio is not None and ratio >= self.trunk_ratio:
                return True
        if onset_weak is None:
            return False
        if onset_weak != onset:
            ratio = self._trunk_ratio(trunk, t + onset_weak)
        return ratio is not None and ratio >= self.trunk_weak

    def _onset(self, u: list[float], y: list[float]) -> tuple[float | None, float | None]:
        """The onsets (seconds before now) at which "steady, then stopped" beats "still
        moving" by the margin and "slowing smoothly" by `curve`, and by `curve_weak`: for
        each, the one with the most evidence, or None. `u`: sample times relative to now,
        ascending.

        One pass of plain sums over the window, not a running LineFit: the parabola needs
        the third and fourth moments and each onset its own prefix sums; and not numpy: on
        these 13-25 samples numpy's cost per call is most of it.
        """
        n = len(u)
        y_ref = y[-1]  # (the sums run on y less its last value: no large squares to cancel)
        su = suu = su3 = su4 = sy = suy = su2y = syy = 0.0
        for a, b in zip(u, y, strict=True):
            b -= y_ref
            a2 = a * a
            su += a
            suu += a2
            su3 += a2 * a
            su4 += a2 * a2
            sy += b
            suy += a * b
            su2y += a2 * b
            syy += b * b
        u_mean = su / n
        y_mean = sy / n
        syy -= sy * y_mean  # all centred from here on
        cuu = suu - su * u_mean
        cuy = suy - su * y_mean
        if cuu <= 0.0:
            return None, None
        # "Still moving": one straight line.
        rss_line = syy - cuy * cuy / cuu
        # "Slowing smoothly": a parabola. Its u^2 term, made orthogonal to the line's terms,
        # explains some of what the line left.
        beta = (su3 - u_mean * suu) / cuu
        qy = (su2y - suu * y_mean) - beta * cuy
        qq = (su4 - suu * suu / n) - beta * (su3 - u_mean * suu)
        rss_curve = rss_line - qy * qy / qq if qq > 0.0 else rss_line
        # "Steady, then stopped at c": a line in min(u - c, 0), for each onset c (ascending),
        # from running sums over the samples before it.
        var = self.sigma ** 2
        need = self.k * self.k * var
        strong_curve, weak_curve = self.curve * var, min(self.curve_weak, self.curve) * var
        best, best_evidence = None, -math.inf
        weak, weak_evidence = None, -math.inf
        k = 0
        pu = puu = py = puy = 0.0
        for c in self._onsets:
            while k < n and u[k] < c:
                a = u[k]
                b = y[k] - y_ref
                pu += a
                puu += a * a
                py += b
                puy += a * b
                k += 1
            g_sum = pu - c * k
            sgg = puu - 2.0 * c * pu + c * c * k - g_sum * g_sum / n
            sgy = (puy - y_mean * pu) - c * (py - k * y_mean)
            if sgg <= 1e-12 or sgy <= 0.0:  # the hips went back before the onset, or no test
                continue
            rss_stop = syy - sgy * sgy / sgg
            evidence = rss_line - rss_stop
            if evidence < need:
                continue
            smooth = rss_curve - rss_stop
            if smooth >= strong_curve and evidence > best_evidence:
                best, best_evidence = c, evidence
            if smooth >= weak_curve and evidence > weak_evidence:
                weak, weak_evidence = c, evidence
        return best, weak

    def _trunk_ratio(self, trunk: Track, onset: float) -> float | None:
        """The trunk's speed after the onset as a share of its speed before (a line that
        bends at the onset, fitted to the camera's frames), or None without frames after."""
        # The frames after the onset, and before it those of the last brake_trunk_before_s,
        # or the last brake_trunk_frames if that is more (a Pi finds pose 5-15 times a
        # second).
        pts = list(zip(trunk.times, trunk.values, strict=True))
        first = len(pts)
        while first > 0 and pts[first - 1][0] > onset:
            first -= 1
        after = len(pts) - first
        start = first
        while start > 0 and (first - start < self._trunk_frames
                             or pts[start - 1][0] >= onset - self._trunk_before):
            start -= 1
        pts = pts[start:]
        if after < 1 or first - start < self._trunk_frames:
            return None
        arr = np.array(pts)
        u = arr[:, 0] - onset
        X = np.column_stack([np.ones(len(u)), u, np.maximum(u, 0.0)])
        coef, *_ = np.linalg.lstsq(X, arr[:, 1], rcond=None)
        before, change = float(coef[1]), float(coef[2])
        if before <= 0.0:
            return None
        return (before + change) / before
