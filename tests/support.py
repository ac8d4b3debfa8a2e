"""What many tests share: hand-built landmark frames for the coach, and the system tools
and systemd sockets the appliance tests need.

The frames are a side-view stick figure in pixels, placed from a few angles (trunk lean,
shin tilt, hip travel back, head bend off the trunk line); every other landmark is put where
MediaPipe would put it, so the coach's features can be checked against numbers worked out
by hand. The tools (shellcheck, systemd-analyze) are present in CI and optional here.
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from station import domain as lm
from station.domain import PoseFrame, TensionSample

W, H = 640, 480
SHANK, THIGH, TRUNK, NECK = 100.0, 100.0, 120.0, 40.0  # pixels


def _up(deg: float) -> np.ndarray:
    """A unit step at `deg` forward of straight up, in (forward, up) pixels."""
    a = math.radians(deg)
    return np.array([math.sin(a), math.cos(a)])


def figure(t: float, trunk: float = 3.0, travel: float = 0.0, shin: float = 0.0,
           stick: float = 0.0, drop: float = 0.0, facing_right: bool = True,
           visibility: float = 1.0) -> PoseFrame:
    """One frame. travel: hip behind the ankle (leg lengths, 200 px); drop: hip lowered by
    bending the knees (leg lengths); stick: head line folded forward off the trunk line."""
    ankle = np.array([0.0, 0.0])
    knee = ankle + SHANK * _up(shin)
    # The hip sits `travel` leg lengths behind the ankle and `drop` below standing height.
    hip_f = -travel * (SHANK + THIGH)
    hip_u = SHANK + THIGH - drop * (SHANK + THIGH)
    hip = np.array([hip_f, hip_u])
    # Put the knee where both segments fit (keep the shank length; thigh follows).
    shoulder = hip + TRUNK * _up(trunk)
    ear = shoulder + NECK * _up(trunk + stick)
    nose = ear + np.array([12.0, -2.0])
    heel, toe = ankle + np.array([-15.0, -8.0]), ankle + np.array([45.0, -10.0])
    side = 1.0 if facing_right else -1.0
    ox, oy = 320.0, 420.0

    def px(p: np.ndarray) -> tuple[float, float]:
        return (ox + side * p[0]) / W, (oy - p[1]) / H

    L = np.zeros((lm.NUM_LANDMARKS, 4), np.float32)
    L[:, 3] = visibility
    points = {
        (lm.LEFT_EAR, lm.RIGHT_EAR): ear, (lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER): shoulder,
        (lm.LEFT_HIP, lm.RIGHT_HIP): hip, (lm.LEFT_KNEE, lm.RIGHT_KNEE): knee,
        (lm.LEFT_ANKLE, lm.RIGHT_ANKLE): ankle, (lm.LEFT_HEEL, lm.RIGHT_HEEL): heel,
        (lm.LEFT_FOOT_INDEX, lm.RIGHT_FOOT_INDEX): toe,
    }
    for pair, p in points.items():
        for i in pair:
            L[i, :2] = px(p)
    L[lm.NOSE, :2] = px(nose)
    for i in (1, 2, 3, 4, 5, 6, 9, 10):
        L[i, :2] = px(ear + np.array([8.0, 0.0]))
    for i in range(13, 23):
        L[i, :2] = px(shoulder - np.array([10.0, 30.0]))
    return PoseFrame(t, L, W, H)


def hinge(t0: float, fps: float = 30.0, down: float = 1.2, up: float = 1.0,
          trunk: float = 60.0, travel: float = 0.3, stall_at: float | None = None,
          shin_to: float = -4.0, stick_to: float = 0.0, drop_to: float = 0.0,
          facing_right: bool = True, stick_from: float = 0.0) -> list[PoseFrame]:
    """A rep starting at t0: down for `down` s, up for `up` s, with eased motion; the head
    line from `stick_from` (standing) to `stick_from + stick_to` (bottom) and back.

    stall_at: fraction of the descent at which the hips stop going back (a squat): the trunk
    keeps folding, the hips drop and the shins tilt forward instead.
    """
    frames = []
    n_down, n_up = int(down * fps), int(up * fps)
    bottom = None
    for k in range(n_down + n_up + 1):
        t = t0 + k / fps
        if k <= n_down:
            u = k / n_down
            p = 0.5 - 0.5 * math.cos(math.pi * u)
            pose = dict(trunk=3.0 + p * (trunk - 3.0), travel=p * travel,
                        shin=p * shin_to, stick=stick_from + p * stick_to, drop=p * drop_to)
            if stall_at is not None and u > stall_at:
                p0 = 0.5 - 0.5 * math.cos(math.pi * stall_at)
                q = (u - stall_at) / (1 - stall_at)
                pose.update(travel=p0 * travel, shin=q * 30.0, drop=q * 0.25)
            bottom = pose
        else:
            u = (k - n_down) / n_up
            p = 0.5 + 0.5 * math.cos(math.pi * u)
            assert bottom is not None
            rest = {"trunk": 3.0, "stick": stick_from}
            pose = {key: p * v + (1 - p) * rest.get(key, 0.0) for key, v in bottom.items()}
        frames.append(figure(t, facing_right=facing_right, **pose))
    return frames


def standing(t0: float, seconds: float, fps: float = 30.0, facing_right: bool = True,
             stick: float = 0.0) -> list[PoseFrame]:
    return [figure(t0 + k / fps, facing_right=facing_right, stick=stick)
            for k in range(int(seconds * fps))]


# MediaPipe's shoulder and hip points seen square-on, in torso lengths (the front-view clip).
SHOULDER_SPAN, HIP_SPAN = 0.66 * TRUNK, 0.36 * TRUNK
_LEFT_SIDE = (1, 2, 3, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31)


def viewed(frame: PoseFrame, yaw_deg: float = 0.0, scale: float = 1.0, dx: float = 0.0,
           dy: float = 0.0, width: int = W, height: int = H) -> PoseFrame:
    """A side-view `figure` as another camera sees it: the athlete turned `yaw_deg` off
    side-on (the two sides' points part by their span times the sine; the near side is the
    one the figure faces), scaled by `scale` about the ankle and moved by (dx, dy) pixels,
    in a picture `width` x `height`. Points may land outside the picture, as MediaPipe
    places them when a part is out of it."""
    L = frame.landmarks.copy()
    x = L[:, 0] * frame.width
    y = L[:, 1] * frame.height
    ax, ay = 320.0, 420.0  # the figure's ankle
    spread = math.sin(math.radians(yaw_deg))
    for i in range(lm.NUM_LANDMARKS):
        span = SHOULDER_SPAN if i in (lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER) else HIP_SPAN
        x[i] += (0.5 if i in _LEFT_SIDE else -0.5) * span * spread if i else 0.0
        L[i, 2] = (0.5 if i in _LEFT_SIDE else -0.5) * span * math.cos(math.radians(yaw_deg)
                                                                    ) / frame.width
    x = ax + (x - ax) * scale + dx + (width - frame.width) / 2
    y = ay + (y - ay) * scale + dy + (height - frame.height)
    L[:, 0], L[:, 1] = x / width, y / height
    return PoseFrame(frame.t, L, width, height)


def tension_for(frames: list[PoseFrame], standing_n: float, per_leg: float,
                rate: float = 80.0, slack_from: float | None = None) -> list[TensionSample]:
    """Band tension at `rate`/s following the frames' hip travel: standing_n + per_leg *
    travel (negative per_leg: anchor behind). After `slack_from` s the band hangs slack."""
    from station.coach.features import measure
    from station.domain import Side

    ts = [f.t for f in frames]
    side = Side.RIGHT
    base = None
    travel = []
    for f in frames:
        m = measure(f, side, 0.5)
        base = m.hip_forward if base is None else base
        travel.append((base - m.hip_forward) / m.leg)
    out = []
    t = ts[0]
    while t <= ts[-1]:
        x = float(np.interp(t, ts, travel))
        force = standing_n + per_leg * x
        if slack_from is not None and t >= slack_from:
            force = 5.0
        out.append(TensionSample(t, force))
        t += 1.0 / rate
    return out


# System tools and systemd's notify socket.


def tool(name: str) -> str:
    """The path of `name`; skips the test where it is missing, fails in CI (CI=true).

    install.sh --dev installs them with apt-get when run as root, as CI does.
    """
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} missing in CI: install.sh --dev should have installed it")
        pytest.skip(f"{name} not installed (sudo apt-get install {name})")
    return path


class NotifyListener:
    """systemd's side of sd_notify for tests: a datagram socket read by its own thread, so
    the station's non-blocking sends never find it full."""

    def __init__(self, path) -> None:
        import socket
        import threading

        self.path = str(path)
        self.messages: list[str] = []
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.bind(self.path)
        self._sock.settimeout(0.05)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="notify-listener", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.messages.append(self._sock.recv(4096).decode())
            except TimeoutError:
                continue
            except OSError:
                return

    def received(self) -> list[str]:
        """Everything received so far (waits a moment for datagrams still in flight)."""
        import time

        time.sleep(0.1)
        return list(self.messages)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=1.0)
        self._sock.close()


@contextmanager
def notify_socket(path, monkeypatch, watchdog_usec: int) -> Iterator[NotifyListener]:
    """systemd's notify socket at `path` for the code under test, with a watchdog of
    `watchdog_usec` microseconds (the station pings at half of it)."""
    listener = NotifyListener(path)
    monkeypatch.setenv("NOTIFY_SOCKET", listener.path)
    monkeypatch.setenv("WATCHDOG_USEC", str(watchdog_usec))
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    try:
        yield listener
    finally:
        listener.close()


def cut_short(video: Path, out: Path, keep_bytes: int) -> Path:
    """A copy of an MP4 (its index, `moov`, after its data, `mdat`) cut short the way a
    broken copy is: the first `keep_bytes` of the frames' data, then the whole index, which
    still lists every frame."""
    data = video.read_bytes()
    assert data[4:8] == b"ftyp"
    mdat = data.index(b"mdat") - 4  # the box's size comes first
    moov = data.index(b"moov") - 4
    assert mdat < moov, "the index must follow the data"
    end = mdat + 8 + keep_bytes
    box = (end - mdat).to_bytes(4, "big") + data[mdat + 4:end]
    out.write_bytes(data[:mdat] + box + data[moov:])
    return out


@contextmanager
def umask(mask: int) -> Iterator[None]:
    """The process's umask set to `mask` for the block, then put back."""
    before = os.umask(mask)
    try:
        yield
    finally:
        os.umask(before)
