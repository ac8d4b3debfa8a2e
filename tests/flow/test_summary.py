"""The set's summary: passes, the commonest fault and its cue, the best rep."""

from __future__ import annotations

from station.domain import Fault, RepResult
from station.flow.summary import summarise


def test_summary_names_the_commonest_fault_and_the_best_rep():
    reps = [RepResult(1, 0, 1, (Fault.KNEE_BEND,), "c", {"hip_travel": 0.2}),
            RepResult(2, 1, 2, (), "c", {"hip_travel": 0.22}),
            RepResult(3, 2, 3, (Fault.HIPS_STOPPED, Fault.KNEE_BEND), "c", {}),
            RepResult(4, 3, 4, (), "c", {"hip_travel": 0.31})]
    s = summarise(reps, "")
    assert (s.reps, s.passed, s.main_fault, s.main_fault_count) == (4, 2, Fault.KNEE_BEND, 2)
    assert s.best_rep == 4 and s.best_note == "hips furthest back"
