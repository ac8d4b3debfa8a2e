"""The band's tension in newtons, read from the HX711 by a process of its own, with its health.

Why a process and not a thread: a PD_SCK pulse held high over 60 us powers the HX711 down and
spoils the reading. In a thread, the GIL lets MediaPipe or pygame run for a whole switch
interval (5 ms) between the driver's rising and falling edge; a process has its own GIL, and it
can be given SCHED_FIFO priority (or a lower nice value) without raising the whole station.
The reader process only reads: it sends every `Reading` (with its monotonic time: the clock
is system-wide, so the times match the camera's) down a pipe. Everything else happens here,
in the process that polls: spike rejection against a running median, tare, calibration to
newtons, automatic re-tare while idle, and the live health the kiosk shows and the coach uses
to fall back to the camera alone.

Each reading is handed on as it is, in newtons, not smoothed: the coach despikes its own
(a median of 3). A median of 5 here put 25 ms between the band and the buzzer and made the
noise correlated from sample to sample, which the coach's brake test, reading the noise
from one sample to the next, took for far less than it is: fed such a stream, the bench's
good reps buzzed 482 times in 976 (the brake now also reads the noise over blocks of
samples: 18).
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import signal
import statistics
import time
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np

from station.config import Config, HX711Config, TensionConfig
from station.domain import TensionSample, TensionStream
from station.hardware.gpio import open_gpio
from station.recordings.formats import load_tension_csv
from station.tension.calibration import UNCALIBRATED, Calibration, load_calibration
from station.tension.hx711 import (
    HX711,
    HX711Error,
    Reading,
    ReadStatus,
    check_hx711_config,
    read_timeout,
)

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


# -- the reader process ---------------------------------------------------------------------

@dataclass(frozen=True)
class SimulatedLoad:
    """A pin-level emulated HX711 (hx711_emulator) in place of the chip, with this input."""

    counts: float = 0.0
    noise_counts: float = 0.0
    unplugged: bool = False
    spike_every: int = 0
    stuck_value: int | None = None
    long_pulses: int = 0  # the first reads that get a pulse held too long
    steps: tuple[tuple[float, float], ...] = ()  # (monotonic s, counts added from then on)
    seed: int = 0


@dataclass(frozen=True)
class ReaderSpec:
    """Everything the reader process needs to open the chip (picklable)."""

    hx711: HX711Config
    realtime_priority: int = 0
    simulate: SimulatedLoad | None = None


def raise_priority(realtime_priority: int) -> str:
    """Raise this process's scheduling priority as far as permitted; say what it got."""
    if realtime_priority > 0:
        try:
            os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(realtime_priority))
            return f"SCHED_FIFO {realtime_priority}"
        except (OSError, AttributeError):
            pass
    try:
        os.nice(-10)
        return "nice -10"
    except OSError:
        return "normal (not permitted to raise it)"


def open_hx711(spec: ReaderSpec) -> HX711:
    """The driver on the real pins, or on a MockFactory with the emulated chip."""
    if spec.simulate is None:
        hx, why = open_gpio(lambda: HX711.from_config(spec.hx711))
        if hx is None:
            raise HX711Error(f"no GPIO for the HX711 ({why})")
        return hx
    from gpiozero.pins.mock import MockFactory

    from station.sim.hx711_emulator import HX711Emulator

    sim = spec.simulate
    factory = MockFactory()
    emulator = HX711Emulator(spec.hx711.dout_pin, spec.hx711.pd_sck_pin, pin_factory=factory,
                             rate_sps=spec.hx711.rate_sps, counts=sim.counts,
                             noise_counts=sim.noise_counts, seed=sim.seed)
    emulator.unplugged = sim.unplugged
    emulator.spike_every = sim.spike_every
    emulator.stuck_value = sim.stuck_value
    if sim.long_pulses:
        emulator.stretch_pulse(pulse=12, us=80.0, reads=sim.long_pulses)
    for t, delta in sim.steps:
        emulator.step_at(t, delta)
    return emulator.driver(spec.hx711)


def _reader_main(spec: ReaderSpec, conn, stop) -> None:
    """The reader process: read the chip until told to stop, send every Reading."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    priority = raise_priority(spec.realtime_priority)
    try:
        hx = open_hx711(spec)
    except Exception as exc:  # noqa: BLE001 - any failure to open the pins is reported
        conn.send(("error", f"cannot open the HX711: {exc}"))
        conn.close()
        return
    conn.send(("started", priority))
    timeout = read_timeout(hx)
    try:
        while not stop.is_set():
            conn.send(hx.read(timeout))
    except (BrokenPipeError, EOFError, OSError):
        pass
    finally:
        hx.close()
        conn.close()


class TensionSensor:
    """The band's tension from the HX711, read by its own process; poll it for samples.

    ``with TensionSensor(config.hx711, config.tension, calibration) as sensor:
    samples = sensor.poll(); sensor.status().health``
    """

    def __init__(self, hx711_cfg: HX711Config, tension_cfg: TensionConfig,
                 calibration: Calibration = UNCALIBRATED, *,
                 simulate: SimulatedLoad | None = None) -> None:
        check_hx711_config(hx711_cfg)
        self._filter = TensionFilter(tension_cfg, calibration, hx711_cfg.rate_sps)
        self._spec = ReaderSpec(hx711_cfg, tension_cfg.realtime_priority, simulate)
        self._process: mp.process.BaseProcess | None = None
        self._conn = None
        self._stop = None
        self.priority: str | None = None  # what the reader process got, once started

    @classmethod
    def from_config(cls, config: Config, *,
                    simulate: SimulatedLoad | None = None) -> TensionSensor:
        """The sensor with the calibration file named in [tension]; warns if it is unusable."""
        path = config.resolve(config.tension.calibration_file)
        calibration, warning = load_calibration(path, gain=config.hx711.gain,
                                                rate_sps=config.hx711.rate_sps)
        if warning:
            log.warning("%s", warning)
        return cls(config.hx711, config.tension, calibration, simulate=simulate)

    @property
    def calibrated(self) -> bool:
        return self._filter.calibrated

    def start(self) -> None:
        """Start the reader process.

        Spawned, not forked: safe beside the camera's and pygame's threads, and it opens its
        own pins. (So a script that starts a sensor needs `if __name__ == "__main__":`.)
        """
        if self._process is not None:
            return
        ctx = mp.get_context("spawn")
        receive, send = ctx.Pipe(duplex=False)
        self._stop = ctx.Event()
        self._process = ctx.Process(target=_reader_main, args=(self._spec, send, self._stop),
                                    name="hx711-reader", daemon=True)
        self._process.start()
        send.close()
        self._conn = receive

    def poll(self) -> list[TensionSample]:
        """The samples that arrived since the last poll, oldest first (never blocks)."""
        out: list[TensionSample] = []
        conn = self._conn
        if conn is None:
            return out
        try:
            while conn.poll():
                msg = conn.recv()
                if isinstance(msg, Reading):
                    sample = self._filter.add(msg)
                    if sample is not None:
                        out.append(sample)
                elif msg[0] == "started":
                    self.priority = msg[1]
                elif msg[0] == "error":
                    self._filter.fail(msg[1])
        except (EOFError, OSError):
            code = self._process.exitcode if self._process else None
            self._filter.fail(f"the tension reader process stopped (exit code {code})")
        return out

    def status(self, now: float | None = None) -> TensionStatus:
        """The health right now."""
        return self._filter.status(time.monotonic() if now is None else now)

    def tare(self) -> float:
        """Zero the tension at the current reading (band slack); returns the tare in counts."""
        return self._filter.tare()

    def set_present(self, present: bool) -> None:
        """Tell the sensor whether someone is at the station (no automatic re-tare then)."""
        self._filter.set_present(present)

    def stop(self) -> None:
        """Stop the reader process (it powers the chip down on its way out)."""
        if self._process is None:
            return
        self._stop.set()
        self._process.join(timeout=2.0)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=2.0)
        self._conn.close()
        self._process = None
        self._conn = None

    def __enter__(self) -> TensionSensor:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


# -- replay ------------------------------------------------------------------------------------

class TensionReplay:
    """Tension samples from a recorded CSV (`t,force_n`), whole or paced like the live sensor.

    `samples()` gives them all; after `start(now)`, `poll(now)` gives those whose time (taken
    from the file's first sample) has come. Times keep the file's own clock.
    """

    def __init__(self, stream: TensionStream) -> None:
        self._stream = stream
        self._next = 0
        self._shift: float | None = None

    @classmethod
    def from_csv(cls, path: str | Path) -> TensionReplay:
        return cls(load_tension_csv(path))

    def samples(self) -> Iterator[TensionSample]:
        return self._stream.samples()

    def start(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        first = float(self._stream.t[0]) if len(self._stream) else 0.0
        self._shift = first - now
        self._next = 0

    def poll(self, now: float | None = None) -> list[TensionSample]:
        if self._shift is None:
            self.start(now)
        cursor = (time.monotonic() if now is None else now) + self._shift
        t = self._stream.t
        end = int(np.searchsorted(t, cursor, side="right"))
        out = [TensionSample(float(t[i]), float(self._stream.force_n[i]))
               for i in range(self._next, end)]
        self._next = max(self._next, end)
        return out

    def status(self, now: float | None = None) -> TensionStatus:
        done = self._next >= len(self._stream)
        last = float(self._stream.t[self._next - 1]) if self._next else None
        return TensionStatus(Health.STALE if done else Health.OK,
                             "replay finished" if done else "replaying a recording", True,
                             0.0, 0.0, 0.0, 0, last, {"ok": self._next})

    def stop(self) -> None:
        pass
