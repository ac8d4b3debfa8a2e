"""The band's own shape (station/coach/shape.py) on hand-built tension streams: hips that
stop are told from hips that go on or ease into their bottom, in the load cell's noise."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from station.coach.band_noise import BandNoise, SampleTiming
from station.coach.shape import BandWitness, Onset, coast
from station.coach.tuning import Tuning

RATE = 80.0
TUNING = Tuning()
H = TUNING.hips_stopped_evidence
GAIN = 150.0  # newtons per leg length: 0.05 leg lengths a second is 7.5 N/s


def _witness(noise: float, rng: np.random.Generator, level: float = 80.0) -> BandWitness:
    witness = BandWitness(TUNING, ratio=0.35)
    for x in level + rng.normal(0.0, noise, 160):  # two seconds standing
        witness.standing(float(x), float(x))
    return witness


def _evidence(path, noise: float, seed: int, until: float = 1.6,
              tuning: Tuning = TUNING) -> tuple[list[float], list[float]]:
    """Feed a stand then a movement (`path`: newtons above standing against seconds from its
    start) through onsets every 20 ms, as the judge does; the times and best evidence."""
    rng = np.random.default_rng(seed)
    witness = BandWitness(tuning, ratio=0.35)
    for x in 80.0 + rng.normal(0.0, noise, 160):
        witness.standing(float(x), float(x))
    onsets: list[Onset] = []
    times, best = [], []
    next_c = 0.02
    for i in range(int((0.5 + until) * RATE)):
        t = i / RATE - 0.5  # half a second of stand before the movement starts at 0
        y = 80.0 + path(max(t, 0.0)) + float(rng.normal(0.0, noise))
        if not witness.add(t, y, GAIN):
            continue
        while next_c < t:
            onsets.append(Onset(next_c))
            next_c += 0.02
        onsets = [o for o in onsets if o.c >= t - tuning.hips_stopped_onset_life_s]
        for onset in onsets:
            if onset.done:
                continue
            if onset.model is None:
                onset.model = witness.trend(onset.c, GAIN)
                if onset.model is None:
                    onset.done = True
                    continue
            onset.evidence = witness.weigh(onset.model, t, y)
        times.append(t)
        best.append(max((o.evidence for o in onsets), default=0.0))
    return times, best


def _first_call(path, noise: float, seed: int = 0, until: float = 1.6,
                tuning: Tuning = TUNING) -> float | None:
    times, best = _evidence(path, noise, seed, until, tuning)
    bar = tuning.hips_stopped_evidence
    return next((t for t, e in zip(times, best, strict=True) if e >= bar), None)


def _eased(travel_n: float, descent: float):
    """An eased descent (half a cosine) of `travel_n` newtons over `descent` s, then held."""
    return lambda t: travel_n * (0.5 - 0.5 * math.cos(math.pi * min(t, descent) / descent))


def _stalled(travel_n: float, descent: float, at: float, tau: float = 0.03):
    """The same descent whose hips stop at `at` of it, coasting out over tau."""
    eased = _eased(travel_n, descent)
    t0 = at * descent
    speed = travel_n * math.pi / (2.0 * descent) * math.sin(math.pi * at)

    def path(t: float) -> float:
        if t <= t0:
            return eased(t)
        return eased(t0) + speed * tau * (1.0 - math.exp(-(t - t0) / tau))
    return path


def test_coast_keeps_its_share_of_the_speed_and_loses_the_rest_over_tau() -> None:
    assert coast(0.0, 0.35, 0.03) == 0.0
    assert coast(10.0, 0.0, 0.03) == pytest.approx(0.03)  # a full stop coasts tau
    assert coast(1.0, 0.35, 0.03) == pytest.approx(0.35 + 0.65 * 0.03, rel=1e-6)


@pytest.mark.parametrize("noise", [0.012, 0.07])
def test_hips_that_stop_are_called_within_a_tenth_of_a_second(noise: float) -> None:
    # 45 N over a 1.2 s descent, stopping 40% of the way in (the simulator's stalls): on the
    # quietest and the noisiest load cell the HX711's datasheet and measurements allow.
    for seed in range(3):
        stop = 0.4 * 1.2
        called = _first_call(_stalled(45.0, 1.2, 0.4), noise, seed)
        assert called is not None and stop < called < stop + 0.1


@pytest.mark.parametrize("descent", [0.7, 1.2, 2.5])
def test_a_hinge_easing_into_its_bottom_is_never_called(descent: float) -> None:
    for seed in range(4):
        assert _first_call(_eased(45.0, descent), 0.03, seed) is None


def test_hips_going_on_back_are_never_called_in_their_noise() -> None:
    # Hips that set off smoothly and go on at 30 N/s, over many noisy descents: the evidence
    # stays under the bar (a likelihood ratio passes e^h by chance with odds e^-h).
    def steady(t: float) -> float:
        return 30.0 * (t - 0.15 * (1.0 - math.exp(-t / 0.15)))
    for seed in range(20):
        times, best = _evidence(steady, 0.07, seed)
        assert max(best) < H


def test_a_noisy_band_is_left_to_the_camera() -> None:
    # At 1 N of noise the hips' speed at 37 N/s cannot be read to 8% within a quarter of a
    # second: no trend is drawn, so no call, however clear the stop.
    assert _first_call(_stalled(45.0, 1.2, 0.4), 1.0) is None
    quieter = _first_call(_stalled(45.0, 1.2, 0.4), 0.3)
    assert quieter is not None


def test_the_bar_is_set_by_the_false_alarm_rate_not_by_the_stall() -> None:
    # A higher bar calls later, a lower one sooner: the same evidence, read against e^-h.
    path = _stalled(45.0, 1.2, 0.4)
    calls = [_first_call(path, 0.07, 1, tuning=dataclasses.replace(TUNING,
                                                                   hips_stopped_evidence=h))
             for h in (4.0, 11.0, 40.0)]
    assert all(c is not None for c in calls)
    assert calls[0] <= calls[1] <= calls[2] and calls[0] < calls[2]


def test_a_lone_spike_is_left_out_and_a_new_level_is_taken_up() -> None:
    witness = _witness(0.02, np.random.default_rng(2))
    for i in range(40):
        assert witness.add(i / RATE, 80.0 + 0.3 * i, GAIN)
    assert not witness.add(40 / RATE, 250.0, GAIN)  # an HX711 spike: left out
    assert witness.add(41 / RATE, 80.0 + 0.3 * 41, GAIN)  # back on course
    assert not witness.add(42 / RATE, 140.0, GAIN)  # off course once...
    assert witness.add(43 / RATE, 140.2, GAIN)  # ...and again: the band's new level
    assert witness.trend(43 / RATE, GAIN) is None  # its readings start afresh there


def test_the_noise_is_learned_standing_without_the_spikes() -> None:
    # An HX711 spike in a stand's first readings, before the gauge knows the noise well
    # enough to set it aside: the witness leaves it out (the median of three shows it).
    rng = np.random.default_rng(4)
    readings = 80.0 + rng.normal(0.0, 0.03, 800)
    clean, spiked = BandWitness(TUNING, 0.35), BandWitness(TUNING, 0.35)
    for i, x in enumerate(readings):
        reading = 230.0 if i == 5 else float(x)
        clean.standing(float(x), float(x))
        spiked.standing(reading, float(x))
    assert clean.sigma == pytest.approx(0.03, rel=0.25)
    assert spiked.sigma == pytest.approx(clean.sigma, rel=0.15)


def test_the_noise_is_read_through_a_movement_at_a_stands_edge() -> None:
    # The camera sees a stand begin a little before the hips are still: the band's first
    # readings of it still move (here 3 N/s easing to rest over a fifth of a second). The
    # noise is read from second differences and a median of the blocks' third differences,
    # so the movement does not pass for noise.
    rng = np.random.default_rng(5)
    noise = BandNoise(TUNING)
    for _ in range(10):  # ten stands of a second, each opening on the hips' last movement
        noise.restart()
        for k in range(80):
            t = k / RATE
            moving = 3.0 * 0.2 * (1.0 - math.exp(-t / 0.2))
            noise.add(80.0 - moving + float(rng.normal(0.0, 0.02)))
    assert noise.sigma == pytest.approx(0.02, rel=0.25)


def test_the_hips_setting_off_are_read_from_the_stand_before() -> None:
    # A stall a fifth of a second after the hips set off: its trend reaches back into the
    # stand (the band keeps its readings through it), so it is judged at once.
    stop = 0.2
    path = _stalled(45.0, 0.5, 0.4)  # 0.5 s descent: stops 0.2 s in
    called = _first_call(path, 0.03)
    assert called is not None and stop < called < stop + 0.1


def test_the_time_stamps_wander_is_read_from_the_stamps_themselves() -> None:
    # 80 readings a second; the stamps moved by up to 3 ms either way (a spread of 1.73 ms),
    # every tenth reading lost: the wander is read off whole numbers of periods.
    rng = np.random.default_rng(3)
    steady, late = SampleTiming(TUNING), SampleTiming(TUNING)
    for i in range(2000):
        steady.add(i / 80.0)
        if i % 10:
            late.add(i / 80.0 + rng.uniform(-0.003, 0.003))
    assert steady.sigma < 1e-9
    assert 0.0015 < late.sigma < 0.002
