"""Degrade, never die: faults injected into the live station while its loop runs.

The station here is the real wiring of `station run` (`LiveStation` with the kiosk's loop under
SDL's dummy driver, the real flow, buzzer on gpiozero's mock pins, the real session log), fed
by a real clip played as a live camera, with MediaPipe's own landmarks for that clip as the
pose. The faults come from the test: a camera unplugged and slow to come back, a pose error,
a load cell unplugged or noisy (the real reader process on the pin-level HX711 emulator), a
corrupt calibration file, a full disk.
"""

from __future__ import annotations

import dataclasses
import logging
import resource
import signal
import time
from pathlib import Path

import numpy as np
import pytest
from gpiozero.pins.mock import MockFactory, MockPWMPin

from station.appliance.watchdog import Watchdog
from station.config import Config, KioskConfig
from station.domain import PoseFrame
from station.flow.flow import NOT_SAVED, StationFlow
from station.flow.view import Input
from station.hardware.buzzer import AlertBuzzer
from station.hardware.camera import Frame, OpenCVSource
from station.hardware.reconnect import Backoff
from station.kiosk.app import KioskApp
from station.live.supervisor import LiveStation
from station.sim.load_cell import SimulatedLoad
from station.sim.player import SetPlayer
from station.sim.session import simulate_set
from station.store import SessionLog, StoreWriter
from station.tension.calibration import Calibration
from station.tension.sensor import TensionSensor
from tests.support import notify_socket

CLIP = "kb_deadlift_0016c_side"  # 1262 frames at 60 fps, a person in view throughout
FAST = Backoff(0.1, 0.4)


class ClipCamera:
    """A real clip played as a live camera: paced, stamped on the monotonic clock, and
    unplugged after `die_after` frames when asked."""

    def __init__(self, clips: Path, die_after: int | None = None) -> None:
        self.source = OpenCVSource(clips / f"{CLIP}.mp4", realtime=True)
        self.source.open()
        self.die_after = die_after
        self.read_frames = 0

    def read(self) -> Frame:
        if self.die_after is not None and self.read_frames >= self.die_after:
            raise OSError("camera unplugged")
        frame = self.source.read()
        self.read_frames += 1
        return Frame(time.monotonic(), frame.image, frame.index)

    def close(self) -> None:
        self.source.close()


class ClipPose:
    """The pose MediaPipe found in each frame of the clip (its .npz), as a live estimator
    would return it; `fail_every` makes every n-th call raise, as a broken model might."""

    def __init__(self, clips: Path, fail_every: int = 0) -> None:
        data = np.load(clips / f"{CLIP}.mediapipe-0.10.18-full.npz")
        self.landmarks = data["landmarks"]
        self.width, self.height = int(data["width"]), int(data["height"])
        self.fail_every = fail_every
        self.calls = 0
        self.returned = 0

    def __call__(self, frame: Frame) -> PoseFrame:
        self.calls += 1
        if self.fail_every and self.calls % self.fail_every == 0:
            raise RuntimeError("landmark model returned garbage")
        self.returned += 1
        return PoseFrame(frame.t, self.landmarks[frame.index % len(self.landmarks)],
                         self.width, self.height)


@pytest.fixture
def notify(tmp_path: Path, monkeypatch):
    """systemd's notify socket, with a 0.2 s watchdog."""
    with notify_socket(tmp_path / "notify", monkeypatch, 200_000) as listener:
        yield listener


def make_config(tmp_path: Path) -> Config:
    return dataclasses.replace(
        Config(source=tmp_path / "station.toml"),
        kiosk=dataclasses.replace(KioskConfig(), fullscreen=False))


class Run:
    """The live station's loop (the kiosk's own, headless) with a record of every frame."""

    def __init__(self, tmp_path: Path, open_camera, estimate, make_tension=None) -> None:
        self.config = make_config(tmp_path)
        self.buzzer = AlertBuzzer.from_config(self.config.buzzer,
                                              pin_factory=MockFactory(pin_class=MockPWMPin))
        self.store = StoreWriter(tmp_path / "sessions.sqlite3", 100)
        # As `station run` wires it: the menu's "Calibrate load cell" zeroes the load cell.
        self.flow = StationFlow(self.config, self.buzzer, self.store,
                                calibrate=lambda: self.station.zero_load_cell())
        self.station = LiveStation(self.config, self.flow, open_camera, estimate, make_tension,
                                   Watchdog(), camera_backoff=FAST, tension_backoff=FAST)
        self.app = KioskApp(self.config.kiosk, headless=True)
        self.badges: list[dict[str, tuple[bool, str]]] = []
        self.has_load_cell: list[bool] = []
        self.until = None

    def after_frame(self) -> None:
        self.station.after_frame()
        self.badges.append({b.name: (b.ok, b.reason) for b in self.flow.view.badges})
        self.has_load_cell.append(self.flow.has_load_cell)
        if self.until is not None and self.until(self):
            self.app.running = False

    def run(self, frames: int, until=None) -> int:
        """Run for `frames` frames, or until `until(run)` holds (a slow machine starts the
        tension reader process late: waiting for what is tested beats a fixed time)."""
        self.until = until
        self.station.start()
        try:
            return self.app.run(self.flow, feed=self.station.feed, hand_in=self.station.hand_in,
                                after_frame=self.after_frame, max_frames=frames)
        finally:
            self.station.stop()
            self.store.close()
            self.buzzer.close()
            self.app.close()

    def reasons(self, part: str) -> list[str]:
        return [b[part][1] for b in self.badges if not b[part][0]]


def test_camera_lost_reconnects_with_back_off_and_says_so(tmp_path, clips_dir, notify, caplog):
    opens = []

    def open_camera():
        opens.append(time.monotonic())
        if len(opens) == 1:
            return ClipCamera(clips_dir, die_after=20)  # works, then is unplugged
        if len(opens) <= 3:
            raise OSError("no camera at /dev/video0")  # still unplugged
        return ClipCamera(clips_dir)  # plugged back in

    pose = ClipPose(clips_dir)
    run = Run(tmp_path, open_camera, pose)
    with caplog.at_level(logging.INFO):
        drawn = run.run(frames=75)  # 2.5 s
    assert drawn == 75  # the loop never stopped
    assert len(opens) == 4
    gaps = np.diff(opens[1:])  # the waits between attempts grew: 0.1 s, then 0.2 s
    assert gaps[0] >= 0.1 and gaps[1] >= 0.2
    camera = [b["camera"] for b in run.badges]
    lost = run.reasons("camera")
    assert any(r.startswith("lost: retry in") for r in lost)
    first_lost = next(i for i, c in enumerate(camera) if c[1].startswith("lost"))
    assert any(c[0] for c in camera[:first_lost]) and camera[-1] == (True, "")
    assert run.station.camera.status.reconnects == 1
    assert pose.returned > 40  # coaching went on with the camera that came back
    notes = notify.received()
    assert notes[0] == "READY=1\nSTATUS=coaching"
    assert any(n.startswith("STATUS=camera: lost: retry in") for n in notes)
    assert notes.count("WATCHDOG=1") >= 15  # every 0.1 s through the outage too
    journal = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("camera: lost: retrying in") and "camera unplugged" in m
               for m in journal)
    assert "camera: back after reconnect 1" in journal


def test_a_pose_error_skips_that_frame_only(tmp_path, clips_dir, caplog):
    pose = ClipPose(clips_dir, fail_every=7)
    run = Run(tmp_path, lambda: ClipCamera(clips_dir), pose)
    with caplog.at_level(logging.WARNING):
        run.run(frames=45)
    assert pose.calls > 20 and pose.calls - pose.returned == pose.calls // 7
    assert run.station.pose.skipped == pose.calls // 7
    assert run.station.pose_restarts == 0 and run.station.pose.error is None
    assert "frames skipped" in run.reasons("pose")
    assert run.flow.view.live.landmarks is not None  # the frames around it were coached
    assert any("RuntimeError: landmark model returned garbage" in r.getMessage()
               for r in caplog.records)


def emulated_sensor(config: Config, load: SimulatedLoad, calibration: Calibration):
    return lambda: TensionSensor(config.hx711, config.tension, calibration, simulate=load)


CALIBRATED = Calibration(offset_counts=0.0, newtons_per_count=0.001, gain=128, rate_sps=80,
                         calibrated=True)


def test_load_cell_unplugged_means_camera_only_and_a_restart(tmp_path, clips_dir):
    config = make_config(tmp_path)
    made = []

    def make_tension():
        made.append(1)
        return emulated_sensor(config, SimulatedLoad(unplugged=True), CALIBRATED)()

    run = Run(tmp_path, lambda: ClipCamera(clips_dir), ClipPose(clips_dir), make_tension)
    run.run(frames=600, until=lambda r: r.station.tension_restarts >= 1 and len(made) >= 2)
    reasons = run.reasons("load cell")
    assert reasons and set(reasons) <= {"stale", "disconnected", "restarting"}
    assert "disconnected" in reasons
    assert not any(run.has_load_cell)  # the coach never got a tension sample
    assert run.flow.view.live.tension_n is None
    assert run.flow.view.live.landmarks is not None  # and coached on the camera meanwhile
    assert len(made) >= 2 and run.station.tension_restarts >= 1


def test_noisy_load_cell_means_camera_only_then_a_quiet_one_is_used(tmp_path, clips_dir):
    # The emulated chip's pulses run long on a busy machine and those readings are rejected;
    # that is not what this test is about, so only the noise itself may call it noisy here.
    config = make_config(tmp_path)
    config = dataclasses.replace(config, tension=dataclasses.replace(
        config.tension, noisy_rejected_fraction=0.9))
    noisy = SimulatedLoad(counts=50_000, noise_counts=5_000, seed=1)  # 5 N of noise
    run = Run(tmp_path, lambda: ClipCamera(clips_dir), ClipPose(clips_dir),
              emulated_sensor(config, noisy, CALIBRATED))
    run.run(frames=600, until=lambda r: "noisy" in r.reasons("load cell")[-1:]
            and len(r.badges) > 60)
    assert "noisy" in run.reasons("load cell")
    assert not run.has_load_cell[-1] and run.flow.view.live.tension_n is None

    quiet = SimulatedLoad(counts=50_000, noise_counts=20, seed=1)  # 0.02 N: a good load cell
    run = Run(tmp_path, lambda: ClipCamera(clips_dir), ClipPose(clips_dir),
              emulated_sensor(config, quiet, CALIBRATED))
    run.run(frames=600, until=lambda r: all(b["load cell"][0] for b in r.badges[-10:])
            and len(r.badges) > 10)
    assert run.badges[-1]["load cell"] == (True, "") and run.has_load_cell[-1]
    assert run.flow.view.live.tension_n == pytest.approx(50.0, abs=1.0)


def test_the_menus_calibrate_zeroes_the_live_load_cell(tmp_path, clips_dir):
    """On `station run` the menu's "Calibrate load cell" used to say "No load cell to
    calibrate": the live flow had no calibrate step."""
    config = make_config(tmp_path)
    load = SimulatedLoad(counts=30_000, noise_counts=20, seed=3)  # 30 N on a slack band
    run = Run(tmp_path, lambda: ClipCamera(clips_dir), ClipPose(clips_dir),
              emulated_sensor(config, load, CALIBRATED))
    toasts: list[str] = []

    def zero_then_read(r: Run) -> bool:
        live = r.flow.view.live
        if not toasts:
            if r.has_load_cell[-1] and live.tension_n == pytest.approx(30.0, abs=1.0):
                r.flow.on_input(Input.MENU, r.flow.view.now)
                r.flow.on_input(Input.SELECT, r.flow.view.now, row=0)  # "Calibrate load cell"
                toasts.append(r.flow.view.toast)
            return False
        return live.tension_n is not None and abs(live.tension_n) < 1.0

    run.run(frames=900, until=zero_then_read)
    assert toasts == ["Load cell zeroed (band slack)"]
    assert abs(run.flow.view.live.tension_n) < 1.0  # the 30 N it read is the new zero


def test_corrupt_calibration_says_so_and_coaches_on_the_camera(tmp_path, clips_dir, caplog):
    config = make_config(tmp_path)
    (tmp_path / "calibration.json").write_text('{"offset_counts": 12, "newtons_per')
    load = SimulatedLoad(counts=50_000, noise_counts=20, seed=2)

    def make_tension():
        return TensionSensor.from_config(config, simulate=load)

    run = Run(tmp_path, lambda: ClipCamera(clips_dir), ClipPose(clips_dir), make_tension)
    with caplog.at_level(logging.WARNING):
        run.run(frames=600, until=lambda r: r.badges[-1]["load cell"][1].startswith("not cal"))
    assert run.badges[-1]["load cell"] == (False, "not calibrated")
    assert not run.has_load_cell[-1] and run.flow.view.live.tension_n is None
    warnings = [r.getMessage() for r in caplog.records]
    assert any(str(tmp_path / "calibration.json") in m and "calibrate" in m for m in warnings)


def test_disk_full_keeps_coaching_and_says_the_log_is_paused(tmp_path):
    """The log's files may not grow more than 96 KB past their size when the station opened
    them (RLIMIT_FSIZE: what a full disk looks like to SQLite), while three athletes do their
    sets on the simulated-athlete feed."""
    config = make_config(tmp_path)
    buzzer = AlertBuzzer.from_config(config.buzzer, pin_factory=MockFactory(pin_class=MockPWMPin))
    store = StoreWriter(tmp_path / "sessions.sqlite3", 100)
    flow = StationFlow(config, buzzer, store, set_reps=6)
    store.flush()
    opened = max(p.stat().st_size for p in tmp_path.glob("sessions.sqlite3*"))
    old = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (opened + 96 * 1024, old[1]))
    toasts, scored, t = [], 0, 0.0
    try:
        for seed in (7, 8, 9):
            player = SetPlayer(simulate_set(seed, 6), t, 2.0, 8.0, seed=seed)
            while not player.done:
                t += 1 / 30
                for item in player.due(t):
                    flow.submit(item)
                before = len(flow.reps)
                flow.drain(t)
                scored += max(0, len(flow.reps) - before)
                if flow.view.toast and t < flow.view.toast_until:
                    toasts.append(flow.view.toast)
        store.flush()
        # On a busy machine the writer thread may meet the full disk only after the last
        # frame: the station keeps drawing, so the next second of frames must say so.
        for _ in range(30):
            t += 1 / 30
            flow.drain(t)
            if flow.view.toast and t < flow.view.toast_until:
                toasts.append(flow.view.toast)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, old)
        signal.signal(signal.SIGXFSZ, old_handler)
        store.close()
        buzzer.close()
    assert flow.sets_done == 3 and scored >= 15  # every athlete was coached to the end
    assert NOT_SAVED in toasts  # and the screen said so
    log = SessionLog(tmp_path / "sessions.sqlite3")
    try:
        kept = sum(s["reps"] for s in log.sets())
    finally:
        log.close()
    assert 0 < kept < scored  # what was written before the disk filled is still there
