"""The simulated band and load cell: a latex band's curve, both anchor places, and the load
cell's noise and drift from the HX711's datasheet and published measurements."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from station.sim.athlete import Band, RepKind, latex_pull, latex_stiffness
from station.sim.load_cell_noise import datasheet_noise_n, load_cell_error, noise_range_n
from station.sim.session import Scenario, simulate_set


def test_the_latex_curve_matches_its_published_figures() -> None:
    # Primeline's natural-rubber band compound: 105, 154, 202, 331, 460 psi at 100-500%.
    figures = {1.0: 105.0, 2.0: 154.0, 3.0: 202.0, 4.0: 331.0, 5.0: 460.0}
    scale = 105.0 / latex_pull(1.0)
    for e, psi in figures.items():
        assert scale * latex_pull(e) == pytest.approx(psi, rel=0.07)
    # TheraBand's chart: x1.42-1.50 from 100% to 200% elongation, every colour.
    assert 1.40 <= latex_pull(2.0) / latex_pull(1.0) <= 1.50
    # Its stiffness is least near 150% and grows with stretch past it.
    stiff = [latex_stiffness(e) for e in (1.5, 2.0, 2.5, 3.0, 3.5)]
    assert stiff == sorted(stiff)
    assert latex_stiffness(1.0) > latex_stiffness(1.5)
    assert latex_pull(0.0) == 0.0 and latex_pull(-0.2) == 0.0


def test_the_band_falls_toward_an_anchor_behind_and_rises_toward_one_in_front() -> None:
    behind = Band(stiffness=180.0, standing_n=80.0, anchor_behind=True, elongation=2.5)
    front = dataclasses.replace(behind, anchor_behind=False)
    assert behind.tension(0.0) == pytest.approx(80.0)
    assert front.tension(0.0) == pytest.approx(80.0)
    travel = [0.0, 0.05, 0.1, 0.15]
    falls = [behind.tension(x) for x in travel]
    rises = [front.tension(x) for x in travel]
    assert falls == sorted(falls, reverse=True)
    assert rises == sorted(rises)
    # 180 N/m where the athlete stands, on either side.
    for band, sign in ((behind, -1.0), (front, 1.0)):
        slope = (band.tension(0.001) - band.tension(-0.001)) / 0.002
        assert slope == pytest.approx(sign * 180.0, rel=0.01)
    # Stiffer where stretched further: the band toward the anchor behind softens, the band
    # away from the anchor in front stiffens.
    drop_first, drop_last = falls[0] - falls[1], falls[2] - falls[3]
    rise_first, rise_last = rises[1] - rises[0], rises[3] - rises[2]
    assert drop_last < drop_first and rise_last > rise_first
    # Without an elongation the band stays a straight line (what the tests of the coach use).
    assert Band(180.0, 80.0).tension(0.1) == pytest.approx(62.0)


def test_the_athlete_stands_out_far_enough_to_keep_the_band_working() -> None:
    band = Band(stiffness=200.0, standing_n=40.0, anchor_behind=True, elongation=1.5)
    held = band.holding(0.4, 35.0)
    assert held.tension(0.4) == pytest.approx(35.0, abs=1e-6)
    assert held.standing_n > 40.0
    assert band.holding(0.0, 35.0) is band  # already enough
    assert Band(200.0, 40.0).holding(0.4, 35.0).standing_n == pytest.approx(115.0)


def test_the_load_cells_noise_comes_from_its_datasheet_and_measurements() -> None:
    # 90 nV rms at gain 128 and 80 SPS; 1 mV/V at capacity on 3 V of excitation.
    assert datasheet_noise_n(20.0) == pytest.approx(0.0059, rel=0.01)
    assert datasheet_noise_n(50.0) == pytest.approx(0.0147, rel=0.01)
    lo, hi = noise_range_n()  # two to five times the datasheet's
    assert lo == pytest.approx(0.0118, rel=0.01) and hi == pytest.approx(0.0735, rel=0.01)
    t = np.arange(0.0, 120.0, 1.0 / 80.0)
    error = load_cell_error(np.random.default_rng(0), t, 0.03, 0.01)
    assert np.std(np.diff(error)) / np.sqrt(2.0) == pytest.approx(0.03, rel=0.05)
    assert np.mean(error[-800:]) - np.mean(error[:800]) == pytest.approx(0.0197, abs=0.004)


def test_each_set_draws_its_band_and_load_cell_and_keeps_its_athlete() -> None:
    sims = [simulate_set(seed, 2, kinds=[RepKind.GOOD, RepKind.GOOD]) for seed in range(8)]
    lo, hi = noise_range_n()
    for sim in sims:
        sc = sim.scenario
        assert sc.band_elongation is not None and 1.5 <= sc.band_elongation <= 3.5
        assert sc.load_cell_noise_n is not None and lo <= sc.load_cell_noise_n <= hi
        assert sc.tension_noise_n == 0.0  # nothing else shakes the band unless asked
    # The band's draws leave the athlete and the camera as the seed drew them.
    scenario = Scenario.random(np.random.default_rng(3))
    quiet = simulate_set(3, 2, scenario=scenario)
    shaken = simulate_set(3, 2, scenario=dataclasses.replace(scenario, tension_noise_n=0.8))
    np.testing.assert_array_equal(quiet.pose.landmarks, shaken.pose.landmarks)
    spread = np.std(np.diff(shaken.tension.force_n[:100]))
    assert spread > 5.0 * np.std(np.diff(quiet.tension.force_n[:100]))
    # shake=1 draws 0.2-1.0 N of it, as the bench once assumed for the load cell.
    shakes = [Scenario.random(np.random.default_rng(s), shake=1.0).tension_noise_n
              for s in range(20)]
    assert min(shakes) >= 0.2 and max(shakes) <= 1.0
