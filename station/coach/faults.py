"""The live faults seen on the pose and the band, and the score of a finished rep.

At the end of a rep whose hips never got `shallow_min_travel` back: `shallow` if the knees
stayed soft, `hips_stopped` if they bent past the hinge (a squat the live detector missed).
And `hips_stopped` at the end of a knee_bend rep whose hips gained little over the last of
the trunk's fold (`late_share`): they had stopped and the knees took over.

hips_stopped is judged live by hips.py (the hips fall behind this rep's hinge line); here it is
also called when the hips go down rather than back (an upright squat: the hips dropped more
than they travelled, and the shoulders dropped with them). knee_bend, stick_contact and
band_slack must hold for a short time, so one occluded knee or one HX711 spike never buzzes.

stick_contact is the head or upper back folding forward off the trunk line: further forward
than it stood (`stick_max_deg` against the stand's line), or, in a deep lean, far forward of
the trunk line itself (tuning's `stick_deep_*`: a rounded upper back carries the head ahead
of the trunk line from the stand on, so against the stand it reads nothing). The other way
(the head line more upright than the trunk line) is not called: in a deep lean MediaPipe's
shoulder point sags ahead of the spine and lifters look ahead, so on the real clips every
back that was flat by eye read 17-48 degrees "head up" of its stand at 30-90 degrees of
lean.

A rep gets no verdict (it is counted, `judged` False, with the reason and what to change)
when it was seen only in part, when the view it was seen from was not one the coach can
judge (view.py) for most of its frames, or when its knees were hidden at its bottom.
"""

from __future__ import annotations

import math

from station.coach.cues import CUES, cue_for
from station.coach.reps import Rep
from station.coach.tuning import Tuning
from station.coach.view import MESSAGES, REASONS
from station.config import CoachConfig
from station.domain import Event, Fault, FaultDetected, RepResult, RepScored

# Why a rep seen in part, or with its knees hidden, gets no verdict, and what to change.
PARTIAL_REASON = "seen only in part: its start or its end was out of view"
PARTIAL_CUE = "Stand in view before and after each rep"
KNEES_REASON = "the knees were hidden at the bottom of the rep"
KNEES_CUE = "Keep your knees in view of the camera"


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

    def __init__(self, config: CoachConfig, tuning: Tuning) -> None:
        self.config = config
        self.shoulder_share = tuning.hips_down_shoulder_share
        self.deep_trunk = tuning.stick_deep_trunk_deg
        self.deep_max = tuning.stick_deep_max_deg

    def pose(self, rep: Rep, t: float, travel: float, drop: float, knee: float,
             stick_off: float, trunk: float, descending: bool,
             shoulder_drop: float = math.inf, moved: bool = True,
             stick: float = math.nan) -> list[Event]:
        """A frame's live faults: `drop` and `shoulder_drop` in leg lengths (NaN drop, knee
        or stick: unsure this frame, not judged). `stick_off`: the head line's fold forward
        off the trunk line against the stand's; `stick`: the fold itself, read past
        `stick_deep_trunk_deg` of lean. `moved`: the rep's shoulders have come
        down as a rep's do; until then knee_bend and stick_contact wait (their timers run):
        a "rep" that landmarks made (a plate's hidden hip, a leg's points leaping) would
        buzz at nothing."""
        cfg = self.config
        events: list[Event] = []
        rep.knee_since = _held(rep.knee_since, knee > cfg.knee_bend_max_deg, t)
        if (moved and rep.knee_since is not None
                and t - rep.knee_since >= cfg.knee_bend_hold_s):
            events += raise_fault(rep, Fault.KNEE_BEND, t)
        rep.stick_since = _held(rep.stick_since, stick_off > cfg.stick_max_deg or (
            trunk >= self.deep_trunk and stick > self.deep_max), t)
        if (moved and rep.stick_since is not None
                and t - rep.stick_since >= cfg.stick_hold_s):
            events += raise_fault(rep, Fault.STICK_CONTACT, t)
        # Hips down, not back: an upright trunk while the hips drop further than they went
        # back is a squat, whatever the trunk-led stall detector made of it.
        if (descending and drop >= cfg.hips_down_min_drop and drop > travel
                and trunk < cfg.min_rep_trunk_deg
                and shoulder_drop >= self.shoulder_share * drop):
            events += raise_fault(rep, Fault.HIPS_STOPPED, t)
        return events

    def band(self, rep: Rep, t: float, force: float) -> list[Event]:
        cfg = self.config
        rep.slack_since = _held(rep.slack_since, force < cfg.band_slack_min_n, t)
        if rep.slack_since is not None and t - rep.slack_since >= cfg.band_slack_hold_s:
            return raise_fault(rep, Fault.BAND_SLACK, t)
        return []


def withheld(rep: Rep, tuning: Tuning) -> tuple[str, str] | None:
    """Why the rep gets no verdict and what to change, or None when it is judged."""
    if rep.partial:
        return PARTIAL_REASON, PARTIAL_CUE
    frames = sum(rep.views.values())
    judgeable = rep.views.get(None, 0)
    if frames and judgeable < tuning.view_judged_share * frames:
        problem = max((p for p in rep.views if p is not None), key=lambda p: rep.views[p])
        return REASONS[problem], MESSAGES[problem]
    deep = [seen for depth, seen in rep.depths if depth >= tuning.deep_share * rep.peak_depth]
    if deep and sum(deep) < tuning.knees_seen_share * len(deep):
        return KNEES_REASON, KNEES_CUE
    return None


def score_rep(rep: Rep, t: float, config: CoachConfig, tuning: Tuning) -> list[Event]:
    """The finished rep's verdict: `shallow` if the hips never got far back, `hips_stopped`
    if the knees took over from hips that had stopped, and its metrics; or no verdict
    (`withheld`), with its reason."""
    events: list[Event] = []
    faults = list(rep.faults)
    # (A rep first seen on its way up, back into view, had its bottom out of view.)
    bottom_seen = rep.seen_whole or rep.bottom_seen
    late: Fault | None = None
    no_verdict = withheld(rep, tuning)
    if no_verdict is not None:
        pass
    elif rep.max_travel < config.shallow_min_travel and bottom_seen:
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
        "shoulder_drop": rep.max_shoulder_drop,
    }
    if rep.tension_n:
        metrics["tension_min_n"] = rep.tension_min or 0.0
        metrics["tension_mean_n"] = rep.tension_sum / rep.tension_n
    metrics = {k: v for k, v in metrics.items() if math.isfinite(v)}
    if no_verdict is not None:
        reason, cue = no_verdict
        result = RepResult(rep.index, rep.start, t, (), cue, metrics, judged=False,
                           partial=rep.partial, reason=reason)
    else:
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
