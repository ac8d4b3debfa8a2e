"""The pure filter of the band's tension: raw HX711 readings in, samples in newtons out.

Between the chip's reader and the coach: spike rejection against a running median, tare,
calibration to newtons, automatic re-tare while nobody is at the station, and the health the
kiosk shows and the live supervisor uses to fall back to the camera alone. Pure: it reads no
clock and no pins, so it runs the same on a live reader's readings and in tests.

Each reading is handed on as it is, in newtons, not smoothed: the coach despikes its own (a
median of 3). A longer median here would put half its width between the band and the buzzer,
and would make the noise correlated from sample to sample, which the coach's brake test,
reading the noise from one sample to the next, would take for far less than it is.
"""

from __future__ import annotations

import logging
import statistics
from collections import Counter, deque
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from station.config import TensionConfig
from station.domain import TensionSample
from station.tension.calibration import UNCALIBRATED, Calibration
from station.tension.hx711 import Reading, ReadStatus

log = logging.getLogger(__name__)

_DISCONNECTED = (ReadStatus.NOT_READY, ReadStatus.ALL_ONES, ReadStatus.STUCK_LOW)


class Health(StrEnum):
    """Whether the tension can be trusted right now."""

    OK = "ok"
    STALE = "stale"  # no fresh reading for a while, or the chip repeats one value
    DISCONNECTED = "disconnected"  # no chip answers (unplugged, unpowered, reader failed)
    SATURATED = "saturated"  # the load is beyond the ADC's range
    NOISY = "noisy"  # readings scatter, or many are rejected


@dataclass(frozen=True)
class TensionStatus:
    """The sensor's health and the figures behind it, for the kiosk and the coach."""

    health: Health
    detail: str
    calibrated: bool
    noise_n: float  # reading-to-reading noise, one standard deviation (in counts if raw)
    rejected_fraction: float  # of the last second's reads
    tare_counts: float
    retares: int  # automatic re-tares so far
    last_t: float | None  # time of the last valid reading
    outcomes: dict[str, int]  # every read's status since start (ok, long_pulse, ...)


class TensionFilter:
    """Raw readings in, tension samples out: spike rejection, tare, scale, health.

    The median of the last `median_window` readings is what the spike test, the tare and the
    automatic re-tare read; a sample is each reading itself, in newtons (a spike is dropped).

    Pure: it never reads a clock (times come with the readings, `now` with `status`).
    """

    def __init__(self, cfg: TensionConfig, calibration: Calibration = UNCALIBRATED,
                 rate_sps: int = 80) -> None:
        self._cfg = cfg
        self._cal = calibration
        self._offset = calibration.offset_counts
        self._scale = calibration.newtons_per_count
        self._window: deque[int] = deque(maxlen=cfg.median_window)
        self._recent_counts: deque[int] = deque(maxlen=rate_sps)
        self._recent_rejected: deque[bool] = deque(maxlen=rate_sps)
        self._last_t: float | None = None
        self._last_good_t: float | None = None
        self._last_status: ReadStatus | None = None
        self._last_word: int | None = None
        self._same_word = 0
        self._error: str | None = None
        self._present = False
        self._steady_since: float | None = None
        self._steady_lo = 0.0
        self._steady_hi = 0.0
        self.retares = 0
        self.outcomes: Counter[str] = Counter()  # every read's status since start

    @property
    def calibrated(self) -> bool:
        return self._cal.calibrated

    @property
    def tare_counts(self) -> float:
        return self._offset

    def add(self, reading: Reading) -> TensionSample | None:
        """Take one reading; return the sample it yields, if any.

        None for a rejected reading (a failed read, or a spike: further than ten times the
        noise limit from the median), and for the first `median_window` - 1 readings (the
        spike test needs the median of a full window).
        """
        self._last_t = reading.t
        self._last_status = reading.status
        self.outcomes[reading.status.value] += 1
        if reading.status is not ReadStatus.OK or reading.counts is None:
            self._recent_rejected.append(True)
            return None
        counts = reading.counts
        if counts == self._last_word:
            self._same_word += 1
        else:
            self._same_word = 1
            self._last_word = counts
        spike = self._is_spike(counts)
        self._recent_rejected.append(spike)
        self._window.append(counts)
        self._recent_counts.append(counts)
        self._last_good_t = reading.t
        if len(self._window) < self._window.maxlen:
            return None  # against the median of fewer readings a spike could pass
        filtered = statistics.median(self._window)
        self._auto_tare(reading.t, filtered, (filtered - self._offset) * self._scale)
        if spike:
            return None
        return TensionSample(reading.t, float((counts - self._offset) * self._scale))

    def _is_spike(self, counts: int) -> bool:
        """Far from the window's median: 10 times the noise limit, in counts (needs a scale)."""
        if not self.calibrated or len(self._window) < 3:
            return False
        limit = 10 * self._cfg.noisy_above_n / abs(self._scale)
        return abs(counts - statistics.median(self._window)) > limit

    def _auto_tare(self, t: float, filtered: float, force: float) -> None:
        cfg = self._cfg
        if not (cfg.auto_tare and self.calibrated) or self._present \
                or abs(force) > cfg.auto_tare_max_n:
            self._steady_since = None
            return
        if self._steady_since is None or max(self._steady_hi, force) \
                - min(self._steady_lo, force) > cfg.auto_tare_steady_n:
            self._steady_since, self._steady_lo, self._steady_hi = t, force, force
            return
        self._steady_lo = min(self._steady_lo, force)
        self._steady_hi = max(self._steady_hi, force)
        if t - self._steady_since >= cfg.auto_tare_after_s:
            log.info("tension: automatic re-tare, drift %.2f N removed", force)
            self._offset = filtered
            self.retares += 1
            self._steady_since = None

    def tare(self) -> float:
        """Take the current (filtered) reading as zero; return the new tare in counts."""
        if self._window:
            self._offset = float(statistics.median(self._window))
        self._steady_since = None
        return self._offset

    def set_present(self, present: bool) -> None:
        """Someone is at the station (from the camera): no automatic re-tare meanwhile."""
        self._present = present
        if present:
            self._steady_since = None

    def fail(self, error: str) -> None:
        """The reader itself failed (could not open the pins, died): report disconnected.

        The first cause is kept: the process ending after it says nothing new."""
        if self._error is None:
            self._error = error

    def noise_counts(self) -> float:
        """Reading-to-reading noise over the last second, one standard deviation in counts.

        From the median absolute deviation of successive differences, so a steady pull of
        the band (a rep) does not count as noise, and neither do isolated spikes.
        """
        if len(self._recent_counts) < 4:
            return 0.0
        d = np.diff(np.asarray(self._recent_counts, dtype=np.float64))
        mad = float(np.median(np.abs(d - np.median(d))))
        return 1.4826 * mad / np.sqrt(2.0)

    def status(self, now: float) -> TensionStatus:
        """The health right now (`now` on the monotonic clock of the readings)."""
        noise_n = self.noise_counts() * abs(self._scale)
        rejected = (sum(self._recent_rejected) / len(self._recent_rejected)
                    if self._recent_rejected else 0.0)
        health, detail = self._health(now, noise_n, rejected)
        if health is Health.OK and not self.calibrated:
            detail = "ok, but uncalibrated: tension in raw counts (run `station calibrate`)"
        return TensionStatus(health, detail, self.calibrated, noise_n, rejected, self._offset,
                             self.retares, self._last_good_t, dict(self.outcomes))

    def _health(self, now: float, noise_n: float, rejected: float) -> tuple[Health, str]:
        cfg = self._cfg
        if self._error is not None:
            return Health.DISCONNECTED, self._error
        if self._last_t is None:
            return Health.STALE, "waiting for the first reading"
        if self._last_status in _DISCONNECTED:
            why = {ReadStatus.NOT_READY: "the HX711 does not answer (DOUT never goes low)",
                   ReadStatus.ALL_ONES: "the HX711 sends all ones (DOUT floating high)",
                   ReadStatus.STUCK_LOW: "DOUT is stuck low"}[self._last_status]
            return Health.DISCONNECTED, f"{why}: check its power and wiring"
        if self._last_status is ReadStatus.SATURATED:
            return Health.SATURATED, "the load is beyond the ADC's range"
        if self._last_good_t is None or now - self._last_good_t > cfg.stale_after_s:
            return Health.STALE, f"no valid reading for over {cfg.stale_after_s:g} s"
        if self._same_word >= cfg.stuck_readings:
            return Health.STALE, f"the chip repeated one reading {self._same_word} times"
        if rejected > cfg.noisy_rejected_fraction:
            return Health.NOISY, f"{rejected:.0%} of the last second's readings rejected"
        if self.calibrated and noise_n > cfg.noisy_above_n:
            return Health.NOISY, f"noise {noise_n:.2f} N (limit {cfg.noisy_above_n:g} N)"
        return Health.OK, "ok"
