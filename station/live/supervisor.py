"""The station on real hardware: camera, pose, load cell, buzzer, button, log and screen,
wired to the station's flow, each part watched so that one failing degrades the station
instead of stopping it.

- Camera lost: `KeepCapturing` reopens it with back-off; the camera badge says so.
- A frame pose cannot be found for: that frame is skipped (the pose worker counts it), the
  pose badge says so for a moment; a pose thread that died is started again.
- Load cell dead, noisy or uncalibrated: its samples are no longer handed to the coach, which
  coaches on the camera alone; the badge says why (the journal adds "camera only"). A reader
  process that died is started again with back-off.
- Disk full: the log's writer pauses and the screen says so (`station.store`); coaching goes on.
- systemd: READY=1 once the loop runs, WATCHDOG=1 after every frame it draws, and a STATUS=
  line naming whatever is degraded. Every change of a part's health goes to the journal once.

How each part is judged is in `live.health`, how the pose thread and the load cell's reader
are started again in `live.keepers`, and how `station run` builds the parts in `live.wiring`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from station.appliance.watchdog import Watchdog
from station.cards.watcher import CardWatcher
from station.config import Config
from station.domain import PoseFrame
from station.flow.flow import StationFlow
from station.flow.view import Part, PartHealth
from station.hardware.camera import Frame, FrameSource
from station.hardware.reconnect import Backoff, KeepCapturing
from station.live.health import HealthJournal, SkippedFrames, camera_health
from station.live.keepers import LoadCellKeeper, PoseKeeper
from station.live.page_state import PagePublisher
from station.logbook.requests import RequestInbox
from station.pose.pipeline import NewestFrameSlot, PoseWorker
from station.tension.source import TensionSource

CAMERA_BACKOFF = Backoff(1.0, 30.0)  # a camera back within a second is retried at once
TENSION_BACKOFF = Backoff(2.0, 60.0)  # a reader process restart costs a settling time


class LiveStation:
    """Runs the sensors into `flow` and keeps them going. Call `feed(now)` once per screen
    frame (before drawing), `after_frame()` once after and `hand_in(now)` as often as the
    loop can between frames; `stop()` at the end.

    `open_camera()` returns an opened frame source; `estimate(frame)` finds the pose;
    `make_tension()` builds a (not yet started) TensionSensor, or is None: no load cell.
    """

    def __init__(self, config: Config, flow: StationFlow, open_camera: Callable[[], FrameSource],
                 estimate: Callable[[Frame], PoseFrame],
                 make_tension: Callable[[], TensionSource] | None = None,
                 watchdog: Watchdog | None = None, camera_backoff: Backoff = CAMERA_BACKOFF,
                 tension_backoff: Backoff = TENSION_BACKOFF,
                 clock: Callable[[], float] = time.monotonic,
                 cards: CardWatcher | None = None, requests: RequestInbox | None = None,
                 page: PagePublisher | None = None) -> None:
        self.config = config
        self.flow = flow
        self.clock = clock
        # The coach page's parts (each None when off): cards read between sets, the page's
        # requests taken from the log, the kiosk's state written for the page.
        self.cards = cards
        self.requests = requests
        self.page = page
        self.watchdog = watchdog or Watchdog({})
        # What runs: the camera's thread fills the slot, the pose thread empties it, and the
        # load cell's reader process (if there is a load cell) reads the band.
        self.slot = NewestFrameSlot()
        self.camera = KeepCapturing(open_camera, self.slot.put, camera_backoff)
        self.poses = PoseKeeper(self.slot, estimate, self._on_pose)
        self.load_cell = (LoadCellKeeper(make_tension, tension_backoff, clock)
                          if make_tension is not None else None)
        # How they are watched: every change of a part's health goes to the journal once.
        self.journal = HealthJournal()
        self.skipped = SkippedFrames()
        self.frames = 0
        self._ready = False
        self._image: Any = None  # the newest camera picture, not yet handed to the flow

    @property
    def pose(self) -> PoseWorker:
        """The pose thread running now."""
        return self.poses.worker

    @property
    def pose_restarts(self) -> int:
        return self.poses.restarts

    @property
    def tension_restarts(self) -> int:
        return self.load_cell.restarts if self.load_cell is not None else 0

    # -- start and stop ------------------------------------------------------------------

    def start(self) -> LiveStation:
        self.camera.start()
        self.poses.start()
        if self.load_cell is not None:
            self.load_cell.start()
        if self.cards is not None:
            self.cards.start()
        if self.requests is not None:
            self.requests.start()
        return self

    def stop(self) -> None:
        self.watchdog.stopping()
        self.camera.stop()
        self.poses.stop()
        self.slot.close()
        self.camera.join(timeout=5.0)
        self.poses.join(timeout=5.0)
        if self.load_cell is not None:
            self.load_cell.stop()
        for part in (self.cards, self.requests):
            if part is not None:
                part.close()

    def _on_pose(self, pose: PoseFrame, frame: Frame) -> None:
        # The pose goes on the flow's queue; the picture only replaces the last one, so a
        # loop that stalls holds one picture, not a growing pile of them. The card watcher
        # gets the same reference (its own thread decodes it, when it looks at all).
        self._image = frame.image
        self.flow.submit(pose)
        if self.cards is not None:
            self.cards.offer(frame.image, pose.t)

    # -- each frame ----------------------------------------------------------------------

    def feed(self, now: float) -> None:
        """Before each screen frame: the newest picture, the load cell's samples, and every
        part's health."""
        image, self._image = self._image, None
        if image is not None:
            self.flow.submit(image)
        self._report(Part.CAMERA, camera_health(self.camera.status))
        worker = self.poses.worker  # its skips count, even if it has just ended
        self.poses.keep_alive()
        self._report(Part.POSE, self.skipped.health(worker, now))
        self._report(Part.LOAD_CELL, self._feed_load_cell(now))
        if self.cards is not None:
            if self.flow.accepts_cards:
                self.cards.armed = True
            elif self.cards.armed:  # a set began: stop looking, drop the frame held
                self.cards.disarm()

    def hand_in(self, now: float) -> None:
        """Between screen frames: the load cell's new samples, while it is trusted (so the
        coach reads the band within a few milliseconds, not a frame later)."""
        if self.flow.has_load_cell and self.load_cell is not None:
            for sample in self.load_cell.poll():
                self.flow.submit(sample)

    def after_frame(self) -> None:
        """After each screen frame: the loop is alive, tell systemd."""
        self.frames += 1
        if not self._ready:
            self._ready = True
            self.watchdog.ready(status="coaching")
        self.watchdog.ping()
        if self.page is not None:
            self.page.publish(self.flow)
        down = self.journal.down()
        store = self.flow.store
        if store is not None and not store.ok:
            down.append(store.reason)
        self.watchdog.status("; ".join(down) if down else "coaching")

    def zero_load_cell(self) -> str:
        """The coach menu's "Calibrate load cell": zero the load cell at its reading now (the
        band slack); the line the screen shows. Call from the main thread."""
        if self.load_cell is None:
            return "No load cell to zero"
        return self.load_cell.tare(self.clock())

    def _report(self, part: Part, health: PartHealth) -> None:
        self.journal.note(part, health)
        self.flow.report(part, health.ok, health.reason)

    def _feed_load_cell(self, now: float) -> PartHealth:
        """The load cell's samples to the coach while it is trusted; its badge."""
        if self.load_cell is None:
            self.flow.has_load_cell = False
            return PartHealth(False, "none")
        reading = self.load_cell.read(now, person_in_view=self.flow.view.live.landmarks
                                      is not None)
        self.flow.has_load_cell = reading.trusted
        if reading.trusted:
            for sample in reading.samples:
                self.flow.submit(sample)
        return reading.health
