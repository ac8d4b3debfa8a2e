"""The latency oracle of bench/stall_bound.py: its arithmetic on hand-built evidence, its
jitter measure on known noise, and one simulated set end to end."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench import stall_bound as sb
from bench.coach_accuracy import load_or_simulate


def _stall(band_t, band_snr2, cam_t=(), cam_snr2=()) -> sb.Stall:
    return sb.Stall(np.array(band_t, float), np.array(band_snr2, float),
                    np.array(cam_t, float), np.array(cam_snr2, float), real_like=True)


def test_latency_is_the_first_sample_whose_evidence_reaches_z() -> None:
    t = 0.0125 * np.arange(1, 41)
    s = _stall(t, np.ones(40))
    # Each band sample adds 1 to SNR^2: z = 3 needs nine of them.
    assert s.latency(3.0, 1.0, band=True, camera=False) == pytest.approx(9 * 0.0125)
    # Half the noise: each adds 4, so three reach 9.
    assert s.latency(3.0, 0.5, band=True, camera=False) == pytest.approx(3 * 0.0125)
    # Never reached: the horizon.
    assert _stall(t[:5], np.ones(5)).latency(3.0, 1.0, True, False) == sb._HORIZON_S


def test_band_and_camera_evidence_add_in_time_order() -> None:
    s = _stall([0.0125, 0.025, 0.0375, 0.05], [2.0, 2.0, 2.0, 2.0], [0.02, 0.053], [4.0, 4.0])
    # 0.0125: 2, 0.02: 6, 0.025: 8, 0.0375: 10 >= 9.
    assert s.latency(3.0, 1.0, band=True, camera=True) == pytest.approx(0.0375)
    assert s.latency(3.0, 1.0, band=True, camera=False) == sb._HORIZON_S  # 8 in all
    assert s.latency(2.8, 1.0, band=True, camera=False) == pytest.approx(0.05)  # 8 >= 7.84
    assert s.latency(3.0, 1.0, band=False, camera=True) == sb._HORIZON_S
    assert s.latency(2.0, 1.0, band=False, camera=True) == pytest.approx(0.02)  # 4 >= 4
    assert s.latency(2.5, 1.0, band=False, camera=True) == pytest.approx(0.053)  # 8 >= 6.25


def test_shortfall_is_the_distance_below_the_straight_trend() -> None:
    t = np.arange(0.0, 1.0, 0.01)
    x = np.where(t <= 0.5, 2.0 * t, 1.0)  # 2 units/s, then stopped at t = 0.5
    after, short = sb._shortfall(t, x, 0.5)
    assert after[0] == pytest.approx(0.01)
    np.testing.assert_allclose(short, 2.0 * after, atol=1e-9)


def test_shortfall_trend_reaches_back_past_lost_frames() -> None:
    # Frames lost just before the stall (or frames 0.2 s apart) leave under three samples
    # in the trend's 0.15 s: the trend is then drawn through the last three found, so the
    # oracle is not blinded (such a stall does not count as a miss).
    t = np.arange(0.0, 1.0, 1.0 / 30.0)
    x = np.where(t <= 0.5, 2.0 * t, 1.0)
    x[(t > 0.35) & (t <= 0.5)] = np.nan  # 0.15 s lost up to the stall
    after, short = sb._shortfall(t, x, 0.5)
    assert len(after) == 14  # every frame up to the 0.5 s horizon
    np.testing.assert_allclose(short, 2.0 * after, atol=1e-9)
    slow = np.arange(0.0, 1.0, 0.2)  # 5 frames a second: one in any 0.15 s
    after, short = sb._shortfall(slow, np.minimum(2.0 * slow, 1.0), 0.5)
    np.testing.assert_allclose(after, [0.1, 0.3])
    np.testing.assert_allclose(short, [0.2, 0.6], atol=1e-9)


def test_behind_is_a_shortfall_in_the_way_the_hips_were_heading() -> None:
    t = np.arange(0.0, 1.0, 0.01)
    stopped = np.where(t <= 0.5, 2.0 * t, 1.0)
    np.testing.assert_allclose(sb._behind(t, stopped, 0.5, 0.8), 2.0 * (t[51:81] - 0.5),
                               atol=1e-9)
    # Heading the other way (a band whose tension falls as the hips go back): the same.
    np.testing.assert_allclose(sb._behind(t, -stopped, 0.5, 0.8), 2.0 * (t[51:81] - 0.5),
                               atol=1e-9)
    # Hips that speed up are ahead of their trend: no shortfall.
    faster = np.where(t <= 0.5, 2.0 * t, 1.0 + 3.0 * (t - 0.5))
    assert not sb._behind(t, faster, 0.5, 0.8).any()


def test_hip_jitter_reads_known_white_noise() -> None:
    rng = np.random.default_rng(3)
    n, sigma, width, height = 20000, 2.0, 640.0, 480.0
    lm = np.zeros((n, 33, 4))
    lm[:, [11, 12], 0], lm[:, [11, 12], 1] = 320.0 / width, 100.0 / height
    lm[:, [23, 24], 0] = (320.0 + rng.normal(0.0, sigma, (n, 2))) / width
    lm[:, [23, 24], 1] = 300.0 / height
    # The mid-hip averages two hips (sigma / sqrt 2); the 7-frame quadratic fit keeps 2/3 of
    # the variance in its residual; the trunk is 200 px long.
    expected = sigma / np.sqrt(2.0) * np.sqrt(2.0 / 3.0) / 200.0
    assert sb.hip_jitter(lm, width, height) == pytest.approx(expected, rel=0.03)


def test_oracle_on_a_simulated_set(tmp_path: Path) -> None:
    seed = 5001  # a set with two stalls (squat reps)
    # With the band shaken as the bench once assumed (0.2-1.0 N): a quiet load cell alone
    # shows a stall within a sample or two.
    noisy = load_or_simulate(seed, 9, tmp_path, 1.0, band_shake=1.0)
    clean = load_or_simulate(seed, 9, tmp_path, 0.0, band_shake=1.0)
    stalls = sb.stalls_of(noisy, clean, real_like=True)
    assert len(stalls) == sum(tr.hips_stopped_t is not None for tr in noisy.truth) >= 1
    for s in stalls:
        both = s.latency(4.0, 1.0, band=True, camera=True)
        band = s.latency(4.0, 1.0, band=True, camera=False)
        cam = s.latency(4.0, 1.0, band=False, camera=True)
        # Two witnesses are never slower than either; the hips coast ~30 ms, so nothing
        # stands out of the noise at once; less noise is sooner.
        assert both <= min(band, cam)
        assert 0.03 < both < sb._HORIZON_S
        assert s.latency(4.0, 0.25, band=True, camera=True) < both
        assert s.real_like
    # The oracle's test asked of the set's two good reps at every moment of their descents:
    # a good hinge eases into its bottom, so its hips fall behind their straight trend,
    # by 26-37 noise widths on the band (SNR^2 666 and 1354) and 9-10 on the camera.
    good = sb.good_reps_of(noisy, clean)
    assert len(good) == sum(not tr.faults for tr in noisy.truth) == 2
    assert all(g.buzzed(16.0, band=True) and g.buzzed(4.0, band=False) for g in good)
    assert not any(g.buzzed(16.0, band=False) for g in good)
    # Pose that comes 0.1 s after its frame: the camera's evidence comes 0.1 s later, the
    # band's not at all.
    late = sb.stalls_of(noisy, clean, real_like=True, pose_delay=0.1)
    for s, d in zip(stalls, late, strict=True):
        np.testing.assert_allclose(d.cam_t, s.cam_t + 0.1)
        np.testing.assert_allclose(d.band_t, s.band_t)
        cam = s.latency(3.0, 0.25, band=False, camera=True)
        assert cam < sb._HORIZON_S - 0.1
        assert d.latency(3.0, 0.25, band=False, camera=True) == pytest.approx(cam + 0.1)


def test_still_correlation_reads_only_still_stretches() -> None:
    rng = np.random.default_rng(5)
    white = rng.normal(0.0, 1.0, 15 * 400)
    # A quadratic taken out of 15 white samples leaves a negative lag-1 correlation.
    assert np.mean(sb.still_correlation(white, trunk_px=1e6)) == pytest.approx(-0.21, abs=0.03)
    assert sb.ar1_still_correlation(0.8, rng, n=400) == pytest.approx(0.18, abs=0.03)
    # Hips travelling (a sine of 10% of the trunk per 15 frames) are never still.
    moving = 10.0 * np.sin(np.arange(600) / 3.0) + white[:600] * 0.1
    assert sb.still_correlation(moving, trunk_px=100.0) == []
