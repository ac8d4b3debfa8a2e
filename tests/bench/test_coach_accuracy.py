"""bench/coach_accuracy.py: a stall the live buzz misses counts, over every stall, until its
verdict shows."""

from __future__ import annotations

import pytest

from bench import coach_accuracy as ca
from station.config import CoachConfig
from station.domain import Fault, FaultDetected
from station.sim.athlete import RepTruth
from station.sim.session import RepKind, simulate_set


def test_a_stall_not_buzzed_live_counts_until_its_rep_ends(monkeypatch) -> None:
    sim = simulate_set(3, 3, kinds=[RepKind.GOOD, RepKind.SQUAT, RepKind.GOOD])
    live = ca.Tally()
    report = ca.score_set(sim, live, False, CoachConfig(), "live")
    stall = next(tr for tr in sim.truth if tr.hips_stopped_t is not None)
    assert live.stalls == 1 and len(live.latency) == 1
    assert live.every == live.latency  # buzzed live: the same latency
    # The same set with its hips_stopped buzz lost: live it is missed, and over every
    # stall it counts until the coach ends its rep.
    real = ca.analyze

    def silent(*args, **kwargs):
        out = real(*args, **kwargs)
        out.buzzes = [b for b in out.buzzes if b.fault is not Fault.HIPS_STOPPED]
        return out

    monkeypatch.setattr(ca, "analyze", silent)
    missed = ca.Tally()
    ca.score_set(sim, missed, False, CoachConfig(), "missed")
    rep = max(report.reps, key=lambda r: min(r.end, stall.end) - max(r.start, stall.start))
    assert missed.latency == []
    assert missed.every == [pytest.approx(rep.end - stall.hips_stopped_t)]
    assert missed.every[0] > live.every[0] + 0.5


def test_the_tally_prints_every_stall_s_percentiles(capsys) -> None:
    tally = ca.Tally(latency=[0.1] * 18, every=[0.1] * 18 + [2.0] * 2, stalls=20)
    ca.print_tally("camera alone", tally, [])
    out = capsys.readouterr().out
    assert "buzzed live in 18/20 (90.0%)" in out
    assert ("over every stall (one not buzzed live: until the rep's end): p50 100 ms, "
            "p90 290 ms, p95 2000 ms (n=20)") in out


def test_a_buzz_for_a_fault_its_rep_does_not_have_is_wrong() -> None:
    truth = [RepTruth(1, RepKind.SHALLOW, 1.0, 3.0, (Fault.SHALLOW,), None),
             RepTruth(2, RepKind.SQUAT, 4.0, 6.0, (Fault.HIPS_STOPPED, Fault.KNEE_BEND), 4.5)]

    def buzz(t: float, fault: Fault) -> FaultDetected:
        return FaultDetected(t, 1, fault, True, "")

    assert ca.wrong_buzzes([buzz(4.7, Fault.HIPS_STOPPED), buzz(5.0, Fault.KNEE_BEND)],
                           truth) == 0
    assert ca.wrong_buzzes([buzz(2.0, Fault.HIPS_STOPPED)], truth) == 1  # a shallow rep
    assert ca.wrong_buzzes([buzz(3.5, Fault.HIPS_STOPPED)], truth) == 1  # between reps
