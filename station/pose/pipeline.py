"""The frame pipeline: a capture thread fills a newest-frame slot, a pose worker empties it.

Latency beats throughput: the slot holds one frame, a new frame replaces one nobody took (that
frame is counted as dropped), and the pose worker always gets the newest. Nothing queues, so
the pose the coach sees is never older than one inference.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from station.domain import PoseFrame
from station.hardware.camera import Frame, FrameSource


@dataclass(frozen=True, slots=True)
class FrameCounts:
    """How many frames the camera captured, the pose worker processed, and the slot dropped."""

    captured: int
    processed: int
    dropped: int


class NewestFrameSlot:
    """Holds the newest frame only. `put` never blocks; `take` waits for a frame not yet taken.

    After `close()`, `take` returns None once the slot is empty, so a consumer can finish.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._frame: Frame | None = None
        self._closed = False
        self.captured = 0
        self.taken = 0
        self.dropped = 0

    def put(self, frame: Frame) -> None:
        with self._cond:
            if self._frame is not None:
                self.dropped += 1
            self._frame = frame
            self.captured += 1
            self._cond.notify_all()

    def take(self, timeout: float | None = None) -> Frame | None:
        """The newest frame not yet taken; None on timeout or when closed and empty."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._frame is not None or self._closed,
                                       timeout):
                return None
            frame, self._frame = self._frame, None
            if frame is not None:
                self.taken += 1
            return frame

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed


class CaptureThread(threading.Thread):
    """Reads a frame source as fast as it delivers into a NewestFrameSlot, until stopped.

    The source is opened by the caller and closed by the caller; the slot is closed when the
    source ends (a file's last frame) or `stop()` is called. A read error ends the thread and
    is kept in `error`.
    """

    def __init__(self, source: FrameSource, slot: NewestFrameSlot) -> None:
        super().__init__(name="camera", daemon=True)
        self.source = source
        self.slot = slot
        self.error: BaseException | None = None
        self._stop_event = threading.Event()

    def run(self) -> None:
        try:
            while not self._stop_event.is_set():
                frame = self.source.read()
                if frame is None:
                    break
                self.slot.put(frame)
        except BaseException as exc:  # kept for the owner: a thread cannot raise to it
            self.error = exc
        finally:
            self.slot.close()

    def stop(self) -> None:
        self._stop_event.set()


class PoseWorker(threading.Thread):
    """Runs pose on the newest frame, again and again, handing each result to `on_pose`.

    `estimate(frame) -> PoseFrame` is usually `PoseEstimator.process_frame`. Frames that arrive
    while it works replace each other in the slot: only the newest is processed.
    """

    def __init__(self, slot: NewestFrameSlot, estimate: Callable[[Frame], PoseFrame],
                 on_pose: Callable[[PoseFrame, Frame], None]) -> None:
        super().__init__(name="pose", daemon=True)
        self.slot = slot
        self.estimate = estimate
        self.on_pose = on_pose
        self.processed = 0
        self.error: BaseException | None = None
        # A pose error skips that frame only (the next frame gets a fresh try); counted here.
        self.skipped = 0
        self.last_skip: Exception | None = None
        self._stop_event = threading.Event()

    def run(self) -> None:
        try:
            while not self._stop_event.is_set():
                frame = self.slot.take(timeout=0.1)
                if frame is None:
                    if self.slot.closed:
                        break
                    continue
                try:
                    pose = self.estimate(frame)
                except Exception as exc:  # one bad frame must not end the pose thread
                    self.skipped += 1
                    self.last_skip = exc
                    continue
                self.processed += 1
                self.on_pose(pose, frame)
        except BaseException as exc:  # kept for the owner: a thread cannot raise to it
            self.error = exc

    def stop(self) -> None:
        self._stop_event.set()

    def counts(self) -> FrameCounts:
        """Counts for the screen and the log (captured = processed + dropped + waiting)."""
        return FrameCounts(self.slot.captured, self.processed, self.slot.dropped)


class PosePipeline:
    """Camera and pose together: a capture thread and a pose worker over one newest-frame slot.

    `start()` opens the source and starts both threads; `on_pose(pose, frame)` is then called
    from the pose thread for every frame processed; `stop()` ends both and closes the source.
    `counts()` and `error` are for the screen and the log.
    """

    def __init__(self, source: FrameSource, estimate: Callable[[Frame], PoseFrame],
                 on_pose: Callable[[PoseFrame, Frame], None]) -> None:
        self.source = source
        self.slot = NewestFrameSlot()
        self.capture = CaptureThread(source, self.slot)
        self.worker = PoseWorker(self.slot, estimate, on_pose)

    def start(self) -> PosePipeline:
        self.source.open()
        self.worker.start()
        self.capture.start()
        return self

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a finite source (a file) to be fully processed; True when it was."""
        self.worker.join(timeout)
        return not self.worker.is_alive()

    def stop(self) -> None:
        self.capture.stop()
        self.worker.stop()
        self.slot.close()
        self.worker.join()
        self.capture.join()
        self.source.close()

    def counts(self) -> FrameCounts:
        return self.worker.counts()

    @property
    def error(self) -> BaseException | None:
        """The first error either thread stopped on (a camera gone), or None; a frame pose
        could not be found for is skipped and counted in `worker.skipped` instead."""
        return self.capture.error or self.worker.error

    def __enter__(self) -> PosePipeline:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
