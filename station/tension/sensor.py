"""The live band tension: the reader process's readings through the filter, polled for samples.

`TensionSensor` starts the reader process (`station.tension.reader`), and each `poll()` runs
what arrived through its `TensionFilter`: samples in newtons, and the health that `status()`
reports. It is the station's live `TensionSource`.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import time

from station.config import Config, HX711Config, TensionConfig
from station.domain import TensionSample
from station.tension.calibration import UNCALIBRATED, Calibration, load_calibration
from station.tension.filter import TensionFilter, TensionStatus
from station.tension.hx711 import Reading, check_hx711_config
from station.tension.reader import HX711Opener, ReaderSpec, reader_main

log = logging.getLogger(__name__)


class TensionSensor:
    """The band's tension from the HX711, read by its own process; poll it for samples.

    ``with TensionSensor(config.hx711, config.tension, calibration) as sensor:
    samples = sensor.poll(); sensor.status().health``

    `simulate` opens a stand-in chip in the reader process instead of the Pi's pins (the
    emulated chip of `station.sim.load_cell.SimulatedLoad`).
    """

    def __init__(self, hx711_cfg: HX711Config, tension_cfg: TensionConfig,
                 calibration: Calibration = UNCALIBRATED, *,
                 simulate: HX711Opener | None = None) -> None:
        check_hx711_config(hx711_cfg)
        self._filter = TensionFilter(tension_cfg, calibration, hx711_cfg.rate_sps)
        self._spec = ReaderSpec(hx711_cfg, tension_cfg.realtime_priority, simulate)
        self._process: mp.process.BaseProcess | None = None
        self._conn = None
        self._stop = None
        self.priority: str | None = None  # what the reader process got, once started

    @classmethod
    def from_config(cls, config: Config, *,
                    simulate: HX711Opener | None = None) -> TensionSensor:
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
        self._process = ctx.Process(target=reader_main, args=(self._spec, send, self._stop),
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

