"""The tension filter: samples in newtons, spike rejection, tare, auto re-tare, health."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from station.coach import analyze
from station.config import CoachConfig, TensionConfig
from station.domain import Fault, TensionStream
from station.sim.athlete import RepKind
from station.sim.session import Scenario, simulate_set
from station.tension.calibration import Calibration
from station.tension.filter import Health, TensionFilter
from station.tension.hx711 import Reading, ReadStatus

# 1000 counts per newton, zero at 50000 counts.
CAL = Calibration(offset_counts=50_000, newtons_per_count=0.001, calibrated=True)
RATE = 80


def _ok(t: float, counts: int) -> Reading:
    return Reading(t, counts, ReadStatus.OK, counts & 0xFFFFFF, 10_000)


def _feed(filt: TensionFilter, forces_n, t0: float = 0.0, noise_counts: float = 20.0,
          seed: int = 0):
    """Readings at 80 SPS for these forces (with noise); the samples the filter gives."""
    rng = np.random.default_rng(seed)
    out = []
    for i, f in enumerate(forces_n):
        counts = int(round(50_000 + f * 1000 + rng.normal(0, noise_counts)))
        s = filt.add(_ok(t0 + i / RATE, counts))
        if s is not None:
            out.append(s)
    return out


def test_calibrated_samples_in_newtons_with_the_readings_times():
    filt = TensionFilter(TensionConfig(), CAL)
    out = _feed(filt, [40.0] * 20, noise_counts=0)
    # The median of 5 needs 5 readings before the first sample.
    assert [s.t for s in out] == [i / RATE for i in range(4, 20)]
    assert all(s.force_n == pytest.approx(40.0) for s in out)


def test_spikes_are_dropped_and_every_other_reading_handed_on():
    filt = TensionFilter(TensionConfig(median_window=5), CAL)
    forces = [30.0] * 40
    spikes = (10, 20, 21, 30)  # single and double spikes
    for i in spikes:
        forces[i] = 900.0
    out = _feed(filt, forces)
    assert [s.t for s in out] == [i / RATE for i in range(4, 40) if i not in spikes]
    assert max(abs(s.force_n - 30.0) for s in out) < 0.1  # 20 counts of noise: 0.02 N
    assert filt.status(out[-1].t).rejected_fraction == pytest.approx(4 / 40)


def test_samples_are_the_readings_themselves_not_smoothed():
    # A median of 5 would hand on a ramp two readings late (1 N here); the coach needs the
    # band as soon as it moves, and despikes on its own.
    filt = TensionFilter(TensionConfig(median_window=5), CAL)
    ramp = [30.0 + 0.5 * i for i in range(20)]
    out = _feed(filt, ramp, noise_counts=0)
    assert [s.force_n for s in out] == pytest.approx(ramp[4:])


def test_the_coach_fed_the_sensors_samples_does_not_buzz_at_good_reps():
    # A set of good hinges with a shaky band (0.8 N), its readings through the filter the
    # station runs: the coach sees what it would see on the Pi. (Smoothed by a median of 5,
    # the band's noise reads far too low to the coach's brake test, which then buzzes here.)
    scenario = Scenario.random(np.random.default_rng(3), varied=False)
    scenario = dataclasses.replace(scenario, tension_noise_n=0.8, spike_rate=0.0)
    sim = simulate_set(3, 8, scenario=scenario, kinds=[RepKind.GOOD] * 8)
    filt = TensionFilter(TensionConfig(), CAL)
    filt.set_present(True)
    samples = [filt.add(_ok(t, int(round(50_000 + f * 1000))))
               for t, f in zip(sim.tension.t, sim.tension.force_n, strict=True)]
    kept = [s for s in samples if s is not None]
    assert len(kept) == len(samples) - 4
    tension = TensionStream(np.array([s.t for s in kept]), np.array([s.force_n for s in kept]))
    report = analyze(sim.pose, tension, CoachConfig())
    assert len(report.reps) == 8
    assert report.band_gains  # the band was read
    assert [b for b in report.buzzes if b.fault is Fault.HIPS_STOPPED] == []


def test_tare_zeroes_the_current_load():
    filt = TensionFilter(TensionConfig(auto_tare=False), CAL)
    _feed(filt, [12.0] * 10, noise_counts=0)
    assert filt.tare() == 62_000
    assert _feed(filt, [12.0] * 3, t0=1.0, noise_counts=0)[-1].force_n == pytest.approx(0.0)


def test_auto_retare_removes_slow_drift_while_idle():
    filt = TensionFilter(TensionConfig(auto_tare_after_s=10.0), CAL)
    out = _feed(filt, [3.0] * (RATE * 12))  # 3 N of drift, steady, for 12 s
    assert out[RATE * 9].force_n == pytest.approx(3.0, abs=0.1)  # not yet
    assert filt.retares == 1
    assert out[-1].force_n == pytest.approx(0.0, abs=0.1)


def test_auto_retare_leaves_a_real_load_alone():
    filt = TensionFilter(TensionConfig(auto_tare_max_n=10.0), CAL)
    out = _feed(filt, [45.0] * (RATE * 15))  # a band left tied, pulling 45 N
    assert filt.retares == 0
    assert out[-1].force_n == pytest.approx(45.0, abs=0.1)


def test_no_auto_retare_while_someone_is_present_or_the_load_moves():
    filt = TensionFilter(TensionConfig(), CAL)
    filt.set_present(True)
    _feed(filt, [3.0] * (RATE * 12))
    assert filt.retares == 0
    filt.set_present(False)
    moving = 3.0 + 2.0 * np.sin(np.arange(RATE * 12) / RATE)  # swings of 4 N: not steady
    _feed(filt, moving, t0=20.0)
    assert filt.retares == 0


def test_health_ok_then_stale_when_readings_stop():
    cfg = TensionConfig(stale_after_s=0.5)
    filt = TensionFilter(cfg, CAL)
    assert filt.status(0.0).health is Health.STALE  # nothing yet
    out = _feed(filt, [20.0] * 80)
    last = out[-1].t
    status = filt.status(last + 0.1)
    assert status.health is Health.OK
    assert status.noise_n == pytest.approx(0.02, rel=0.4)  # 20 counts of noise = 0.02 N
    assert filt.status(last + 0.6).health is Health.STALE


def test_health_disconnected_when_the_chip_stops_answering():
    filt = TensionFilter(TensionConfig(), CAL)
    _feed(filt, [20.0] * 10)
    filt.add(Reading(1.0, None, ReadStatus.NOT_READY))
    status = filt.status(1.0)
    assert status.health is Health.DISCONNECTED
    assert "does not answer" in status.detail
    _feed(filt, [20.0] * 5, t0=1.1)
    assert filt.status(1.2).health is Health.OK


def test_health_saturated():
    filt = TensionFilter(TensionConfig(), CAL)
    _feed(filt, [20.0] * 10)
    filt.add(Reading(0.2, 8388607, ReadStatus.SATURATED, 0x7FFFFF))
    assert filt.status(0.2).health is Health.SATURATED


def test_health_noisy_from_scatter_and_from_rejections():
    filt = TensionFilter(TensionConfig(noisy_above_n=1.0), CAL)
    out = _feed(filt, [20.0] * 80, noise_counts=3000)  # 3 N of noise
    status = filt.status(out[-1].t)
    assert status.health is Health.NOISY
    assert status.noise_n == pytest.approx(3.0, rel=0.3)

    filt = TensionFilter(TensionConfig(noisy_rejected_fraction=0.2), CAL)
    for i in range(80):
        if i % 3 == 0:
            filt.add(Reading(i / RATE, None, ReadStatus.LONG_PULSE))
        else:
            filt.add(_ok(i / RATE, 70_000 + i % 2))
    assert filt.status(1.0).health is Health.NOISY


def test_health_stale_when_the_chip_repeats_one_value():
    filt = TensionFilter(TensionConfig(stuck_readings=40), CAL)
    _feed(filt, [20.0] * 50, noise_counts=0)
    status = filt.status(50 / RATE)
    assert status.health is Health.STALE
    assert "repeated" in status.detail


def test_uncalibrated_sensor_gives_raw_counts_and_says_so():
    filt = TensionFilter(TensionConfig())
    out = _feed(filt, [1.0] * 10, noise_counts=0)
    assert out[-1].force_n == 51_000  # raw counts
    status = filt.status(out[-1].t)
    assert status.health is Health.OK and not status.calibrated
    assert "uncalibrated" in status.detail


def test_reader_failure_reports_disconnected():
    filt = TensionFilter(TensionConfig(), CAL)
    filt.fail("cannot open the HX711: GPIO busy")
    assert filt.status(0.0).health is Health.DISCONNECTED
