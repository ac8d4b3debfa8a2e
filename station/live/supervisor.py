"""The station on real hardware: camera, pose, load cell, buzzer, button, log and screen,
wired to the station's flow, each part watched so that one failing degrades the station
instead of stopping it.

- Camera lost: `KeepCapturing` reopens it with back-off; the camera badge says so.
- A frame pose cannot be found for: that frame is skipped (the pose worker counts it), the
  pose badge says so for a moment; a pose thread that died is started again.
- Load cell dead, noisy or uncalibrated: its samples are no longer handed to the coach, which
  coaches on the camera alone; the badge says why (the journal adds "camera only"). A reader
  process that
  died is started again with back-off.
- Disk full: the log's writer pauses and the screen says so (`station.store`); coaching goes on.
- systemd: READY=1 once the loop runs, WATCHDOG=1 after every frame it draws, and a STATUS=
  line naming whatever is degraded. Every change of a part's health goes to the journal once.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from station.appliance.watchdog import Watchdog
from station.config import Config
from station.domain import PoseFrame
from station.flow.flow import StationFlow
from station.hardware.reconnect import Backoff, CameraStatus, KeepCapturing
from station.pose.pipeline import NewestFrameSlot, PoseWorker
from station.tension.sensor import Health as TensionHealth

log = logging.getLogger("station")

POSE_SKIP_SHOWN_S = 2.0  # how long a skipped frame keeps the pose badge amber
CAMERA_BACKOFF = Backoff(1.0, 30.0)  # a camera back within a second is retried at once
TENSION_BACKOFF = Backoff(2.0, 60.0)  # a reader process restart costs a settling time
TENSION_TRUST_AFTER_S = 1.0  # healthy this long before its samples reach the coach again


@dataclass(frozen=True)
class PartHealth:
    """One part's health as the badge and the journal show it."""

    ok: bool
    reason: str = ""


class LiveStation:
    """Runs the sensors into `flow` and keeps them going. Call `feed(now)` once per screen
    frame (before drawing), `after_frame()` once after and `hand_in(now)` as often as the
    loop can between frames; `stop()` at the end.

    `open_camera()` returns an opened frame source; `estimate(frame)` finds the pose;
    `make_tension()` builds a (not yet started) TensionSensor, or is None: no load cell.
    """

    def __init__(self, config: Config, flow: StationFlow, open_camera: Callable[[], Any],
                 estimate: Callable[[Any], PoseFrame],
                 make_tension: Callable[[], Any] | None = None,
                 watchdog: Watchdog | None = None, camera_backoff: Backoff = CAMERA_BACKOFF,
                 tension_backoff: Backoff = TENSION_BACKOFF,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.flow = flow
        self.estimate = estimate
        self.make_tension = make_tension
        self.tension: Any = None
        self.tension_restarts = 0
        self.watchdog = watchdog or Watchdog({})
        self.clock = clock
        self.slot = NewestFrameSlot()
        self.camera = KeepCapturing(open_camera, self.slot.put, camera_backoff)
        self.pose = self._new_pose_worker()
        self.pose_restarts = 0
        self._tension_backoff = tension_backoff
        self._tension_failures = 0
        self._tension_retry_at: float | None = None
        self._tension_ok_since: float | None = None
        self._skipped_seen = 0
        self._skip_shown_until = 0.0
        self._skip_reason = ""
        self._health: dict[str, PartHealth] = {}
        self._ready = False
        self._image: Any = None
        self.frames = 0

    # -- start and stop ------------------------------------------------------------------

    def _new_pose_worker(self) -> PoseWorker:
        return PoseWorker(self.slot, self.estimate, self._on_pose)

    def _on_pose(self, pose: PoseFrame, frame: Any) -> None:
        # The pose goes on the flow's queue; the picture only replaces the last one, so a
        # loop that stalls holds one picture, not a growing pile of them.
        self._image = frame.image
        self.flow.submit(pose)

    def start(self) -> LiveStation:
        self.camera.start()
        self.pose.start()
        if self.make_tension is not None:
            self._start_tension()
        return self

    def stop(self) -> None:
        self.watchdog.stopping()
        self.camera.stop()
        self.pose.stop()
        self.slot.close()
        self.camera.join(timeout=5.0)
        self.pose.join(timeout=5.0)
        if self.tension is not None:
            self.tension.stop()

    def _start_tension(self) -> None:
        """A fresh sensor (a fresh filter: a failure it saw is forgotten) and its reader."""
        try:
            self.tension = self.make_tension()
            self.tension.start()
        except Exception as exc:  # no process could be started: camera only, retry later
            self.tension = None
            self._tension_failed(self.clock(), f"reader did not start ({exc})")

    def _tension_failed(self, now: float, why: str) -> None:
        self._tension_failures += 1
        delay = self._tension_backoff.delay(self._tension_failures)
        self._tension_retry_at = now + delay
        log.warning("load cell: %s; restarting its reader in %.0f s", why, delay)

    # -- each frame ----------------------------------------------------------------------

    def feed(self, now: float) -> None:
        """Before each screen frame: the newest picture, the load cell's samples, and every
        part's health."""
        image, self._image = self._image, None
        if image is not None:
            self.flow.submit(image)
        self._report("camera", self._camera_health(self.camera.status))
        self._report("pose", self._pose_health(now))
        self._report("load cell", self._tension_feed(now))

    def hand_in(self, now: float) -> None:
        """Between screen frames: the load cell's new samples, while it is trusted (so the
        coach reads the band within a few milliseconds, not a frame later)."""
        if self.flow.has_load_cell and self.tension is not None:
            for sample in self.tension.poll():
                self.flow.submit(sample)

    def after_frame(self) -> None:
        """After each screen frame: the loop is alive, tell systemd."""
        self.frames += 1
        if not self._ready:
            self._ready = True
            self.watchdog.ready(status="coaching")
        self.watchdog.ping()
        down = [f"{name}: {h.reason}" for name, h in self._health.items() if not h.ok]
        store = self.flow.store
        if store is not None and not store.ok:
            down.append(store.reason)
        self.watchdog.status("; ".join(down) if down else "coaching")

    def _report(self, part: str, health: PartHealth) -> None:
        if self._health.get(part) != health:
            if health.ok:
                log.info("%s: ok", part)
            else:
                extra = ": coaching on the camera alone" if part == "load cell" else ""
                log.warning("%s: %s%s", part, health.reason, extra)
            self._health[part] = health
        self.flow.report(part, health.ok, health.reason)

    def _camera_health(self, status: CameraStatus) -> PartHealth:
        if status.ok:
            return PartHealth(True)
        # The badge is short ("lost: retry in 4 s"); the journal has the error itself.
        reason = status.reason.split(" (", 1)[0].replace("retrying in", "retry in")
        return PartHealth(False, reason)

    def _pose_health(self, now: float) -> PartHealth:
        worker = self.pose
        if not worker.is_alive() and not self.slot.closed:
            self.pose_restarts += 1
            why = worker.error or "stopped"
            log.warning("pose: the pose thread ended (%s); starting it again", why)
            self.pose = self._new_pose_worker()
            self.pose.start()
        skipped = worker.skipped
        if skipped > self._skipped_seen:
            self._skip_reason = "frames skipped"
            log.warning("pose: %d frame%s skipped so far, the last one: %s: %s", skipped,
                        "s" * (skipped > 1), type(worker.last_skip).__name__, worker.last_skip)
            self._skipped_seen = skipped
            self._skip_shown_until = now + POSE_SKIP_SHOWN_S
        if now < self._skip_shown_until:
            return PartHealth(False, self._skip_reason)
        return PartHealth(True)

    def _tension_feed(self, now: float) -> PartHealth:
        if self.make_tension is None:
            self.flow.has_load_cell = False
            return PartHealth(False, "none")
        if self._tension_retry_at is not None:
            if now < self._tension_retry_at:
                self.flow.has_load_cell = False
                return PartHealth(False, "restarting")
            self._tension_retry_at = None
            if self.tension is not None:
                self.tension.stop()
            self.tension_restarts += 1
            self._start_tension()
        sensor = self.tension
        if sensor is None:
            self.flow.has_load_cell = False
            return PartHealth(False, "restarting")
        samples = sensor.poll()
        status = sensor.status(now)
        sensor.set_present(self.flow.view.live.landmarks is not None)
        if status.health is TensionHealth.OK and status.calibrated:
            if self._tension_ok_since is None:
                self._tension_ok_since = now
        else:
            self._tension_ok_since = None
        # Trusted only after it has stayed healthy a while: a load cell that flaps between
        # noisy and ok would otherwise put noise into the coach and flicker the badge.
        trusted = self._tension_ok_since is not None and \
            now - self._tension_ok_since >= TENSION_TRUST_AFTER_S
        self.flow.has_load_cell = trusted
        if trusted:
            self._tension_failures = 0
            for sample in samples:
                self.flow.submit(sample)
            return PartHealth(True)
        if status.health is TensionHealth.DISCONNECTED:
            # The chip does not answer or the reader died: a fresh reader re-powers the chip.
            self._tension_failed(now, status.detail)
        if not status.calibrated and status.health is not TensionHealth.DISCONNECTED:
            return PartHealth(False, "not calibrated")
        if status.health is TensionHealth.OK:
            return PartHealth(False, "settling")
        return PartHealth(False, status.health.value)


def run_station(config: Config) -> int:
    """`station run`: build every part from the config and run the kiosk until it is closed."""
    from station.flow.view import Input
    from station.hardware.button import StationButton
    from station.hardware.buzzer import AlertBuzzer
    from station.hardware.camera import open_source
    from station.kiosk.app import KioskApp
    from station.pose.estimator import PoseEstimator
    from station.store import StoreWriter
    from station.tension.sensor import TensionSensor

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    watchdog = Watchdog()
    watchdog.status("starting: loading the pose model")
    estimator = PoseEstimator.from_config(config)

    def make_tension() -> TensionSensor:
        return TensionSensor.from_config(config)

    def open_camera() -> Any:
        source = open_source(config)
        source.open()
        return source

    app = KioskApp(config.kiosk)
    buzzer = AlertBuzzer.from_config(config.buzzer)
    store = StoreWriter(config.resolve(config.store.path), config.store.max_sets)
    flow = StationFlow(config, buzzer, store)
    button, _ = StationButton.open(config.button, on_press=lambda: flow.submit(Input.PRESS),
                                   on_hold=lambda: flow.submit(Input.MENU))
    station = LiveStation(config, flow, open_camera, estimator.process_frame, make_tension,
                          watchdog)
    # systemd stops the station with SIGTERM: end the loop, close every part on the way out.
    signal.signal(signal.SIGTERM, lambda signum, frame: setattr(app, "running", False))
    station.start()
    try:
        app.run(flow, feed=station.feed, after_frame=station.after_frame,
                hand_in=station.hand_in)
    finally:
        station.stop()
        if button is not None:
            button.close()
        buzzer.close()
        store.close()
        estimator.close()
        app.close()
    return 0
