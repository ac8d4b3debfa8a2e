"""The live tension sensor: its reader process on the emulated chip, a reader that dies or
finds no GPIO, and the calibration it loads."""

from __future__ import annotations

import time

import pytest

from station.config import HX711Config, TensionConfig
from station.sim.load_cell import SimulatedLoad
from station.tension.calibration import Calibration
from station.tension.filter import Health
from station.tension.sensor import TensionSensor

# 1000 counts per newton, zero at 50000 counts.
CAL = Calibration(offset_counts=50_000, newtons_per_count=0.001, calibrated=True)


def _run_sensor(simulate: SimulatedLoad, want: int, reads: int = 0, timeout: float = 30.0):
    """Poll a sensor on the emulated chip until `want` samples and `reads` read attempts have
    come (or `timeout`, generous: a busy machine may take seconds to spawn the reader).
    The status is taken at the last poll, so a late wake-up of this process is not staleness.
    """
    sensor = TensionSensor(HX711Config(), TensionConfig(), CAL, simulate=simulate)
    started = time.monotonic()
    samples = []
    with sensor:
        while True:
            polled = time.monotonic()
            samples += sensor.poll()
            status = sensor.status(polled)
            if len(samples) >= want and sum(status.outcomes.values()) >= reads \
                    or polled - started > timeout:
                break
            time.sleep(0.02)
        priority = sensor.priority
    return started, samples, status, priority


def test_sensor_process_reads_the_emulated_chip():
    # 57 000 counts = 7 N on CAL; spikes every 7th read; the first 3 reads get long pulses.
    started, samples, status, priority = _run_sensor(
        SimulatedLoad(counts=57_000, noise_counts=30, spike_every=7, long_pulses=3), want=40)
    assert len(samples) >= 40
    assert all(s.force_n == pytest.approx(7.0, abs=0.2) for s in samples)
    times = [s.t for s in samples]
    assert times == sorted(times)
    assert started < times[0] and times[-1] <= time.monotonic()  # the same monotonic clock
    assert status.health in (Health.OK, Health.NOISY)  # spikes are rejected and counted
    assert status.rejected_fraction > 0
    assert priority  # what scheduling the reader got is reported


def test_sensor_process_reports_an_unplugged_chip():
    # Two read attempts (0.5 s each once the reader is up), and neither gave a sample.
    _, samples, status, _ = _run_sensor(SimulatedLoad(unplugged=True), want=0, reads=2)
    assert samples == []
    assert list(status.outcomes) == ["not_ready"] and status.outcomes["not_ready"] >= 2
    assert status.health is Health.DISCONNECTED


def test_a_reader_process_that_dies_is_reported():
    sensor = TensionSensor(HX711Config(), TensionConfig(), CAL,
                           simulate=SimulatedLoad(counts=57_000))
    with sensor:
        deadline = time.monotonic() + 30.0
        while not sensor.poll() and time.monotonic() < deadline:
            time.sleep(0.02)
        sensor._process.kill()
        sensor._process.join()
        sensor.poll()
        status = sensor.status()
    assert status.health is Health.DISCONNECTED
    assert "reader process stopped" in status.detail


def test_sensor_without_gpio_reports_disconnected(monkeypatch):
    monkeypatch.setenv("GPIOZERO_PIN_FACTORY", "no-such-factory")  # the spawned reader sees it
    sensor = TensionSensor(HX711Config(), TensionConfig(), CAL)
    with sensor:
        deadline = time.monotonic() + 30.0
        while sensor.status().health is not Health.DISCONNECTED \
                and time.monotonic() < deadline:
            sensor.poll()
            time.sleep(0.02)
        status = sensor.status()
    assert status.health is Health.DISCONNECTED
    assert "no GPIO" in status.detail


def test_from_config_loads_the_calibration_beside_the_config_or_warns(tmp_path, caplog):
    from station.config import load_config
    from station.tension.calibration import save_calibration

    config_path = tmp_path / "station.toml"
    config_path.write_text("[tension]\ncalibration_file = \"cal.json\"\n")
    config = load_config(config_path)
    with caplog.at_level("WARNING"):
        assert not TensionSensor.from_config(config).calibrated
    assert "no calibration file" in caplog.text and "cal.json" in caplog.text
    save_calibration(tmp_path / "cal.json", CAL)
    assert TensionSensor.from_config(config).calibrated
