"""The live faults seen on the pose and the band, and the score of a finished rep.

At the end of a rep whose hips never got `shallow_min_travel` back: `shallow` if the knees
stayed soft, `hips_stopped` if they bent past the hinge (a squat the live detector missed).
And `hips_stopped` at the end of a knee_bend rep whose hips gained little over the last of
the trunk's fold (`late_share`): they had stopped and the knees took over.

hips_stopped is judged live by hips.py (the hips fall behind this rep's hinge line); here it is
also called when the hips go down rather than back (an upright squat: the hips dropped more
than they travelled). knee_bend, stick_contact and band_slack must hold for a short time, so
one occluded knee or one HX711 spike never buzzes.
"""

from __future__ import annotations

from station.coach.cues import CUES, cue_for
from station.coach.reps import Rep
from station.coach.tuning import Tuning
from station.config import CoachConfig
from station.domain import Event, Fault, FaultDetected, RepResult, RepScored


def raise_fault(rep: Rep, fault: Fault, t: float) -> list[Event]:
    """Record a live fault once per rep; the first sighting is the event (the buzz)."""
    if fault in rep.faults:
        return []
    rep.faults.append(fault)
    return [FaultDetected(t, rep.index, fault, True, CUES[fault])]


def _held(since: float | None, on: bool, t: float) -> float | None:
    if not on:
        return None
    return t if since is None else since


class LiveFaults:
    """knee_bend, stick_contact, hips going down, band_slack: called while the rep goes on."""

    def __init__(self, config: CoachConfig) -> None:
        self.config = config

    def pose(self, rep: Rep, t: float, travel: float, drop: float, knee: float,
             stick_off: float, trunk: float, descending: bool) -> list[Event]:
        cfg = self.config
        events: list[Event] = []
        rep.knee_since = _held(rep.knee_since, knee > cfg.knee_bend_max_deg, t)
        if rep.knee_since is not None and t - rep.knee_since >= cfg.knee_bend_hold_s:
            events += raise_fault(rep, Fault.KNEE_BEND, t)
        rep.stick_since = _held(rep.stick_since, abs(stick_off) > cfg.stick_max_deg, t)
        if rep.stick_since is not None and t - rep.stick_since >= cfg.stick_hold_s:
            events += raise_fault(rep, Fault.STICK_CONTACT, t)
        # Hips down, not back: an upright trunk while the hips drop further than they went
        # back is a squat, whatever the trunk-led stall detector made of it.
        if (descending and drop >= cfg.hips_down_min_drop and drop > travel
                and trunk < cfg.min_rep_trunk_deg):
            events += raise_fault(rep, Fault.HIPS_STOPPED, t)
        return events

    def band(self, rep: Rep, t: float, force: float) -> list[Event]:
        cfg = self.config
        rep.slack_since = _held(rep.slack_since, force < cfg.band_slack_min_n, t)
        if rep.slack_since is not None and t - rep.slack_since >= cfg.band_slack_hold_s:
            return raise_fault(rep, Fault.BAND_SLACK, t)
        return []


def score_rep(rep: Rep, t: float, config: CoachConfig, tuning: Tuning) -> list[Event]:
    """The finished rep's verdict: `shallow` if the hips never got far back, `hips_stopped`
    if the knees took over from hips that had stopped, and its metrics."""
    events: list[Event] = []
    faults = list(rep.faults)
    # (A rep first seen on its way up, back into view, had its bottom out of view.)
    bottom_seen = rep.seen_whole or rep.bottom_seen
    late: Fault | None = None
    if rep.max_travel < config.shallow_min_travel and bottom_seen:
        # The hips never got far back. With the knees bent past the hinge that was a squat:
        # the hips stopped (the live detector may have missed the moment, the rep did not).
        # With soft knees it was a shallow hinge.
        late = Fault.HIPS_STOPPED if Fault.KNEE_BEND in faults else Fault.SHALLOW
    elif (Fault.KNEE_BEND in faults and rep.seen_whole and not rep.stall_taken_back
          and late_share(rep, tuning) < tuning.hips_stopped_late_share):
        # The knees took over while the hips had all but stopped going back and the trunk
        # still folded: a squat whose stall the live detector missed (at a Pi's few frames
        # a second, most often). Knees bent with the hips going on back stay knee_bend.
        late = Fault.HIPS_STOPPED
    if late is not None and Fault.HIPS_STOPPED not in faults:
        faults.append(late)
        events.append(FaultDetected(t, rep.index, late, False, CUES[late]))
    metrics = {
        "hip_travel": rep.max_travel,
        "hip_drop": rep.max_drop,
        "trunk_deg": rep.peak_trunk,
        "knee_deg": rep.knee_at_peak,
        "knee_max_deg": rep.max_knee,
        "descent_s": rep.peak_t - rep.start,
        "ascent_s": t - rep.peak_t,
    }
    if rep.tension_n:
        metrics["tension_min_n"] = rep.tension_min or 0.0
        metrics["tension_mean_n"] = rep.tension_sum / rep.tension_n
    ordered = tuple(f for f in Fault if f in faults)
    result = RepResult(rep.index, rep.start, t, ordered, cue_for(ordered), metrics)
    events.append(RepScored(t, result))
    return events


def late_share(rep: Rep, tuning: Tuning) -> float:
    """The share of the hips' travel back gained over the last `late_fold` of the trunk's
    fold (from the descent's first frame to its deepest trunk): about 0.4 for a hinge, near
    0 when the hips stopped early and the trunk went on down. 1.0 when a fold under
    `late_min_fold_deg` or too few frames cannot say."""
    pts = rep.descent
    if len(pts) < 3:
        return 1.0
    first = pts[0][0]
    deepest = max(k for k, _ in pts)
    if deepest - first < tuning.late_min_fold_deg:
        return 1.0
    mark = deepest - tuning.late_fold * (deepest - first)
    top = max(travel for _, travel in pts)
    before = max((travel for k, travel in pts if k < mark), default=0.0)
    return (top - before) / top if top > 0.0 else 1.0
