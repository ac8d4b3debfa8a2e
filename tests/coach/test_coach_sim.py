"""The coach on simulated sets with what a long session brings (Scenario.random(varied=True)):
the anchor in front, chained reps, abandoned half-reps, walking out of frame, turning round."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from station.coach import Coach, analyze
from station.coach.side import SideTracker
from station.coach.tuning import Tuning
from station.config import CoachConfig
from station.domain import Fault, PoseStream, Side
from station.sim.session import Scenario, simulate_set


def _varied(seed: int):
    scenario = Scenario.random(np.random.default_rng(seed + 1_000_000), varied=True)
    return simulate_set(seed, 9, scenario=scenario)


@pytest.mark.parametrize("seed", [5000, 5004, 5011])
def test_varied_sets_count_every_rep_and_end_on_the_right_side(seed):
    sim = _varied(seed)
    sc = sim.scenario
    facing_right = sc.facing_right != sc.turn  # a turn flips it
    for tension in (sim.tension, None):
        report = analyze(sim.pose, tension, CoachConfig())
        assert len(report.reps) == len(sim.truth)
        assert report.side is (Side.RIGHT if facing_right else Side.LEFT)
        agree = sum((not r.faults) == (not t.faults if tension is not None
                                       else not set(t.faults) - {"band_slack"})
                    for r, t in zip(report.reps, sim.truth, strict=True))
        assert agree >= 8


def test_the_varied_simulator_does_what_it_says():
    walk_turn, chained, front = _varied(5000), _varied(5004), _varied(5011)
    assert walk_turn.scenario.step_out and walk_turn.scenario.turn
    lost = np.isnan(walk_turn.pose.landmarks[:, 0, 0])
    assert lost.sum() > 30  # a second or more out of frame
    truth = chained.truth
    assert any(a.end == b.start for a, b in zip(truth, truth[1:], strict=False))
    assert not front.scenario.anchor_behind
    t, f = front.tension.t, front.tension.force_n
    good = next(r for r in front.truth if r.kind.value == "good")  # before the turn
    standing = np.median(f[(t > good.start - 0.5) & (t < good.start)])
    during = np.median(f[(t > good.start) & (t < good.end)])
    assert during > standing + 5.0  # anchor in front: the band stretches as the hips go back


@pytest.mark.parametrize("fps", [5.0, 8.0, 12.0, 15.0])
@pytest.mark.parametrize("seed", [5000, 5004])
def test_the_coach_counts_and_judges_every_rep_at_the_rates_a_pi_finds_pose(seed, fps):
    # A Pi finds pose 5-15 times a second, not the camera's 30. The coach's windows keep a
    # least number of frames: without, at 5, 8 and 12 frames a second the athlete never
    # reads as standing still and no rep is counted, and at 15 most are missed.
    scenario = Scenario.random(np.random.default_rng(seed + 1_000_000), varied=True)
    sim = simulate_set(seed, 9, scenario=dataclasses.replace(scenario, fps=fps))
    for tension in (sim.tension, None):
        report = analyze(sim.pose, tension, CoachConfig())
        assert len(report.reps) == 9
        for rep, truth in zip(report.reps, sim.truth, strict=True):
            expected = set(truth.faults) - (set() if tension is not None else {"band_slack"})
            assert (not rep.faults) == (not expected), (rep.index, rep.faults, truth.kind)


def _hidden_to_bottom(seed: int, rep: int, back_s: float, shift_legs: float = 0.0):
    """A set in which someone walks between the camera and the athlete: no person for 1.4 s,
    ending `back_s` after rep `rep`'s deepest frame; from then on the landmarks moved
    `shift_legs` leg lengths across the image (the athlete's feet set down elsewhere)."""
    sim = simulate_set(seed, 8, scenario=Scenario.random(np.random.default_rng(seed + 1_000_000)))
    t, lm = sim.pose.t, sim.pose.landmarks.copy()
    truth = sim.truth[rep - 1]
    inside = np.flatnonzero((t >= truth.start) & (t <= truth.end))
    hip_x = lm[inside, 23, 0]
    back = t[inside[np.nanargmax(np.abs(hip_x - hip_x[0]))]] + back_s
    lm[(t > back - 1.4) & (t < back)] = np.nan
    first = lm[0, :, :2].astype(float) * (sim.pose.width, sim.pose.height)
    leg = np.linalg.norm(first[23] - first[25]) + np.linalg.norm(first[25] - first[27])
    lm[t >= back, :, 0] += shift_legs * leg / sim.pose.width
    return sim, PoseStream(t, lm, sim.pose.width, sim.pose.height)


@pytest.mark.parametrize("seed", [5000, 5002, 5004, 5008])
@pytest.mark.parametrize("back_s", [-0.3, 0.0])
def test_someone_walking_past_mid_rep_costs_no_rep_and_no_verdict(seed, back_s):
    # Back in view 0.3 s before a rep's bottom or at it, after 1.4 s unseen (over lost_reset_s).
    # The same athlete on the same spot keeps the standing position. Learned afresh at the
    # rep's bottom, that rep would fail shallow or buzz hips_stopped, and the next ones read
    # wrong (5008: 7 reps of 8).
    sim, pose = _hidden_to_bottom(seed, 4, back_s)
    for tension in (sim.tension, None):
        report = analyze(pose, tension, CoachConfig())
        assert len(report.reps) == 8
        for rep, truth in zip(report.reps, sim.truth, strict=True):
            expected = set(truth.faults) - (set() if tension is not None else {"band_slack"})
            assert (not rep.faults) == (not expected), (rep.index, rep.faults, truth.kind)


@pytest.mark.parametrize("shift_legs", [0.3, -0.3, 1.0])
def test_back_on_another_spot_the_standing_position_moves_with_the_feet(shift_legs):
    # Back 0.3 legs away (within reach of the same spot) the standing position moves with the
    # ankle: rep 4, come back to at its bottom, is read as it was (0.3 legs forward, kept
    # where it stood, it read shallow). A whole leg away it is learned afresh at the next
    # stand. Either way every later rep is read as it was.
    sim, pose = _hidden_to_bottom(5004, 4, 0.0, shift_legs)
    report = analyze(pose, sim.tension, CoachConfig())
    assert len(report.reps) == 8
    verdicts = [not rep.faults for rep in report.reps]
    truths = [not truth.faults for truth in sim.truth]
    assert verdicts[4:] == truths[4:]
    if abs(shift_legs) < 1.0:
        assert verdicts[3] == truths[3]


@pytest.mark.parametrize(("seed", "rep"), [(17018, 5), (17022, 8), (17033, 6)])
def test_a_squat_the_live_test_missed_is_still_hips_stopped(seed, rep):
    # At 15 frames a second on the camera alone, a live test that misses these squats'
    # stall (kept silent here); the rep's end reads where the hips stopped going back, so
    # they do not fail on knee_bend alone (the knees' cue, not "hips back").
    scenario = Scenario.random(np.random.default_rng(seed + 1_000_000), varied=True)
    sim = simulate_set(seed, 9, scenario=dataclasses.replace(scenario, fps=15.0))
    assert sim.truth[rep - 1].kind.value == "squat"
    silent = dataclasses.replace(Tuning(), hips_stopped_noise_k=1e9, hips_stopped_evidence_k=0.0)
    report = analyze(sim.pose, None, CoachConfig(), tuning=silent)
    assert len(report.reps) == 9
    assert set(report.reps[rep - 1].faults) == {Fault.HIPS_STOPPED, Fault.KNEE_BEND}
    assert not any(b.fault is Fault.HIPS_STOPPED for b in report.buzzes
                   if sim.truth[rep - 1].start <= b.t <= sim.truth[rep - 1].end)


def test_turning_around_never_buzzes(monkeypatch):
    # This set's athlete turns around after rep 6. Seen side-on while turning, the hips and
    # shoulders move as no stand does: a "rep" opened, and until live faults waited out the
    # votes against the side, hips_stopped buzzed 37.9 s in, 9 s before the next rep. Now
    # the turn is also read as what it is without that wait: the shoulders part mid-turn
    # (the view check: not side-on, no fault called) and the frames whose near leg turned
    # away are read on the trunk alone (the buzz does not come even with both let through).
    scenario = Scenario.random(np.random.default_rng(5011 + 1_000_000), varied=True)
    assert scenario.turn
    sim = simulate_set(5011, 9, scenario=scenario)

    def stray(report):
        return [b for b in report.buzzes
                if not any(tr.start <= b.t <= tr.end for tr in sim.truth)]

    for tension in (sim.tension, None):
        report = analyze(sim.pose, tension, CoachConfig())
        assert len(report.reps) == 9 and stray(report) == []
    monkeypatch.setattr(SideTracker, "turning", property(lambda self: False))
    assert stray(analyze(sim.pose, sim.tension, CoachConfig())) == []
    monkeypatch.setattr(Coach, "_judgeable", lambda self, events: events)
    report = analyze(sim.pose, sim.tension, CoachConfig())
    assert len(report.reps) == 9 and stray(report) == []
