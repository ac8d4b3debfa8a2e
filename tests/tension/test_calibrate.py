"""`station calibrate` end to end on the emulated chip, and the guided flow's checks."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from pathlib import Path

import pytest

from station.cli import main
from station.config import load_config
from station.sim.load_cell import SimulatedRig
from station.tension.calibrate import CalibrationFlow
from station.tension.calibration import Calibration, load_calibration, save_calibration
from station.tension.hx711 import HX711Error

REPO = Path(__file__).resolve().parents[2]
GOOD = Calibration(offset_counts=84_000.0, newtons_per_count=1 / 7000, gain=128, rate_sps=80,
                   known_mass_kg=5.0, noise_n=0.01, calibrated=True)


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
