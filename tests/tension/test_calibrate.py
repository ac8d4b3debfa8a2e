"""The calibration file (atomic, survives a killed writer) and `station calibrate` end to end."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from station.cli import main
from station.commands.calibrate import CalibrationFlow, SimulatedRig
from station.config import load_config
from station.tension.calibration import (
    UNCALIBRATED,
    Calibration,
    from_readings,
    load_calibration,
    save_calibration,
)
from station.tension.hx711 import HX711Error

REPO = Path(__file__).resolve().parents[2]
GOOD = Calibration(offset_counts=84_000.0, newtons_per_count=1 / 7000, gain=128, rate_sps=80,
                   known_mass_kg=5.0, noise_n=0.01, calibrated=True)


# -- the file --------------------------------------------------------------------------------

def test_save_then_load_round_trip(tmp_path):
    path = tmp_path / "calibration.json"
    save_calibration(path, GOOD)
    cal, warning = load_calibration(path, gain=128, rate_sps=80)
    assert warning is None
    assert cal == GOOD
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left


def test_from_readings_scales_a_known_mass():
    cal = from_readings(1000, 1000 + 49.0333 * 7000, 5.0, gain=128, rate_sps=80,
                        noise_counts=70)
    assert cal.newtons_per_count == pytest.approx(1 / 7000, rel=1e-4)
    assert cal.force_n(1000 + 7000 * 20) == pytest.approx(20.0, rel=1e-4)
    assert cal.noise_n == pytest.approx(0.01, rel=1e-3)
    reverse = from_readings(1000, 1000 - 49.0333 * 7000, 5.0, gain=128, rate_sps=80,
                            noise_counts=0)
    assert reverse.force_n(1000 - 7000 * 20) == pytest.approx(20.0, rel=1e-4)


def test_missing_file_gives_a_warning_and_the_raw_sensor(tmp_path):
    cal, warning = load_calibration(tmp_path / "calibration.json")
    assert cal is UNCALIBRATED and not cal.calibrated
    assert "no calibration file" in warning and "station calibrate" in warning


@pytest.mark.parametrize("text", [
    "",
    "{\"format\": \"hinge-station-calibration\", \"version\": 1, \"offset_co",  # cut short
    "not json at all",
    "[1, 2, 3]",
    json.dumps({**GOOD.to_dict(), "newtons_per_count": 0}),
    json.dumps({**GOOD.to_dict(), "offset_counts": "84000"}),
    json.dumps({**GOOD.to_dict(), "gain": 100}),
    json.dumps({**GOOD.to_dict(), "version": 9}),
    json.dumps({k: v for k, v in GOOD.to_dict().items() if k != "noise_n"}),
    json.dumps(GOOD.to_dict()).replace("0.01", "NaN"),
])
def test_corrupt_file_gives_a_warning_and_the_raw_sensor(tmp_path, text):
    path = tmp_path / "calibration.json"
    path.write_text(text)
    cal, warning = load_calibration(path)
    assert cal is UNCALIBRATED
    assert str(path) in warning and "calibrat" in warning


def test_calibration_from_another_gain_does_not_apply(tmp_path):
    path = tmp_path / "calibration.json"
    save_calibration(path, GOOD)
    cal, warning = load_calibration(path, gain=64)
    assert cal is UNCALIBRATED
    assert "gain 128" in warning


_WRITER = textwrap.dedent("""
    import os, sys, time
    from station.tension.calibration import Calibration, save_calibration
    real_fsync = os.fsync
    def stall(fd):
        real_fsync(fd)
        print("mid-write", flush=True)  # the new data are in the temporary file, not renamed
        time.sleep(60)
    os.fsync = stall
    save_calibration(sys.argv[1], Calibration(offset_counts=1.0, newtons_per_count=2.0,
                                              calibrated=True))
""")


def test_writer_killed_mid_write_leaves_the_old_calibration(tmp_path):
    path = tmp_path / "calibration.json"
    save_calibration(path, GOOD)
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(path)], cwd=REPO,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "mid-write"
        leftovers = [p for p in tmp_path.iterdir() if p != path]
        assert len(leftovers) == 1 and leftovers[0].stat().st_size > 0  # half done
        os.kill(proc.pid, signal.SIGKILL)  # the power cut
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
    assert load_calibration(path) == (GOOD, None)
    save_calibration(path, GOOD)  # the next save clears the dead writer's leftover
    assert list(tmp_path.iterdir()) == [path]


_LOOP_WRITER = textwrap.dedent("""
    import sys
    from station.tension.calibration import Calibration, save_calibration
    print("writing", flush=True)
    i = 0
    while True:
        i += 1
        save_calibration(sys.argv[1], Calibration(offset_counts=float(i),
                                                  newtons_per_count=1.0 + i, calibrated=True))
""")


def test_writer_killed_at_random_moments_never_leaves_a_broken_file(tmp_path):
    path = tmp_path / "calibration.json"
    save_calibration(path, GOOD)
    for delay in (0.05, 0.11, 0.17, 0.23, 0.31):
        proc = subprocess.Popen([sys.executable, "-c", _LOOP_WRITER, str(path)], cwd=REPO,
                                stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout.readline().strip() == "writing"
            try:
                proc.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait()
            proc.stdout.close()
        cal, warning = load_calibration(path)
        assert warning is None
        assert cal == GOOD or cal.newtons_per_count == cal.offset_counts + 1.0


# -- station calibrate -------------------------------------------------------------------------

@pytest.fixture
def config_path(tmp_path):
    path = tmp_path / "station.toml"
    path.write_text((REPO / "config" / "station.toml").read_text())
    return path


def _calibrate(monkeypatch, capsys, config_path, answers: str, *extra):
    monkeypatch.setattr("sys.stdin", io.StringIO(answers))
    code = main(["calibrate", "--config", str(config_path), "--seconds", "0.5", *extra])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_calibrate_simulated_end_to_end(monkeypatch, capsys, config_path):
    # Enter (slack), 5 (kg), Enter (hanging), y (save).
    code, out, err = _calibrate(monkeypatch, capsys, config_path, "\n5\n\ny\n", "--simulate",
                                "--seconds", "1.0")
    assert code == 0, err
    cal, warning = load_calibration(config_path.parent / "calibration.json")
    assert warning is None
    rig = SimulatedRig()
    assert 1 / cal.newtons_per_count == pytest.approx(rig.counts_per_newton, rel=0.005)
    assert cal.offset_counts == pytest.approx(rig.offset_counts, abs=30)
    assert cal.known_mass_kg == 5.0
    # 60 counts of noise at 7034 counts/N: 0.0085 N (from about 80 readings: within 35%).
    assert cal.noise_n == pytest.approx(rig.noise_counts / rig.counts_per_newton, rel=0.35)
    assert "noise" in out and "counts per newton" in out and "Saved" in out


def test_calibrate_in_a_real_terminal_process(config_path):
    result = subprocess.run(
        [sys.executable, "-m", "station.cli", "calibrate", "--simulate", "--config",
         str(config_path), "--seconds", "0.5", "--mass", "2.5"],
        input="\n\ny\n", capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.returncode == 0, result.stderr
    cal, _ = load_calibration(config_path.parent / "calibration.json")
    assert cal.known_mass_kg == 2.5
    assert 1 / cal.newtons_per_count == pytest.approx(SimulatedRig().counts_per_newton,
                                                      rel=0.01)


def test_calibrate_with_no_chip_fails_within_two_seconds_with_one_line(monkeypatch, capsys,
                                                                      config_path):
    code, out, err = _calibrate(monkeypatch, capsys, config_path, "", "--simulate",
                                "unplugged")
    assert code == 1
    assert err.count("\n") == 1
    assert "no HX711 answered on DOUT GPIO5 / PD_SCK GPIO6 within 2 s" in err
    assert not (config_path.parent / "calibration.json").exists()


def test_declining_keeps_the_old_calibration(monkeypatch, capsys, config_path):
    path = config_path.parent / "calibration.json"
    save_calibration(path, GOOD)
    code, out, _ = _calibrate(monkeypatch, capsys, config_path, "\n\n\nn\n", "--simulate")
    assert code == 1
    assert "Not saved" in out
    assert load_calibration(path) == (GOOD, None)


def test_input_ending_early_saves_nothing(monkeypatch, capsys, config_path):
    code, out, _ = _calibrate(monkeypatch, capsys, config_path, "\n", "--simulate")
    assert code == 1
    assert "nothing saved" in out
    assert not (config_path.parent / "calibration.json").exists()


def test_bad_mass_three_times_is_bad_input(monkeypatch, capsys, config_path):
    code, out, err = _calibrate(monkeypatch, capsys, config_path, "\nabc\n-3\n9999\n",
                                "--simulate")
    assert code == 2
    assert err.startswith("station: error: calibrate: no valid known mass")
    assert "'abc' is not a number" in out


@pytest.mark.parametrize("args", [("--seconds", "0"), ("--mass", "-1")])
def test_bad_arguments_exit_2(monkeypatch, capsys, config_path, args):
    code, _, err = _calibrate(monkeypatch, capsys, config_path, "", "--simulate", *args)
    assert code == 2
    assert err.startswith("station: error: --")


def test_mass_that_does_not_hang_on_the_cell_is_caught(config_path):
    from gpiozero.pins.mock import MockFactory

    from station.sim.hx711_emulator import HX711Emulator

    class Forgetful(SimulatedRig):
        def hang(self, mass_kg: float) -> None:  # the mass never reaches the load cell
            pass

    config = load_config(config_path)
    factory = MockFactory()
    rig = Forgetful()
    emulator = HX711Emulator(5, 6, pin_factory=factory)
    rig.attach(emulator)
    answers = iter(["", ""])
    said: list[str] = []
    with emulator.driver(config.hx711) as hx:
        flow = CalibrationFlow(hx, config, rig=rig, seconds=0.3, mass_kg=5.0,
                               ask=lambda _: next(answers), say=said.append)
        with pytest.raises(HX711Error, match="is the mass hanging"):
            flow.run()
    assert not (config_path.parent / "calibration.json").exists()


def test_calibrate_notices_a_chip_wired_for_10_sps(config_path):
    from gpiozero.pins.mock import MockFactory

    from station.sim.hx711_emulator import HX711Emulator

    config = load_config(config_path)  # rate_sps = 80
    factory = MockFactory()
    rig = SimulatedRig(noise_counts=0)
    emulator = HX711Emulator(5, 6, pin_factory=factory, rate_sps=10)  # RATE tied low
    rig.attach(emulator)
    answers = iter(["", "", "y"])
    said: list[str] = []
    with emulator.driver(config.hx711) as hx:
        flow = CalibrationFlow(hx, config, rig=rig, seconds=0.1, mass_kg=5.0,
                               ask=lambda _: next(answers), say=said.append)
        # Where a busy machine stretched a pulse, the power-cycle left this chip (which
        # settles in 400 ms, not the 50 the config promises) unsettled: the result may be
        # refused. The rate was measured and reported in step 1 all the same.
        with contextlib.suppress(HX711Error):
            flow.run()
    assert any("RATE pin is tied low" in line for line in said), said


def test_calibrate_without_gpio_says_so_in_one_line(monkeypatch, capsys, config_path):
    from gpiozero import Device

    monkeypatch.setattr(Device, "pin_factory", None)
    monkeypatch.setenv("GPIOZERO_PIN_FACTORY", "no-such-factory")  # as on a laptop
    code, _, err = _calibrate(monkeypatch, capsys, config_path, "")
    assert code == 1
    assert err == ("station: error: cannot open the HX711 on GPIO5/GPIO6 (no GPIO); "
                   "without a Pi, try --simulate\n")
