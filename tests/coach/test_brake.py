"""The band's brake test (station/coach/brake.py) on hand-built tension and trunk streams,
and in the coach on a simulated set with a quiet load cell."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from station.coach.analyze import analyze
from station.coach.brake import BandBrake, BrakeSample
from station.coach.signals import Track
from station.coach.tuning import Tuning
from station.config import CoachConfig
from station.domain import Fault
from station.sim.athlete import RepKind
from station.sim.session import Scenario, simulate_set

RATE = 80.0  # tension samples a second
FPS = 30.0
TUNING = Tuning()


def _standing(brake: BandBrake, x: float) -> None:
    brake.standing(BrakeSample(0.0, x, x, 1.0, Track(1.0)))


def _brake(trunk_ratio: float = 0.6) -> BandBrake:
    brake = BandBrake(k=5.0, curve=9.0, trunk_ratio=trunk_ratio, noise_floor=0.01,
                      tuning=TUNING)
    rng = np.random.default_rng(0)
    for x in 100.0 + rng.normal(0.0, 0.05, 200):  # two and a half seconds standing
        _standing(brake, float(x))
    return brake


def test_the_noise_is_read_on_a_stalls_time_scale_not_only_sample_to_sample() -> None:
    # A load cell's noise smoothed by a median of 5 changes little from one sample to the
    # next, yet wanders as far as a raw one over the 50-150 ms a stall is judged on: read
    # from sample to sample alone it is a third or less of itself, and good reps buzzed.
    for seed in range(5):
        raw = 100.0 + np.random.default_rng(seed).normal(0.0, 0.5, 400)  # 5 s standing
        smooth = np.median(np.lib.stride_tricks.sliding_window_view(raw, 5), axis=1)
        for x, low, high in ((raw, 0.42, 0.65), (smooth, 0.3, 0.5)):
            brake = BandBrake(k=5.0, curve=9.0, trunk_ratio=0.6, noise_floor=0.01,
                              tuning=TUNING)
            for v in x:
                _standing(brake, float(v))
            assert low <= brake.sigma <= high
        assert brake.noise.sigma < 0.2  # the smoothed noise, from one sample to the next


def _first_call(tension, trunk_angle, until: float, noise: float = 0.05,
                trunk_ratio: float = 0.6) -> float | None:
    """Feed a descent (functions of time) to a fresh brake; the first time it calls a stall."""
    brake, trunk = _brake(trunk_ratio), Track(1.0)
    rng = np.random.default_rng(1)
    t_frame = 0.0
    for i in range(int(until * RATE)):
        t = i / RATE
        while t_frame <= t:
            trunk.add(t_frame, trunk_angle(t_frame))
            t_frame += 1.0 / FPS
        force = tension(t) + float(rng.normal(0.0, noise))
        if brake.descending(BrakeSample(t, force, force, 1.0, trunk)):
            return t
    return None


def _stopped_at(t0: float, speed: float, coast: float = 0.03):
    """Travel (tension units) that grows at `speed` and coasts to a stop from t0."""
    def travel(t: float) -> float:
        if t <= t0:
            return speed * t
        return speed * t0 + speed * coast * (1.0 - math.exp(-(t - t0) / coast))
    return travel


def test_hips_that_stop_while_the_trunk_folds_on_are_called_within_a_tenth_of_a_second() -> None:
    t0 = 0.8
    called = _first_call(_stopped_at(t0, 30.0), lambda t: 5.0 + 40.0 * t, until=1.5)
    assert called is not None
    assert 0.03 < called - t0 < 0.1


def test_a_good_hinge_easing_into_its_bottom_is_never_called() -> None:
    # Hips and trunk follow the same smooth profile and stop together at the bottom.
    def ease(t: float) -> float:
        return 0.5 - 0.5 * math.cos(math.pi * min(t / 1.4, 1.0))
    hips, trunk = (lambda t: 40.0 * ease(t)), (lambda t: 5.0 + 60.0 * ease(t))
    assert _first_call(hips, trunk, until=2.0) is None
    # The smooth slowing alone tells it from a stall, even with the trunk's guard off.
    assert _first_call(hips, trunk, until=2.0, trunk_ratio=-math.inf) is None


def test_hips_and_trunk_that_stop_together_are_a_pause_not_a_stall() -> None:
    t0 = 0.8
    trunk_stops = _stopped_at(t0, 40.0)
    assert _first_call(_stopped_at(t0, 30.0), lambda t: 5.0 + trunk_stops(t),
                       until=1.5) is None


def test_the_coach_buzzes_sooner_on_a_quiet_band() -> None:
    # A set with squats, its load cell at a twentieth of the simulator's usual noise: the
    # brake buzzes on every stall the older test buzzes on, never later, and sooner overall.
    scenario = Scenario.random(np.random.default_rng(7), varied=False)
    scenario = dataclasses.replace(scenario, tension_noise_n=0.03)
    kinds = [RepKind.GOOD, RepKind.SQUAT, RepKind.GOOD, RepKind.SQUAT, RepKind.GOOD,
             RepKind.SQUAT]
    sim = simulate_set(7, len(kinds), scenario=scenario, kinds=kinds)
    latencies = {}
    for k in (TUNING.hips_stopped_brake_k, 0.0):
        report = analyze(sim.pose, sim.tension, CoachConfig(),
                         tuning=dataclasses.replace(TUNING, hips_stopped_brake_k=k))
        buzzes = [b.t for b in report.buzzes if b.fault is Fault.HIPS_STOPPED]
        assert len(buzzes) == 3  # one per squat, none on a good rep
        stalls = [tr.hips_stopped_t for tr in sim.truth if tr.hips_stopped_t is not None]
        latencies[k] = [b - s for b, s in zip(buzzes, stalls, strict=True)]
    with_brake, without = latencies[TUNING.hips_stopped_brake_k], latencies[0.0]
    assert all(a <= b for a, b in zip(with_brake, without, strict=True))
    # Two of the three 20-30 ms sooner (here 73 and 78 ms against 97 and 108).
    assert sum(a < b - 0.015 for a, b in zip(with_brake, without, strict=True)) >= 2


def test_the_curve_test_keeps_a_good_bottom_from_buzzing() -> None:
    # A simulated set with a quiet load cell whose good rep 5 eases into its bottom while the
    # camera's trunk angle, read over the few frames since, seems to keep folding: only the
    # "slowing smoothly" reading keeps the brake from calling it. (The camera's newest frame
    # has the hips ahead of their line there too, which also keeps the brake quiet: that
    # guard is off here, so the band's own test is what is shown.)
    unguarded = dataclasses.replace(TUNING, brake_camera_z=-math.inf)
    scenario = Scenario.random(np.random.default_rng(5040 + 1_000_000), varied=True, shake=1.0)
    scenario = dataclasses.replace(scenario, tension_noise_n=0.05 * scenario.tension_noise_n)
    sim = simulate_set(5040, 9, scenario=scenario)
    good = next(tr for tr in sim.truth if tr.index == 5)
    assert good.kind is RepKind.GOOD
    for curve, buzzes_on_it in ((TUNING.hips_stopped_brake_curve, 0), (0.0, 1)):
        report = analyze(sim.pose, sim.tension, CoachConfig(),
                         tuning=dataclasses.replace(unguarded, hips_stopped_brake_curve=curve))
        on_good = [b for b in report.buzzes if b.fault is Fault.HIPS_STOPPED
                   and good.start <= b.t <= good.end]
        assert len(on_good) == buzzes_on_it


def test_the_brake_is_not_held_back_by_the_stick_gate() -> None:
    # The stick gate keeps the trunk-read tests quiet while the back leaves the stick (the
    # hip-shoulder line then leans without any hinge); the band reads the hips themselves.
    # In this quiet-band set the squat of rep 7 sits 3.8 degrees off the stick as it stalls.
    scenario = Scenario.random(np.random.default_rng(7048 + 1_000_000), varied=True, shake=1.0)
    scenario = dataclasses.replace(scenario, tension_noise_n=0.05 * scenario.tension_noise_n)
    sim = simulate_set(7048, 9, scenario=scenario)
    squat = next(tr for tr in sim.truth if tr.index == 7)
    assert squat.kind is RepKind.SQUAT and squat.hips_stopped_t is not None
    report = analyze(sim.pose, sim.tension, CoachConfig())
    buzz = next(b.t for b in report.buzzes if b.fault is Fault.HIPS_STOPPED
                and squat.start <= b.t <= squat.end)
    assert buzz - squat.hips_stopped_t < 0.15  # 254 ms if the gate held it back


@pytest.mark.xfail(reason="drawn on the linear band the simulator had before; the brake goes "
                          "with the judge that replaces it", strict=False)
def test_a_stall_that_eases_to_its_stop_is_called_when_the_trunk_folds_on() -> None:
    # At the simulator's load-cell noise the stall of rep 7 in this set is not sure enough
    # against "slowing smoothly" for the first tier; the second tier calls it, because the
    # camera's trunk keeps folding: 127 ms against 181 without it.
    scenario = Scenario.random(np.random.default_rng(5011 + 1_000_000), varied=True, shake=1.0)
    sim = simulate_set(5011, 9, scenario=scenario)
    squat = next(tr for tr in sim.truth if tr.index == 7)
    assert squat.hips_stopped_t is not None
    latency = {}
    for curve_weak in (TUNING.hips_stopped_brake_curve_weak, math.inf):
        report = analyze(sim.pose, sim.tension, CoachConfig(),
                         tuning=dataclasses.replace(TUNING,
                                                    hips_stopped_brake_curve_weak=curve_weak))
        latency[curve_weak] = next(b.t for b in report.buzzes if b.fault is Fault.HIPS_STOPPED
                                   and squat.start <= b.t <= squat.end) - squat.hips_stopped_t
        assert not [b for b in report.buzzes if b.fault is Fault.HIPS_STOPPED
                    and not any(tr.start <= b.t <= tr.end and tr.hips_stopped_t is not None
                                for tr in sim.truth)]  # no buzz outside a stalled rep
    assert latency[TUNING.hips_stopped_brake_curve_weak] < 0.13
    assert latency[math.inf] > 0.17


def test_the_second_tier_needs_the_trunk_to_fold_on_harder() -> None:
    # A stall whose trunk slows to 70% of its speed at the stall: the first
    # tier's share (0.6) would pass it, the second's (0.8) does not, so with only the second
    # tier's curve margin met it is not called.
    t0 = 0.8

    def trunk(t: float) -> float:
        return 5.0 + 40.0 * t if t <= t0 else 5.0 + 40.0 * t0 + 28.0 * (t - t0)

    def first(curve: float, curve_weak: float, trunk_weak: float) -> float | None:
        brake, track = BandBrake(5.0, curve, 0.6, 0.01, TUNING, curve_weak=curve_weak,
                                 trunk_weak=trunk_weak), Track(1.0)
        rng = np.random.default_rng(0)
        for x in 100.0 + rng.normal(0.0, 0.05, 200):
            _standing(brake, float(x))
        travel, t_frame = _stopped_at(t0, 30.0), 0.0
        for i in range(int(1.5 * RATE)):
            t = i / RATE
            while t_frame <= t:
                track.add(t_frame, trunk(t_frame))
                t_frame += 1.0 / FPS
            force = travel(t) + float(rng.normal(0.0, 0.05))
            if brake.descending(BrakeSample(t, force, force, 1.0, track)):
                return t
        return None

    assert first(9.0, 9.0, 0.6) is not None  # the first tier alone calls it
    never = 1e9  # a curve margin nothing meets: only the second tier can call
    assert first(never, 0.0, 0.6) is not None
    assert first(never, 0.0, 0.8) is None


def test_the_brake_is_not_called_while_the_camera_has_the_hips_ahead_of_their_line() -> None:
    # At 15 frames a second, 1.06 s into this set's good rep 6, a burst of load-cell noise
    # reads as the hips braking while the trunk folds on; the camera's newest frame has the
    # hips a little ahead of their hinge line. Without the camera's word the rep buzzes and
    # fails on hips_stopped.
    scenario = Scenario.random(np.random.default_rng(11046 + 1_000_000), varied=True, shake=1.0)
    sim = simulate_set(11046, 9, scenario=dataclasses.replace(scenario, fps=15.0))
    good = next(tr for tr in sim.truth if tr.index == 6)
    assert good.kind is RepKind.GOOD
    verdicts, least = {}, TUNING.brake_camera_z
    for least_z in (least, -math.inf):
        report = analyze(sim.pose, sim.tension, CoachConfig(),
                         tuning=dataclasses.replace(TUNING, brake_camera_z=least_z))
        buzzes = [b.t - good.start for b in report.buzzes if good.start <= b.t <= good.end]
        verdicts[least_z] = (buzzes, report.reps[5].faults)
    assert verdicts[least] == ([], ())
    buzzes, faults = verdicts[-math.inf]
    assert buzzes == [pytest.approx(1.06, abs=0.02)] and faults == (Fault.HIPS_STOPPED,)
