"""A camera that comes back: reopen a lost camera with back-off, and say what is going on.

A ribbon cable knocked loose, a USB webcam unplugged, libcamera timing out after a brown-out:
the camera source raises (or hangs up) and the station must not die with it. `KeepCapturing`
reads a camera in its own thread like the plain capture thread does, but when the camera
fails it closes it, waits (1, 2, 4 ... 30 s), opens a fresh one and carries on. Its `status`
is what the screen's camera badge shows ("lost: retrying in 4 s"), and the same line goes to
the journal once per change.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backoff:
    """Delays between reconnect attempts: `first`, doubling, never above `longest`."""

    first_s: float = 1.0
    longest_s: float = 30.0

    def delay(self, failures: int) -> float:
        """Seconds to wait after `failures` failed attempts in a row (1 or more)."""
        return min(self.first_s * 2.0 ** max(failures - 1, 0), self.longest_s)


@dataclass(frozen=True)
class CameraStatus:
    """The camera's state for the screen and the journal."""

    ok: bool
    reason: str = ""  # "" when ok; else what happened and when the next try is
    failures: int = 0  # failed attempts in a row
    reconnects: int = 0  # times the camera came back after being lost


class KeepCapturing(threading.Thread):
    """Reads frames from `open_camera()` into `on_frame` until stopped, reopening on failure.

    `open_camera` builds and opens a frame source (an object with `read()` and `close()`);
    it may raise. `read()` raising, or returning None (a live camera never ends), counts as
    losing the camera. `wait(seconds)` sleeps between attempts and returns True when the
    thread was stopped meanwhile (injectable for tests; default: the stop event's wait).
    """

    def __init__(self, open_camera: Callable[[], Any], on_frame: Callable[[Any], None],
                 backoff: Backoff = Backoff(),
                 wait: Callable[[float], bool] | None = None) -> None:
        super().__init__(name="camera", daemon=True)
        self.open_camera = open_camera
        self.on_frame = on_frame
        self.backoff = backoff
        self._stop_event = threading.Event()
        self._wait = wait or self._stop_event.wait
        self._lock = threading.Lock()
        self._status = CameraStatus(False, "starting")
        self.frames = 0

    @property
    def status(self) -> CameraStatus:
        with self._lock:
            return self._status

    def _set(self, status: CameraStatus) -> None:
        with self._lock:
            changed = status.reason != self._status.reason or status.ok != self._status.ok
            self._status = status
        if not changed:
            return
        if not status.ok:
            log.warning("camera: %s", status.reason)
        elif status.reconnects:
            log.warning("camera: back after reconnect %d", status.reconnects)
        else:
            log.info("camera: delivering frames")

    def stop(self) -> None:
        self._stop_event.set()

    @property
    def stopping(self) -> bool:
        return self._stop_event.is_set()

    def run(self) -> None:
        failures = 0  # attempts in a row that gave no frame
        reconnects = 0
        ever_ok = lost = False
        while not self.stopping:
            camera = None
            try:
                camera = self.open_camera()
                while not self.stopping:
                    frame = camera.read()
                    if frame is None:
                        raise EOFError("the camera stopped delivering frames")
                    if failures or not ever_ok or lost:
                        if lost:
                            reconnects += 1
                        failures, ever_ok, lost = 0, True, False
                        self._set(CameraStatus(True, "", 0, reconnects))
                    self.frames += 1
                    self.on_frame(frame)
                return
            except Exception as exc:  # any camera failure: close, wait, reopen
                failures += 1
                lost = lost or ever_ok
                delay = self.backoff.delay(failures)
                what = "lost" if ever_ok else "not found"
                self._set(CameraStatus(False, f"{what}: retrying in {delay:.3g} s "
                                              f"({_one_line(exc)})", failures, reconnects))
            finally:
                if camera is not None:
                    try:
                        camera.close()
                    except Exception as exc:
                        log.warning("camera: closing it failed too (%s)", _one_line(exc))
            if self._wait(delay):
                return


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
