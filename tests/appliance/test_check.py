"""`station check`: the self-test's rows, its table, and its exit status."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from station.appliance import selftest
from station.appliance.kms import console_sdl_environment
from station.appliance.selftest import (
    CheckResult,
    Status,
    check_screen,
    check_storage,
    format_table,
)
from station.cli import main
from station.config import Config, KioskConfig, StoreConfig


def config_in(tmp_path: Path, **sections) -> Config:
    return dataclasses.replace(Config(source=tmp_path / "station.toml"), **sections)


def test_screen_opens_on_sdl(tmp_path: Path) -> None:
    config = config_in(tmp_path, kiosk=KioskConfig(width=800, height=480, fullscreen=False))
    result = check_screen(config)
    assert result == CheckResult("screen", Status.OK, "800x480 through dummy")


def test_screen_failure_names_the_fix(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SDL_VIDEODRIVER", "kmsdrm")  # no DRM device here: SDL cannot open it
    result = check_screen(config_in(tmp_path))
    assert result.status is Status.FAIL
    assert "plug the screen in" in result.fix
    assert not result.detail.startswith("error: ")  # pygame.error's class name, not news


def test_console_environment_picks_kmsdrm_and_the_card(tmp_path: Path) -> None:
    conn = tmp_path / "card1-HDMI-A-1"
    conn.mkdir()
    (conn / "status").write_text("connected\n")
    (conn / "modes").write_text("800x480\n")
    assert console_sdl_environment({}, tmp_path) == {
        "SDL_VIDEODRIVER": "kmsdrm", "SDL_KMSDRM_DEVICE_INDEX": "1"}
    assert console_sdl_environment({"DISPLAY": ":0"}, tmp_path) == {}
    assert console_sdl_environment({"SDL_VIDEODRIVER": "dummy"}, tmp_path) == {}
    assert console_sdl_environment({"SDL_KMSDRM_DEVICE_INDEX": "0"}, tmp_path) == {
        "SDL_VIDEODRIVER": "kmsdrm"}


def test_storage_writable_and_free(tmp_path: Path) -> None:
    result = check_storage(config_in(tmp_path))
    assert result.status is Status.OK
    assert result.detail.startswith(f"{tmp_path / 'sessions.sqlite3'}: writable, ")
    assert list(tmp_path.iterdir()) == []  # the probe file is gone


def test_storage_missing_folder_or_full_disk_fails(tmp_path: Path) -> None:
    gone = config_in(tmp_path, store=StoreConfig(path="nowhere/log.sqlite3"))
    result = check_storage(gone)
    assert result.status is Status.FAIL and "does not exist" in result.detail
    full = check_storage(config_in(tmp_path), min_free_mb=1e15)
    assert full.status is Status.FAIL and "free space" in full.fix


def test_storage_that_names_a_folder_fails(tmp_path: Path) -> None:
    """A log path naming a folder used to pass as "storage ok" (issue 23: `path = ""` named
    the settings' folder; the config refuses that now, and the check a folder by any name)."""
    (tmp_path / "logs").mkdir()
    result = check_storage(config_in(tmp_path, store=StoreConfig(path="logs")))
    assert result.status is Status.FAIL
    assert result.detail == f"{tmp_path / 'logs'} is not a file (a folder?)"


def test_storage_unwritable_folder_fails() -> None:
    # /proc takes no new files, not even from root (CI runs as root).
    result = check_storage(Config(store=StoreConfig(path="/proc/sessions.sqlite3")))
    assert result.status is Status.FAIL and result.detail.startswith("/proc: ")
    assert "chown station /proc" in result.fix


def test_a_crashing_check_is_its_own_fail_row(tmp_path: Path, monkeypatch, caplog) -> None:
    def boom(config):
        raise RuntimeError("SDL exploded\nwith a second line")

    monkeypatch.setattr(selftest, "check_screen", boom)
    results = selftest.run_checks(config_in(tmp_path), ("screen", "storage"))
    assert [(r.part, r.status) for r in results] == [("screen", Status.FAIL),
                                                      ("storage", Status.OK)]
    assert results[0].detail == "SDL exploded"
    # Its fix points at the traceback, and the traceback is there.
    assert "traceback is on stderr" in results[0].fix
    (record,) = [r for r in caplog.records if "the screen check failed" in r.getMessage()]
    assert record.exc_info is not None and "SDL exploded" in str(record.exc_info[1])


def test_a_details_message_is_shown_without_its_exception_class(tmp_path: Path,
                                                               monkeypatch) -> None:
    """Rows read "picamera2 camera 0: StationError: [camera] source = ..." and
    "ConfigError: ..."; pygame's own failure "error: kmsdrm not available"."""
    import station.hardware.camera
    from station.appliance.selftest import check_camera
    from station.errors import ConfigError, StationError

    class NoCamera:
        def open(self) -> None:
            raise StationError("[camera] source = 'picamera2' but picamera2 is not installed")

        def close(self) -> None:
            pass

    monkeypatch.setattr(station.hardware.camera, "open_source", lambda *a, **k: NoCamera())
    result, _ = check_camera(config_in(tmp_path))
    assert result.detail == ("picamera2 camera 0: [camera] source = 'picamera2' but picamera2 "
                             "is not installed")

    def bad_setting(config):
        raise ConfigError("station.toml: [kiosk] width = 5 must be 320 to 3840")

    monkeypatch.setattr(selftest, "check_screen", bad_setting)
    (result,) = selftest.run_checks(config_in(tmp_path), ("screen",))
    assert result.detail == "station.toml: [kiosk] width = 5 must be 320 to 3840"


def test_table_puts_the_fix_under_each_failure() -> None:
    table = format_table([CheckResult("camera", Status.OK, "640x480, 30.0 fps"),
                          CheckResult("load cell", Status.FAIL, "no readings in 1 s",
                                      "check the HX711 wiring")])
    assert table.splitlines() == [
        "camera     ok    640x480, 30.0 fps",
        "load cell  FAIL  no readings in 1 s",
        "                 fix: check the HX711 wiring",
    ]


def test_cli_exit_status(tmp_path: Path, capsys) -> None:
    toml = tmp_path / "station.toml"
    toml.write_text("[kiosk]\nfullscreen = false\n")
    assert main(["check", "--config", str(toml), "--only", "screen,storage"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "station check: all 2 parts ok"
    toml.write_text('[store]\npath = "missing/sessions.sqlite3"\n')
    assert main(["check", "--config", str(toml), "--only", "storage"]) == 1
    out = capsys.readouterr().out
    assert "fix: sudo install -d -o station -g station" in out
    assert out.splitlines()[-1] == "station check: 1 of 1 failed: storage"
    assert main(["check", "--config", str(toml), "--only", "toaster"]) == 2


def test_one_part_checked_ok_is_named_not_counted(tmp_path: Path, capsys) -> None:
    """`--only storage` ended "all 1 parts ok"."""
    toml = tmp_path / "station.toml"
    toml.write_text('[store]\npath = "sessions.sqlite3"\n')
    assert main(["check", "--config", str(toml), "--only", "storage"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "station check: storage ok"


# -- the parts on their real drivers ------------------------------------------------------

def test_camera_and_pose_on_a_real_clip(tmp_path: Path, clips_dir: Path) -> None:
    from station.appliance.selftest import check_camera, check_pose
    from station.config import CameraConfig

    clip = clips_dir / "kb_deadlift_0016c_side.mp4"  # 360x640 at 60 fps, a person in view
    config = config_in(tmp_path, camera=dataclasses.replace(
        CameraConfig(), source="opencv", device=str(clip), fps=30))
    camera, frame = check_camera(config, frames=10)
    assert camera == CheckResult("camera", Status.OK, "360x640, 60.0 fps over 10 frames")
    pose = check_pose(config, frame)
    assert pose.status is Status.OK and pose.detail.startswith("legacy model_complexity 1")
    assert pose.detail.endswith("person in view")


def test_camera_that_is_not_there_names_the_fix(tmp_path: Path) -> None:
    from station.appliance.selftest import check_camera
    from station.config import CameraConfig

    config = config_in(tmp_path, camera=dataclasses.replace(
        CameraConfig(), source="opencv", device=str(tmp_path / "nothing.mp4")))
    result, frame = check_camera(config)
    assert result.status is Status.FAIL and frame is None
    assert "nothing.mp4" in result.detail and "video file that exists" in result.fix


def calibrated_config(tmp_path: Path) -> Config:
    from station.tension.calibration import Calibration, save_calibration

    save_calibration(tmp_path / "calibration.json", Calibration(
        offset_counts=0.0, newtons_per_count=0.001, gain=128, rate_sps=80, calibrated=True))
    config = config_in(tmp_path)
    # The emulated chip's pulses run long on a busy machine (readings rejected); only the
    # noise itself may call it noisy here.
    return dataclasses.replace(config, tension=dataclasses.replace(
        config.tension, noisy_rejected_fraction=0.9))


def test_load_cell_readings_noise_and_calibration(tmp_path: Path) -> None:
    from station.appliance.selftest import check_load_cell
    from station.sim.load_cell import SimulatedLoad
    from station.tension.sensor import TensionSensor

    def emulated(load: SimulatedLoad) -> TensionSensor:
        return TensionSensor.from_config(config, simulate=load)

    config = calibrated_config(tmp_path)
    ok = check_load_cell(config, emulated(SimulatedLoad(counts=40_000, noise_counts=20, seed=3)))
    assert ok.status in (Status.OK, Status.FAIL)
    assert "calibrated" in ok.detail and " N, " in ok.detail  # noise in newtons
    if ok.status is Status.FAIL:  # a loaded machine slows the emulated chip below 40/s
        assert "RATE pin" in ok.fix

    unplugged = check_load_cell(config, emulated(SimulatedLoad(unplugged=True)),
                                first_reading_s=3.0)
    assert unplugged.status is Status.FAIL and unplugged.detail.startswith("no readings")
    assert "DOUT to GPIO5, PD_SCK to GPIO6" in unplugged.fix

    (tmp_path / "calibration.json").unlink()
    raw = check_load_cell(config, emulated(SimulatedLoad(counts=40_000, noise_counts=20, seed=3)))
    assert raw.status is Status.FAIL and "not calibrated" in raw.detail
    assert raw.fix.startswith("run `station calibrate`") or "RATE pin" in raw.fix


def test_buzzer_beeps_on_its_pin(tmp_path: Path) -> None:
    from gpiozero.pins.mock import MockFactory, MockPWMPin

    from station.appliance.selftest import check_buzzer

    factory = MockFactory(pin_class=MockPWMPin)
    result = check_buzzer(config_in(tmp_path), pin_factory=factory)
    assert result.status is Status.OK and "GPIO18 (tonal)" in result.detail
    states = [s.state for s in factory.pin(18).states]
    assert len(states) >= 6 and max(states) > 0  # three beeps: on, off, on, off, on, off


def test_buzzer_without_gpio_names_the_fix(tmp_path: Path) -> None:
    from gpiozero.pins.mock import MockFactory

    from station.appliance.selftest import check_buzzer

    # A plain mock pin cannot do PWM, which a passive (tonal) buzzer needs.
    result = check_buzzer(config_in(tmp_path), pin_factory=MockFactory())
    assert result.status is Status.FAIL and "pin = 18" in result.fix


# -- the pose row's fix says what the detail is about -----------------------------------------

def _pose_row(tmp_path: Path, pose: str, capsys) -> list[str]:
    toml = tmp_path / "station.toml"
    toml.write_text(f"[pose]\n{pose}\n")
    assert main(["check", "--config", str(toml), "--only", "pose"]) == 1
    return capsys.readouterr().out.splitlines()


def test_a_legacy_model_the_wheel_lacks_is_fixed_by_the_setting(tmp_path: Path,
                                                                capsys) -> None:
    """With model_complexity = 2 the detail said the wheel lacks the heavy model, and the
    fix said to reinstall the wheel."""
    detail, fix = _pose_row(tmp_path, "model_complexity = 2", capsys)[:2]
    assert "needs pose_landmark_heavy.tflite, which this mediapipe install lacks" in detail
    assert fix.split("fix: ")[1] == (
        'set [pose] model_complexity = 1 (the full model, the one the mediapipe 0.10.18 '
        'wheel carries), or backend = "tasks" with a .task model')


def test_a_missing_task_model_is_fixed_by_building_it(tmp_path: Path, capsys) -> None:
    """With backend = "tasks" and no .task file the fix said to reinstall the wheel."""
    task = tmp_path / "models" / "pose_landmarker_full.task"
    detail, fix = _pose_row(tmp_path, 'backend = "tasks"', capsys)[:2]
    assert f"{task} not found" in detail
    assert fix.split("fix: ")[1] == (
        f"build it offline: {sys.executable} -m station.pose.models {task} (the full model, "
        "from the wheel's own); sudo ./install.sh puts it, a lite one and Google's in "
        "/etc/station/models")


def test_a_task_file_that_is_no_model_is_fixed_by_building_it_again(tmp_path: Path,
                                                                    capsys) -> None:
    task = tmp_path / "models" / "pose_landmarker_full.task"
    task.parent.mkdir()
    task.write_text("not a model\n")
    detail, fix = _pose_row(tmp_path, 'backend = "tasks"', capsys)[:2]
    assert "is not a usable pose landmarker model" in detail
    assert fix.split("fix: ")[1] == (
        f"[pose] task_model is no pose landmarker: build it again with {sys.executable} -m "
        f"station.pose.models {task}, or point task_model at one of install.sh's in "
        "/etc/station/models")


def test_the_fix_for_the_wheels_own_model_failing_is_a_reinstall() -> None:
    from station.appliance.selftest import pose_fix

    assert pose_fix(Config()) == ("reinstall: sudo ./install.sh (mediapipe==0.10.18 carries "
                                  "the model)")
