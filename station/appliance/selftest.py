"""The self-test behind `station check`: each part of the station tried for real, one row each.

A check opens the part with the same classes the station uses, makes it do its job once
(a frame, a pose, load-cell readings, a beep, a screen) and reports what it measured. A part
that fails says how to fix it in one line. Nothing here raises: an unexpected error in a
part is that part's FAIL row.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from station.appliance.kms import console_sdl_environment
from station.config import Config

if TYPE_CHECKING:
    from gpiozero.pins import Factory

    from station.hardware.camera import Frame
    from station.tension.source import TensionSource

T = TypeVar("T")
journal = logging.getLogger(__name__)  # the journal, under systemd

PARTS = ("camera", "pose", "load cell", "buzzer", "screen", "storage", "broker",
         "coach page")


class Status(Enum):
    OK = "ok"
    FAIL = "FAIL"

    @property
    def failed(self) -> bool:
        return self is not Status.OK


@dataclass(frozen=True)
class CheckResult:
    """One row of the table: the part, how it went, what was measured, and the fix."""

    part: str
    status: Status
    detail: str
    fix: str = ""


def _one_line(exc: BaseException) -> str:
    """The first line of the exception's message, alone (a row's detail is read by a
    person, who has no use for "ConfigError:" or pygame's "error:"); its class's name only
    when it has no message."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _with_timeout(fn: Callable[[], T], timeout_s: float) -> T:
    """fn() in a helper thread; TimeoutError when it does not return in time (a hung driver)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed back to the caller below
            box["error"] = exc

    thread = threading.Thread(target=target, name="selftest", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        raise TimeoutError(f"no answer in {timeout_s:g} s")
    if "error" in box:
        raise box["error"]
    return box.get("value")


# -- camera ----------------------------------------------------------------------------------

def check_camera(config: Config, frames: int = 15, timeout_s: float = 5.0,
                 ) -> tuple[CheckResult, Frame | None]:
    """Open the configured camera, read `frames` frames: their size and rate. Returns the last
    frame too (the pose check runs on it)."""
    from station.hardware.camera import open_source

    source = open_source(config, realtime=False)
    where = (f"picamera2 camera {config.camera.camera_num}"
             if config.camera.source == "picamera2" else f"opencv device {config.camera.device}")
    try:
        _with_timeout(source.open, timeout_s)
        got = []
        for _ in range(frames):
            frame = _with_timeout(source.read, timeout_s)
            if frame is None:
                break
            got.append(frame)
    except TimeoutError as exc:
        return CheckResult("camera", Status.FAIL, f"{where}: {exc}",
                           "check the ribbon cable (contacts face the board) and "
                           "rpicam-hello --list-cameras"), None
    except Exception as exc:
        return CheckResult("camera", Status.FAIL, f"{where}: {_one_line(exc)}",
                           _camera_fix(config, exc)), None
    finally:
        with contextlib.suppress(Exception):
            source.close()
    if not got:
        return CheckResult("camera", Status.FAIL, f"{where}: opened but no frame arrived",
                           "check the cable and the [camera] settings"), None
    first, last = got[0], got[-1]
    rate = (len(got) - 1) / (last.t - first.t) if len(got) > 1 and last.t > first.t else 0.0
    detail = f"{last.width}x{last.height}, {rate:.1f} fps over {len(got)} frames"
    if len(got) > 1 and rate < config.camera.fps / 2:
        return CheckResult("camera", Status.FAIL, detail + f" (asked for {config.camera.fps})",
                           "lower [camera] fps or width/height; give the scene more light"), last
    return CheckResult("camera", Status.OK, detail), last


def _camera_fix(config: Config, exc: Exception) -> str:
    text = str(exc).lower()
    if "busy" in text or "in use" in text or "acquire" in text:
        return "another program holds the camera: sudo systemctl stop station, then check"
    if config.camera.source == "picamera2":
        if "not installed" in text:
            return "sudo apt install python3-picamera2; the venv needs --system-site-packages"
        return "check the ribbon cable and rpicam-hello --list-cameras; user in group video"
    return "check [camera] device: a webcam index (0) or a video file that exists"


# -- pose ------------------------------------------------------------------------------------

def check_pose(config: Config, frame: Frame | None = None) -> CheckResult:
    """Load the pose model and run it (on the camera's frame when there is one)."""
    from station.pose.estimator import PoseEstimator

    what = (f"legacy model_complexity {config.pose.model_complexity}"
            if config.pose.backend == "legacy" else f"tasks {config.pose.task_model}")
    try:
        started = time.monotonic()
        estimator = PoseEstimator.from_config(config)
        load_s = time.monotonic() - started
        try:
            if frame is not None:
                image, t0 = frame.image, frame.t
            else:
                image, t0 = np.full((config.camera.height, config.camera.width, 3), 96,
                                    np.uint8), 0.0
            times = []
            result = None
            for i in range(3):
                started = time.monotonic()
                result = estimator.process(image, t0 + i / 30.0)
                times.append(time.monotonic() - started)
        finally:
            estimator.close()
    except Exception as exc:
        return CheckResult("pose", Status.FAIL, f"{what}: {_one_line(exc)}", pose_fix(config))
    seen = ("person in view" if result is not None and result.has_person
            else "nobody in view" if frame is not None else "ran on a blank test image")
    return CheckResult("pose", Status.OK,
                       f"{what}: loads in {load_s:.1f} s, {1000 * min(times):.0f} ms a frame, "
                       f"{seen}")


def pose_fix(config: Config) -> str:
    """The fix for a pose model that would not load, by what the settings ask of it: a
    legacy model size the wheel lacks, a `.task` file missing or unusable, else a damaged
    mediapipe install."""
    from station.pose.estimator import legacy_model

    pose = config.pose
    if pose.backend == "legacy":
        if pose.model_complexity != 1 and not legacy_model(pose.model_complexity).is_file():
            return ("set [pose] model_complexity = 1 (the full model, the one the mediapipe "
                    "0.10.18 wheel carries), or backend = \"tasks\" with a .task model")
        return "reinstall: sudo ./install.sh (mediapipe==0.10.18 carries the model)"
    task = config.resolve(pose.task_model)
    build = f"{sys.executable} -m station.pose.models {task}"
    if not task.is_file():
        return (f"build it offline: {build} (the full model, from the wheel's own); "
                "sudo ./install.sh puts it, a lite one and Google's in /etc/station/models")
    return (f"[pose] task_model is no pose landmarker: build it again with {build}, or point "
            "task_model at one of install.sh's in /etc/station/models")


# -- load cell and buzzer ------------------------------------------------------------------

def check_load_cell(config: Config, source: TensionSource | None = None, seconds: float = 1.0,
                    first_reading_s: float = 5.0) -> CheckResult:
    """Read the load cell for `seconds`: how many readings arrive, their noise, calibrated or
    not.

    `source` is the configured HX711's `TensionSensor` unless given (a sensor on the emulated
    chip in tests).
    """
    from station.tension.filter import Health
    from station.tension.sensor import TensionSensor

    hx = config.hx711
    wiring = (f"check the HX711: DOUT to GPIO{hx.dout_pin}, PD_SCK to GPIO{hx.pd_sck_pin}, "
              "VCC 3.3 V, GND; the station's user in group gpio")
    sensor = TensionSensor.from_config(config) if source is None else source
    samples = []
    try:
        sensor.start()
        deadline = time.monotonic() + first_reading_s
        while not samples and time.monotonic() < deadline:
            samples += sensor.poll()
            if sensor.status().health is Health.DISCONNECTED:
                break
            time.sleep(0.02)
        started = time.monotonic()
        while samples and time.monotonic() - started < seconds:
            time.sleep(0.05)
            samples += sensor.poll()
        status = sensor.status()
    finally:
        sensor.stop()
    if not samples:
        return CheckResult("load cell", Status.FAIL, f"no readings: {status.detail}", wiring)
    span = samples[-1].t - samples[0].t
    rate = (len(samples) - 1) / span if span > 0 else 0.0
    unit = "N" if status.calibrated else "counts"
    detail = (f"{rate:.0f} readings/s, noise {status.noise_n:.2f} {unit}, "
              f"{'calibrated' if status.calibrated else 'not calibrated'}")
    if status.health is Health.NOISY:
        return CheckResult("load cell", Status.FAIL, f"{detail}: {status.detail}",
                           "tighten the load cell's wires, shorten them, keep them away from "
                           "mains cables; a shared ground")
    if status.health is not Health.OK:
        return CheckResult("load cell", Status.FAIL, f"{detail}: {status.detail}", wiring)
    if rate < hx.rate_sps / 2:
        return CheckResult("load cell", Status.FAIL, detail + f" (wired for {hx.rate_sps})",
                           "tie the HX711's RATE pin high for 80 readings/s, or set "
                           "[hx711] rate_sps = 10")
    if not status.calibrated:
        return CheckResult("load cell", Status.FAIL, detail,
                           "run `station calibrate` with a known mass on the cell")
    return CheckResult("load cell", Status.OK, detail)


def check_buzzer(config: Config, pin_factory: Factory | None = None) -> CheckResult:
    """Sound the fault pattern once (the person running the check should hear it)."""
    from station.hardware.buzzer import FAULT_PATTERN, AlertBuzzer, pattern_seconds

    bz = config.buzzer
    buzzer = AlertBuzzer.from_config(bz, pin_factory=pin_factory)
    try:
        if buzzer.player is None:
            return CheckResult("buzzer", Status.FAIL, f"GPIO{bz.pin}: {buzzer.reason}",
                               f"check [buzzer] pin = {bz.pin} and kind = '{bz.kind}'; the "
                               "station's user in group gpio")
        buzzer.player.play(FAULT_PATTERN)
        time.sleep(pattern_seconds(FAULT_PATTERN) + 0.1)
    finally:
        buzzer.close()
    muted = " (muted in the settings: the station itself stays quiet)" if bz.muted else ""
    return CheckResult("buzzer", Status.OK,
                       f"three beeps on GPIO{bz.pin} ({bz.kind}): did you hear them?{muted}")


# -- screen and storage ----------------------------------------------------------------------

def check_screen(config: Config) -> CheckResult:
    """Open the kiosk's screen (full screen on the console through KMSDRM) and draw on it.

    SDL reads its settings from the process environment: on a console with no desktop this
    sets SDL_VIDEODRIVER=kmsdrm and the screen's card first, as the service does.
    """
    env = os.environ
    for key, value in console_sdl_environment(env).items():
        env.setdefault(key, value)
    env.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    try:
        import pygame

        pygame.display.init()
        try:
            flags = pygame.FULLSCREEN if config.kiosk.fullscreen else 0
            size = (0, 0) if config.kiosk.fullscreen else (config.kiosk.width, config.kiosk.height)
            surface = pygame.display.set_mode(size, flags)
            surface.fill((0, 0, 0))
            pygame.display.flip()
            w, h = surface.get_size()
            driver = pygame.display.get_driver()
        finally:
            pygame.display.quit()
    except Exception as exc:
        return CheckResult("screen", Status.FAIL, _one_line(exc), _screen_fix(env, exc))
    detail = f"{w}x{h} through {driver}"
    if w < 320 or h < 240:
        return CheckResult("screen", Status.FAIL, detail, "the layout needs 800x480 or more")
    return CheckResult("screen", Status.OK, detail)


def _screen_fix(env: Mapping[str, str], exc: Exception) -> str:
    if env.get("SDL_VIDEODRIVER") == "kmsdrm":
        return ("no connected display, or another program holds it: plug the screen in; "
                "sudo systemctl stop station (or the desktop), then check")
    return "set SDL_VIDEODRIVER for this machine, or run on the Pi's console"


def check_storage(config: Config, min_free_mb: float = 100.0) -> CheckResult:
    """The session log's folder: it exists, the station may write there, and space is left."""
    log = config.resolve(config.store.path)
    folder = log.parent
    if not folder.is_dir():
        return CheckResult("storage", Status.FAIL, f"{folder} does not exist",
                           f"sudo install -d -o station -g station {folder}")
    if log.exists() and not log.is_file():
        return CheckResult("storage", Status.FAIL, f"{log} is not a file (a folder?)",
                           "point [store] path at a file, e.g. sessions.sqlite3")
    probe = folder / f".station-check-{os.getpid()}"
    try:
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as exc:
        return CheckResult("storage", Status.FAIL, f"{folder}: {_one_line(exc)}",
                           f"run the check as the station's user, or chown station {folder}")
    free_mb = shutil.disk_usage(folder).free / 1e6
    detail = f"{log}: writable, {free_mb:,.0f} MB free"
    if free_mb < min_free_mb:
        return CheckResult("storage", Status.FAIL, detail,
                           "free space on the SD card (old logs: lower [store] max_sets)")
    return CheckResult("storage", Status.OK, detail)


def check_coach_page(config: Config, timeout_s: float = 3.0) -> CheckResult:
    """The coach page: off without a PIN (the installer's choice, not a fault); with one, its
    server answers `/api/now` on the configured port."""
    import json
    import socket
    import urllib.request

    from station.errors import InputError
    from station.web.pin import read_pin_hash

    pin_path = config.resolve(config.web.pin_file)
    try:
        if read_pin_hash(pin_path) is None:
            return CheckResult("coach page", Status.OK,
                               f"off: no PIN set ({pin_path}); install.sh --web-pin turns it on")
    except InputError as exc:
        return CheckResult("coach page", Status.FAIL, str(exc),
                           "set the PIN again: sudo install.sh --web-pin")
    host = config.web.host if config.web.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
    url = f"http://{host}:{config.web.port}/api/now"
    start = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as r:
            json.loads(r.read())
    except Exception as exc:
        return CheckResult("coach page", Status.FAIL, f"PIN set, but {url}: {_one_line(exc)}",
                           "sudo systemctl status station-web; journalctl -u station-web")
    ms = (time.monotonic() - start) * 1000
    where = f"http://{socket.gethostname()}.local:{config.web.port}/"
    return CheckResult("coach page", Status.OK, f"serving on {where} (answered in {ms:.0f} ms)")


# -- broker ----------------------------------------------------------------------------------

def check_broker(config: Config) -> CheckResult:
    """The gym's MQTT broker: reached, the login accepted, and the results still unsent."""
    from station.mqtt.probe import check_broker as probe

    result = probe(config)
    outbox = ("outbox unreadable" if result.outbox < 0 else
              f"outbox {result.outbox} unsent" if result.outbox else "outbox empty")
    verdict = ("reached, authorised" if result.authorised else
               "reached, NOT authorised" if result.reached else
               "NOT tried (a file of [mqtt] it cannot use)" if not result.tried else
               "NOT reached")
    detail = f"{verdict}; {outbox}: {result.detail}"
    if result.authorised:
        return CheckResult("broker", Status.OK, detail)
    if not result.tried:  # the station and its page read the file when they start
        fix = (f"{result.fix or 'fix the file the line names (docs/mqtt.md)'}; then sudo "
               "systemctl try-restart station station-web (results wait in the outbox "
               "meanwhile)")
    elif result.reached:
        fix = "check [mqtt] credentials_file (user name and password) and the broker's users"
    else:
        fix = ("check [mqtt] host and port, the network, and that the broker runs; results "
               "wait in the outbox meanwhile")
    return CheckResult("broker", Status.FAIL, detail, fix)


def run_checks(config: Config, parts: tuple[str, ...] = PARTS, pin_factory: Factory | None = None,
               ) -> list[CheckResult]:
    """Every check in `parts`, in the table's order; a crash in one is that part's FAIL.
    The broker is checked only where the config has an [mqtt] section."""
    results = []
    frame = None
    for part in PARTS:
        if part not in parts or (part == "broker" and config.mqtt is None
                                 and parts == PARTS):
            continue
        try:
            if part == "camera":
                result, frame = check_camera(config)
            elif part == "pose":
                result = check_pose(config, frame)
            elif part == "load cell":
                result = check_load_cell(config)
            elif part == "buzzer":
                result = check_buzzer(config, pin_factory)
            elif part == "screen":
                result = check_screen(config)
            elif part == "storage":
                result = check_storage(config)
            elif part == "broker":
                result = (check_broker(config) if config.mqtt is not None else
                          CheckResult("broker", Status.FAIL, "no [mqtt] section in the config",
                                      "add one naming the gym's broker (docs/mqtt.md)"))
            else:
                result = check_coach_page(config)
        except Exception as exc:
            # A fault in the check itself: its traceback goes where the journal is read
            # (stderr at a terminal, the journal under systemd).
            journal.exception("station check: the %s check failed", part)
            result = CheckResult(part, Status.FAIL, _one_line(exc),
                                 "a fault in the check itself: its traceback is on stderr "
                                 "(the journal under systemd)")
        results.append(result)
    return results


def summary(results: list[CheckResult]) -> str:
    """The table's last line: all parts ok (the one part, by name), or how many failed and
    which."""
    failed = [r.part for r in results if r.status.failed]
    if failed:
        return f"station check: {len(failed)} of {len(results)} failed: {', '.join(failed)}"
    if len(results) == 1:
        return f"station check: {results[0].part} ok"
    return f"station check: all {len(results)} parts ok"


def format_table(results: list[CheckResult]) -> str:
    """The results as an aligned text table, with a fix line under each failure."""
    part_w = max(len(r.part) for r in results)
    lines = []
    for r in results:
        lines.append(f"{r.part:<{part_w}}  {r.status.value:<4}  {r.detail}")
        if r.status.failed and r.fix:
            lines.append(f"{'':<{part_w}}        fix: {r.fix}")
    return "\n".join(lines)
