"""The rep tracker's standing depth (station/coach/reps.py): it must come to wherever the
athlete stands still, or the coach never reads them as standing again."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from station.coach import analyze
from station.coach.reps import RepTracker
from station.coach.tuning import Tuning
from station.config import CoachConfig
from station.sim.athlete import RepKind
from station.sim.session import Scenario, simulate_set

FPS = 15.0


def _stand(tracker: RepTracker, t0: float, seconds: float, trunk: float) -> list[bool]:
    """Feed `seconds` of a steady stand at `trunk` degrees; the tracker's `still`, a frame."""
    still = []
    for i in range(int(seconds * FPS)):
        events = tracker.step(t0 + i / FPS, trunk, 0.0, 0.0, 5.0)
        assert events == []  # a stand never opens a rep
        still.append(tracker.still)
    return still


def test_a_stand_held_beyond_the_rise_that_opens_a_rep_is_read_as_standing_within_a_second():
    # Standing at 2 degrees; a second without frames (someone walked past); then standing at
    # 8: 6 over, more than rep_start_rise_deg (4), not going down and short of
    # rep_start_trunk_deg (25). A new stand, not a rep: the standing depth comes to it (kept
    # at 2, the athlete would never read as standing still again).
    tracker = RepTracker(CoachConfig(), Tuning())
    assert all(_stand(tracker, 0.0, 1.0, 2.0)[1:])
    still = _stand(tracker, 2.0, 3.0, 8.0)
    assert still.index(True) <= int(1.5 * FPS)
    assert all(still[int(2.0 * FPS):])
    assert tracker.phase.name == "STANDING" and tracker.count == 0


def test_a_real_descent_still_opens_a_rep_from_the_standing_depth():
    # 40 degrees a second from standing: the rep opens as the depth passes 4 over standing,
    # not when it reaches 25 (the following above is for a depth held still, not moving).
    tracker = RepTracker(CoachConfig(), Tuning())
    _stand(tracker, 0.0, 1.0, 2.0)
    opened = None
    for i in range(1, 30):
        t = 1.0 + i / FPS
        if tracker.step(t, 2.0 + 40.0 * (t - 1.0), 0.0, 0.0, 5.0):
            opened = t
            break
    assert opened is not None and 2.0 + 40.0 * (opened - 1.0) < 12.0


def test_restand_reads_the_standing_depth_afresh():
    # Turned around with a rolled camera, the same stance reads 6 degrees deeper: the depth
    # is read afresh and the first steady frame is standing.
    tracker = RepTracker(CoachConfig(), Tuning())
    _stand(tracker, 0.0, 1.0, -1.0)
    tracker.restand()
    still = _stand(tracker, 1.0, 1.0, 5.0)
    assert all(still)


def test_after_turning_around_the_coach_reads_the_stands_again():
    # At 15 frames a second, this set's athlete turns around after rep 5; facing the other
    # way the rolled camera reads their stance 5-6 degrees deeper. A standing depth kept from
    # before the turn would never read them as standing still again: no noise learned for
    # the rest of the set, and the good rep 8 buzzing on the camera's jitter.
    scenario = Scenario.random(np.random.default_rng(9050 + 1_000_000), varied=True)
    assert scenario.turn
    sim = simulate_set(9050, 9, scenario=dataclasses.replace(scenario, fps=FPS))
    for tension in (sim.tension, None):
        report = analyze(sim.pose, tension, CoachConfig())
        assert len(report.reps) == 9
        for tr in sim.truth:
            if tr.kind is RepKind.GOOD:
                assert not [b for b in report.buzzes if tr.start <= b.t <= tr.end], tr.index


def test_a_quick_lean_that_is_then_held_is_a_new_stand_not_a_rep():
    # Standing at 2 degrees, then a quick lean to 9 (to read the screen): it opens a rep at
    # once (going down, 7 over), but held for a second it is a stand, and the rep is gone.
    tracker = RepTracker(CoachConfig(), Tuning())
    _stand(tracker, 0.0, 1.0, 2.0)
    opened = [tracker.step(1.0 + i / FPS, 2.0 + 7.0 * i / 3, 0.0, 0.0, 5.0) for i in range(4)]
    assert any(opened) and tracker.count == 1
    held = []
    for i in range(int(2.5 * FPS)):
        tracker.step(1.3 + i / FPS, 9.0, 0.0, 0.0, 5.0)
        held.append((tracker.phase.name, tracker.count, tracker.still))
    assert held[int(0.5 * FPS)][:2] == ("DESCENDING", 1)
    assert held[-1] == ("STANDING", 0, True)
    # A hinge from there is a rep of its own, from the held stand.
    started = None
    for i in range(1, 40):
        t = 3.8 + i / FPS
        events = tracker.step(t, 9.0 + 50.0 * (t - 3.8), 0.0, 0.0, 5.0)
        started = started or (events[0].t if events else None)
    assert started is not None and 3.8 < started < 4.2 and tracker.count == 1


def test_walking_off_upright_is_not_a_stand_the_position_follows():
    # At 10 frames a second this set's athlete walks out of frame after rep 3 and back.
    # Upright, the walk reads as standing by its depth; followed, the standing position would
    # be 0.09 leg lengths short of the stand when rep 4 begins, and the hinge line, pinned at
    # the standing point, would read the first frames as a stall: the good rep would buzz.
    scenario = Scenario.random(np.random.default_rng(9053 + 1_000_000), varied=True)
    assert scenario.step_out
    sim = simulate_set(9053, 9, scenario=dataclasses.replace(scenario, fps=10.0))
    rep4 = next(tr for tr in sim.truth if tr.index == 4)
    assert rep4.kind is RepKind.GOOD
    for tension in (sim.tension, None):
        report = analyze(sim.pose, tension, CoachConfig())
        assert len(report.reps) == 9
        assert not [b for b in report.buzzes if rep4.start <= b.t <= rep4.end]
        assert report.reps[3].passed
        # Its hips measured from the stand: as far back as rep 3's, the same kind of rep.
        assert report.reps[3].metrics["hip_travel"] == pytest.approx(
            report.reps[2].metrics["hip_travel"], abs=0.03)
