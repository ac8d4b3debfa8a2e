"""The coach: pose frames and tension samples in, events out. Pure: no I/O, no clock.

Per frame it measures the side the athlete faces (features.py), smooths it (filters.py),
follows the rep through STANDING -> DESCENDING -> BOTTOM -> ASCENDING -> STANDING and calls
faults: live ones (hips_stopped, knee_bend, stick_contact, band_slack) the moment they are
seen, `shallow` when the rep ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from station.coach.cues import CUES, cue_for
from station.coach.features import Features, facing_vote, measure
from station.coach.filters import MedianWindow, OneEuroFilter, SlopeWindow
from station.config import CoachConfig
from station.types import (
    Event,
    Fault,
    FaultDetected,
    Phase,
    PoseFrame,
    RepResult,
    RepScored,
    RepStarted,
    Side,
    SideDetected,
    TensionSample,
)

# Degrees the trunk must come back up from its deepest point before the rep is ascending.
_TURN_DEG = 4.0
# Trunk speed (degrees per second) under which a rep deep enough to count is at its bottom.
_BOTTOM_SPEED_DPS = 8.0
# Degrees over the standing baseline, rising, that mark the start of a descent.
_START_OVER_BASE_DEG = 6.0
# Seconds of velocity window: 0.2 s is 6 frames at 30 fps, enough to average out jitter.
_SLOPE_SPAN_S = 0.2
# Weight of each standing frame in the standing baseline (exponential average).
_BASELINE_ALPHA = 0.1


@dataclass(frozen=True)
class CoachSnapshot:
    """The coach's view right now, for the screen."""

    phase: Phase = Phase.STANDING
    side: Side | None = None
    rep_index: int = 0
    in_view: bool = False
    hip_travel: float = 0.0
    trunk_deg: float = 0.0
    knee_deg: float = 0.0
    stick_deg: float = 0.0
    tension_n: float | None = None


@dataclass
class _Rep:
    """The rep in progress: what has been seen so far."""

    index: int
    start: float
    trunk_start: float
    travel_start: float
    ratio: float = 0.0
    peak_trunk: float = 0.0
    peak_t: float = 0.0
    max_travel: float = 0.0
    knee_at_peak: float = 0.0
    max_knee: float = 0.0
    ascent_min_trunk: float = 180.0
    ascent_min_t: float = 0.0
    faults: list[Fault] = field(default_factory=list)
    stopped_since: float | None = None
    knee_frames: int = 0
    stick_frames: int = 0
    slack_since: float | None = None
    tension_min: float | None = None
    tension_sum: float = 0.0
    tension_n: int = 0


class Coach:
    """Hinge analysis for one athlete at a time. Feed it samples in time order."""

    def __init__(self, config: CoachConfig) -> None:
        self.config = config
        self._side: Side | None = None
        self._votes: list[float] = []
        self._phase = Phase.STANDING
        self._rep: _Rep | None = None
        self._count = 0
        self._trunk_f = OneEuroFilter(min_cutoff=1.5, beta=0.05)
        self._hip_f = OneEuroFilter(min_cutoff=1.5, beta=0.01)
        self._knee_m = MedianWindow(3)
        self._stick_m = MedianWindow(3)
        self._trunk_v = SlopeWindow(_SLOPE_SPAN_S)
        self._hip_v = SlopeWindow(_SLOPE_SPAN_S)
        self._tension_m = MedianWindow(5)
        self._base_hip: float | None = None
        self._base_leg: float | None = None
        self._base_trunk = 0.0
        self._base_stick = 0.0
        self._last: Features | None = None
        self._travel = 0.0
        self._trunk = 0.0
        self._tension: float | None = None
        self._in_view = False

    # ----- what the screen reads -----
    @property
    def side(self) -> Side | None:
        return self._side

    @property
    def snapshot(self) -> CoachSnapshot:
        f = self._last
        return CoachSnapshot(
            phase=self._phase, side=self._side, rep_index=self._count, in_view=self._in_view,
            hip_travel=self._travel,
            trunk_deg=f.trunk if f else 0.0, knee_deg=f.knee if f else 0.0,
            stick_deg=(f.stick - self._base_stick) if f else 0.0, tension_n=self._tension)

    # ----- inputs -----
    def add_tension(self, sample: TensionSample) -> list[Event]:
        """One band-tension sample; may raise band_slack in the rep in progress."""
        force = self._tension_m.add(sample.force_n)
        self._tension = force
        rep = self._rep
        if rep is None:
            return []
        rep.tension_min = force if rep.tension_min is None else min(rep.tension_min, force)
        rep.tension_sum += force
        rep.tension_n += 1
        if force >= self.config.band_slack_min_n:
            rep.slack_since = None
            return []
        if rep.slack_since is None:
            rep.slack_since = sample.t
        if sample.t - rep.slack_since >= 0.1:
            return self._raise(rep, Fault.BAND_SLACK, sample.t)
        return []

    def add_pose(self, frame: PoseFrame) -> list[Event]:
        """One pose frame; returns the events it caused (possibly none)."""
        events: list[Event] = []
        if self._side is None:
            if frame.has_person:
                self._votes.append(facing_vote(frame))
            if len(self._votes) < self.config.side_frames:
                self._in_view = frame.has_person
                return events
            self._side = Side.RIGHT if sum(self._votes) >= 0 else Side.LEFT
            events.append(SideDetected(frame.t, self._side))
        feats = measure(frame, self._side, self.config.min_visibility)
        self._in_view = feats is not None
        if feats is None:
            return events  # a lost or unsure frame neither starts nor breaks a rep
        return events + self._step(feats)

    def finish(self, t: float) -> list[Event]:
        """End of the stream: a rep still in progress is dropped (it never finished)."""
        self._rep = None
        self._phase = Phase.STANDING
        return []

    # ----- the rep -----
    def _step(self, f: Features) -> list[Event]:
        cfg = self.config
        self._last = f
        trunk = self._trunk_f(f.t, f.trunk)
        hip = self._hip_f(f.t, f.hip_forward)
        knee = self._knee_m.add(f.knee)
        stick = self._stick_m.add(f.stick)
        trunk_v = self._trunk_v.add(f.t, f.trunk)
        if self._base_hip is None:
            self._base_hip, self._base_leg = hip, f.leg
            self._base_trunk, self._base_stick = trunk, stick
        travel = (self._base_hip - hip) / self._base_leg
        hip_v = self._hip_v.add(f.t, travel)
        self._travel = travel
        self._trunk = trunk
        events: list[Event] = []

        if self._phase is Phase.STANDING:
            a = _BASELINE_ALPHA
            self._base_hip += a * (hip - self._base_hip)
            self._base_leg += a * (f.leg - self._base_leg)
            self._base_trunk += a * (trunk - self._base_trunk)
            self._base_stick += a * (stick - self._base_stick)
            rising = trunk_v is not None and trunk_v > cfg.hips_stopped_trunk_speed_dps
            if trunk > cfg.rep_start_trunk_deg or (
                    rising and trunk > self._base_trunk + _START_OVER_BASE_DEG):
                self._count += 1
                self._rep = _Rep(self._count, f.t, trunk, travel)
                self._phase = Phase.DESCENDING
                events.append(RepStarted(f.t, self._count))
            else:
                return events

        rep = self._rep
        assert rep is not None
        if trunk > rep.peak_trunk:
            rep.peak_trunk, rep.peak_t, rep.knee_at_peak = trunk, f.t, knee
        rep.max_travel = max(rep.max_travel, travel)
        rep.max_knee = max(rep.max_knee, knee)

        events += self._live_faults(rep, f.t, travel, hip_v, trunk_v, knee, stick)

        if self._phase in (Phase.DESCENDING, Phase.BOTTOM):
            if trunk < rep.peak_trunk - _TURN_DEG:
                self._phase = Phase.ASCENDING
                rep.ascent_min_trunk, rep.ascent_min_t = trunk, f.t
            elif (self._phase is Phase.DESCENDING and rep.peak_trunk >= cfg.min_rep_trunk_deg
                  and trunk_v is not None and abs(trunk_v) < _BOTTOM_SPEED_DPS):
                self._phase = Phase.BOTTOM
        elif self._phase is Phase.ASCENDING:
            if trunk < rep.ascent_min_trunk:
                rep.ascent_min_trunk, rep.ascent_min_t = trunk, f.t
            if trunk < cfg.standing_trunk_deg:
                events += self._end_rep(rep, f.t)
        # Leaned a little and settled back before any rep: that was sway, not a rep.
        if (self._phase is Phase.DESCENDING and rep.peak_trunk < cfg.min_rep_trunk_deg
                and trunk < self._base_trunk + 2.0):
            self._abandon()
        return events

    def _live_faults(self, rep: _Rep, t: float, travel: float, hip_v: float | None,
                     trunk_v: float | None, knee: float, stick: float) -> list[Event]:
        cfg = self.config
        events: list[Event] = []
        # hips_stopped: the torso keeps folding while the hips no longer go back as fast as
        # this rep's own hinge ratio (hip travel per degree of trunk) says they should.
        if self._phase is Phase.DESCENDING and hip_v is not None and trunk_v is not None:
            gained = self._trunk - rep.trunk_start
            moved = travel - rep.travel_start
            if gained >= 6.0 and moved >= 0.02:
                rep.ratio = max(rep.ratio, moved / gained)
            expected = rep.ratio * trunk_v
            judged = trunk_v > cfg.hips_stopped_trunk_speed_dps and expected >= 0.1
            if judged and hip_v < cfg.hips_stopped_ratio * expected:
                if rep.stopped_since is None:
                    rep.stopped_since = t
                if t - rep.stopped_since >= cfg.hips_stopped_hold_s:
                    events += self._raise(rep, Fault.HIPS_STOPPED, t)
            else:
                rep.stopped_since = None
        # knee_bend: two frames in a row past the limit (one frame may be an occluded knee).
        rep.knee_frames = rep.knee_frames + 1 if knee > cfg.knee_bend_max_deg else 0
        if rep.knee_frames >= 2:
            events += self._raise(rep, Fault.KNEE_BEND, t)
        # stick_contact: the head line folds off the trunk line, against the athlete's own
        # standing posture, for three frames.
        off = abs(stick - self._base_stick) > cfg.stick_max_deg
        rep.stick_frames = rep.stick_frames + 1 if off else 0
        if rep.stick_frames >= 3:
            events += self._raise(rep, Fault.STICK_CONTACT, t)
        return events

    def _raise(self, rep: _Rep, fault: Fault, t: float) -> list[Event]:
        """Record a live fault once per rep; the first sighting is the event (the buzz)."""
        if fault in rep.faults:
            return []
        rep.faults.append(fault)
        return [FaultDetected(t, rep.index, fault, True, CUES[fault])]

    def _abandon(self) -> None:
        self._rep = None
        self._count -= 1
        self._phase = Phase.STANDING

    def _end_rep(self, rep: _Rep, t: float) -> list[Event]:
        cfg = self.config
        self._phase = Phase.STANDING
        self._rep = None
        if rep.peak_trunk < cfg.min_rep_trunk_deg:
            self._count -= 1
            return []
        events: list[Event] = []
        faults = list(rep.faults)
        if (rep.max_travel < cfg.shallow_min_travel and Fault.HIPS_STOPPED not in faults):
            faults.append(Fault.SHALLOW)
            events.append(FaultDetected(t, rep.index, Fault.SHALLOW, False, CUES[Fault.SHALLOW]))
        metrics = {
            "hip_travel": rep.max_travel,
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
