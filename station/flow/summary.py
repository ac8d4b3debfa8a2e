"""What a rep and a set come to on screen: the verdict after each rep, the summary after
each set, and why the set ended."""

from __future__ import annotations

from collections import Counter
from enum import StrEnum

from station.coach.cues import CUES, main_fault
from station.domain import RepResult
from station.flow.view import Summary, Verdict


class SetEnding(StrEnum):
    """Why a set ended: the session log stores the value, the summary screen says it."""

    DONE = "done"  # the set's reps were all scored
    OUT_OF_VIEW = "out of view"
    CAMERA_STOPPED = "camera stopped"  # no pose at all for as long (the camera's badge down)
    NEXT_ATHLETE = "next athlete"  # a press while coaching
    ROTATION = "next athlete, please"  # class mode's rotation came round
    STOPPED = "station stopped"  # the station was stopped (SIGTERM, the window closed)

    @property
    def shown(self) -> str:
        """The words on the summary screen: none for a set that was done."""
        return "" if self is SetEnding.DONE else self.value


def verdict_for(rep: RepResult, until: float) -> Verdict:
    """The verdict shown for `rep` until station time `until`, naming its main fault."""
    fault = main_fault(rep.faults)
    return Verdict(rep.index, rep.passed, fault, rep.cue, until=until, judged=rep.judged)


def summarise(reps: list[RepResult], reason: str) -> Summary:
    """The set in a few numbers: passes, the commonest fault and its cue, the best rep."""
    s = Summary(reps=len(reps), passed=sum(r.passed for r in reps),
                not_judged=sum(not r.judged for r in reps), reason=reason)
    counts = Counter(f for r in reps for f in r.faults)
    if counts:
        top = max(counts.values())
        s.main_fault = main_fault([f for f, n in counts.items() if n == top])
        s.main_fault_count = top
        s.main_cue = CUES[s.main_fault]
    good = [r for r in reps if r.passed]
    if good:
        best = max(good, key=lambda r: r.metrics.get("hip_travel", 0.0))
        s.best_rep = best.index
        if "hip_travel" in best.metrics:
            s.best_note = "hips furthest back"
    return s
