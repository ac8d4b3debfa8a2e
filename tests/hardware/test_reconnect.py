"""KeepCapturing: a camera that fails to open, dies mid-stream or hangs up is reopened with
back-off, and its status says so, while frames keep flowing once it is back."""

from __future__ import annotations

import logging

from station.hardware.reconnect import Backoff, CameraStatus, KeepCapturing


class ScriptedCamera:
    """A frame source that gives `frames` frames, then fails the way it is told to."""

    def __init__(self, log: list[str], name: str, frames: int, then: str) -> None:
        self.log, self.name, self.left, self.then = log, name, frames, then
        self.n = 0

    def read(self):
        if self.left == 0:
            if self.then == "raise":
                raise OSError("Device or resource busy\nsecond line")
            if self.then == "end":
                return None
        self.left -= 1
        self.n += 1
        return (self.name, self.n)

    def close(self) -> None:
        self.log.append(f"close {self.name}")


def run_script(script: list, stop_after_frames: int):
    """Run KeepCapturing in this thread over a script of open attempts."""
    events: list = []
    waits: list[float] = []
    statuses: list[CameraStatus] = []
    attempts = iter(script)

    def open_camera():
        step = next(attempts)
        if isinstance(step, Exception):
            events.append(f"open failed: {step}")
            raise step
        events.append(f"open {step.name}")
        return step

    def on_frame(frame) -> None:
        events.append(frame)
        statuses.append(keeper.status)
        if sum(isinstance(e, tuple) for e in events) >= stop_after_frames:
            keeper.stop()

    def wait(seconds: float) -> bool:
        waits.append(seconds)
        statuses.append(keeper.status)
        return False

    keeper = KeepCapturing(open_camera, on_frame, Backoff(1.0, 8.0), wait=wait)
    keeper.run()
    return keeper, events, waits, statuses


def test_reopens_with_back_off_and_counts_the_reconnect(caplog) -> None:
    log: list[str] = []
    a = ScriptedCamera(log, "a", frames=3, then="raise")
    b = ScriptedCamera(log, "b", frames=2, then="end")
    c = ScriptedCamera(log, "c", frames=100, then="raise")
    script = [RuntimeError("no camera"), RuntimeError("no camera"), a,
              RuntimeError("still gone"), b, c]
    with caplog.at_level(logging.INFO, logger="station.hardware.reconnect"):
        keeper, events, waits, statuses = run_script(script, stop_after_frames=8)
    # Not found twice (1 s, 2 s); three frames from a, then it fails: lost (1 s: a frame
    # arrived, so the count starts again), gone once more (2 s); two frames from b, which then
    # hangs up (1 s); three frames from c.
    assert waits == [1.0, 2.0, 1.0, 2.0, 1.0]
    assert [e for e in events if isinstance(e, tuple)] == [
        ("a", 1), ("a", 2), ("a", 3), ("b", 1), ("b", 2), ("c", 1), ("c", 2), ("c", 3)]
    assert log == ["close a", "close b", "close c"]  # every camera closed, the last at stop
    assert keeper.frames == 8
    assert keeper.status == CameraStatus(True, "", 0, 2)
    reasons = [s.reason for s in statuses if not s.ok]
    assert reasons[0] == "not found: retrying in 1 s (RuntimeError: no camera)"
    assert "lost: retrying in 1 s (OSError: Device or resource busy)" in reasons
    assert "lost: retrying in 1 s (EOFError: the camera stopped delivering frames)" in reasons
    journal = [r.getMessage() for r in caplog.records]
    assert "camera: back after reconnect 2" in journal
    assert journal.count("camera: not found: retrying in 1 s (RuntimeError: no camera)") == 1


def test_back_off_doubles_to_its_ceiling() -> None:
    b = Backoff(1.0, 30.0)
    assert [b.delay(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_stop_during_the_wait_ends_the_thread() -> None:
    keeper = KeepCapturing(lambda: (_ for _ in ()).throw(OSError("gone")), lambda f: None,
                           wait=lambda s: True)
    keeper.run()  # returns: the wait said "stopped"
    assert not keeper.status.ok and keeper.status.failures == 1


def test_a_real_thread_stops_promptly() -> None:
    def open_camera():
        raise OSError("unplugged")

    keeper = KeepCapturing(open_camera, lambda f: None, Backoff(60.0, 60.0))
    keeper.start()
    keeper.stop()
    keeper.join(timeout=5.0)
    assert not keeper.is_alive()


def test_status_before_any_frame_is_not_found() -> None:
    keeper, _, waits, statuses = run_script(
        [OSError("x"), ScriptedCamera([], "a", 1, "raise")], stop_after_frames=1)
    assert waits == [1.0]
    assert statuses[0] == CameraStatus(False, "not found: retrying in 1 s (OSError: x)", 1, 0)
    assert statuses[1] == CameraStatus(True, "", 0, 0)
