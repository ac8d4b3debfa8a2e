"""The reader process: a process of its own that reads the HX711 and sends every reading.

Why a process and not a thread: a PD_SCK pulse held high over 60 us powers the HX711 down and
spoils the reading. In a thread, the GIL lets MediaPipe or pygame run for a whole switch
interval (5 ms) between the driver's rising and falling edge; a process has its own GIL, and it
can be given SCHED_FIFO priority (or a lower nice value) without raising the whole station.
The reader only reads: it sends every `Reading` (with its monotonic time: the clock is
system-wide, so the times match the camera's) down a pipe to `TensionSensor`, which filters.

The chip is opened inside the reader, on the Pi's pins, or by an `HX711Opener` the caller
hands in (tests and the bench hand in the emulated chip of `station.sim.load_cell` this way).
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass
from typing import Protocol

from station.config import HX711Config
from station.hardware.gpio import open_gpio
from station.tension.hx711 import HX711, HX711Error, read_timeout


class HX711Opener(Protocol):
    """Opens a stand-in for the chip inside the reader process (sent there pickled)."""

    def open(self, hx711: HX711Config) -> HX711:
        """The driver on the stand-in's pins, wired as `hx711` says."""
        ...


@dataclass(frozen=True)
class ReaderSpec:
    """Everything the reader process needs to open the chip (picklable).

    `chip` None means the HX711 on the Pi's GPIO pins.
    """

    hx711: HX711Config
    realtime_priority: int = 0
    chip: HX711Opener | None = None


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
    """The driver on the real pins, or on the stand-in `spec.chip` opens."""
    if spec.chip is not None:
        return spec.chip.open(spec.hx711)
    hx, why = open_gpio(lambda: HX711.from_config(spec.hx711))
    if hx is None:
        raise HX711Error(f"no GPIO for the HX711 ({why})")
    return hx


def reader_main(spec: ReaderSpec, conn, stop) -> None:
    """The reader process: read the chip until told to stop, send every Reading.

    Before the readings it sends ("started", the priority it got), or ("error", why) when the
    chip cannot be opened.
    """
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
