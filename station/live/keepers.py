"""The parts the live station keeps running, started again when they stop.

The camera has its own keeper (`KeepCapturing`, which reopens it with back-off); here are
the pose thread's and the load cell reader's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from station.domain import PoseFrame, TensionSample
from station.flow.view import PartHealth
from station.hardware.camera import Frame
from station.hardware.reconnect import Backoff
from station.live.health import LoadCellTrust, load_cell_health
from station.pose.pipeline import NewestFrameSlot, PoseWorker
from station.tension.filter import Health as TensionHealth
from station.tension.source import TensionSource

log = logging.getLogger("station")


class PoseKeeper:
    """The pose thread on the camera's frame slot; a thread that ended (an error it could
    not skip) is replaced by a fresh one on the same slot."""

    def __init__(self, slot: NewestFrameSlot, estimate: Callable[[Frame], PoseFrame],
                 on_pose: Callable[[PoseFrame, Frame], None]) -> None:
        self.slot = slot
        self.estimate = estimate
        self.on_pose = on_pose
        self.worker = self._new_worker()
        self.restarts = 0

    def _new_worker(self) -> PoseWorker:
        return PoseWorker(self.slot, self.estimate, self.on_pose)

    def start(self) -> None:
        self.worker.start()

    def stop(self) -> None:
        self.worker.stop()

    def join(self, timeout: float) -> None:
        self.worker.join(timeout=timeout)

    def keep_alive(self) -> None:
        """Start a fresh thread if the pose thread ended while the slot is still open."""
        worker = self.worker
        if worker.is_alive() or self.slot.closed:
            return
        self.restarts += 1
        why = worker.error or "stopped"
        log.warning("pose: the pose thread ended (%s); starting it again", why)
        self.worker = self._new_worker()
        self.worker.start()


@dataclass(frozen=True)
class LoadCellReading:
    """What the load cell gave in one frame: its new samples, whether the coach may have
    them, and its badge."""

    samples: tuple[TensionSample, ...]
    trusted: bool
    health: PartHealth


RESTARTING = LoadCellReading((), False, PartHealth(False, "restarting"))


class LoadCellKeeper:
    """The load cell's reader: a reader that will not start, or whose chip stops answering,
    is replaced by a fresh one (a fresh filter, a re-powered chip) after a back-off.

    `make_sensor()` builds a TensionSensor that is not yet started.
    """

    def __init__(self, make_sensor: Callable[[], TensionSource],
                 backoff: Backoff, clock: Callable[[], float]) -> None:
        self.make_sensor = make_sensor
        self.backoff = backoff
        self.clock = clock
        self.sensor: TensionSource | None = None  # None while there is no reader
        self.restarts = 0
        self.trust = LoadCellTrust()
        self._failures = 0  # failures in a row: the back-off grows with them
        self._retry_at: float | None = None

    def start(self) -> None:
        """A fresh sensor (a fresh filter: a failure it saw is forgotten) and its reader."""
        try:
            self.sensor = self.make_sensor()
            self.sensor.start()
        except Exception as exc:  # no process could be started: camera only, retry later
            self.sensor = None
            self._failed(self.clock(), f"reader did not start ({exc})")

    def stop(self) -> None:
        if self.sensor is not None:
            self.sensor.stop()

    def poll(self) -> list[TensionSample]:
        """The reader's new samples (none while there is no reader)."""
        return self.sensor.poll() if self.sensor is not None else []

    def read(self, now: float, person_in_view: bool) -> LoadCellReading:
        """Once a frame: restart the reader when its back-off is over, take its samples and
        judge its health (`person_in_view`: the load cell re-tares only while nobody is)."""
        if self._retry_at is not None:
            if now < self._retry_at:
                return RESTARTING
            self._retry_at = None
            self.stop()
            self.restarts += 1
            self.start()
        sensor = self.sensor
        if sensor is None:
            return RESTARTING
        samples = tuple(sensor.poll())
        status = sensor.status(now)
        sensor.set_present(person_in_view)
        trusted = self.trust.update(status, now)
        if trusted:
            self._failures = 0
        elif status.health is TensionHealth.DISCONNECTED:
            # The chip does not answer or the reader died: a fresh reader re-powers the chip.
            self._failed(now, status.detail)
        return LoadCellReading(samples, trusted, load_cell_health(status, trusted))

    def _failed(self, now: float, why: str) -> None:
        self._failures += 1
        delay = self.backoff.delay(self._failures)
        self._retry_at = now + delay
        log.warning("load cell: %s; restarting its reader in %.0f s", why, delay)
