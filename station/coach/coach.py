"""The coach: pose frames and tension samples in, events out. Pure: no I/O, no clock.

Per frame it measures the side the athlete faces (features.py, side.py), steadies the
measurements, reads them against where the athlete stands (baseline.py), follows the rep
through STANDING -> DESCENDING -> BOTTOM -> ASCENDING -> STANDING (reps.py) and calls faults:
live ones (hips_stopped, knee_bend, stick_contact, band_slack) the moment they are seen,
`shallow` when the rep ends (faults.py). The band's tension (band.py), when it follows the
hips, is a second and faster witness of the hips stopping (hips.py).

Every frame, with or without a person, also goes to the view check (view.py): while the view
is not one the coach can judge (turned away from side-on, a part out of the picture, too
small), reps are still counted but no fault is called on those frames, and a rep seen
mostly from such a view gets no verdict. Reps seen only in part (partial.py) are counted
without a verdict.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from station.coach.band import Band, BandGain
from station.coach.baseline import StandingBaseline
from station.coach.faults import LiveFaults, score_rep
from station.coach.features import Features, Steadier, facing_vote, measure
from station.coach.hips import HipsStopped
from station.coach.partial import UnsettledFrames
from station.coach.reps import Rep, RepTracker
from station.coach.side import SideTracker, TurnHold
from station.coach.tuning import Tuning
from station.coach.view import View, ViewCheck, ViewLimits, ViewProblem
from station.config import CoachConfig
from station.domain import (
    Event,
    Fault,
    FaultDetected,
    Phase,
    PoseFrame,
    Side,
    SideDetected,
    TensionSample,
)


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
    band_trusted: bool = False
    view: View | None = None  # what the camera's view allows (view.py)


class Coach:
    """Hinge analysis for one athlete at a time. Feed it samples in time order."""

    def __init__(self, config: CoachConfig, band_gains: Mapping[Side, float] | None = None,
                 *, tuning: Tuning | None = None) -> None:
        """`band_gains`: what an earlier coach at this station learned of the band (its
        `band_gains`), so that an athlete's first rep is read on the band as well: the anchor
        stays where it is from one athlete to the next. `tuning`: the detector's internals
        (the defaults unless a test or the bench changes them)."""
        self.config = config
        self.tuning = tuning = tuning if tuning is not None else Tuning()
        self._sides = SideTracker(tuning.side_settle_s, tuning.side_switch_s)
        self._turn = TurnHold()
        self._reps = RepTracker(config, tuning)
        self._faults = LiveFaults(config, tuning)
        self._steady = Steadier(tuning)
        self._stand = StandingBaseline(tuning)
        self._view = ViewCheck(ViewLimits(
            config.view_max_angle_deg, config.view_min_torso, tuning.view_window_s,
            tuning.view_edge_margin))
        self._unsettled = UnsettledFrames(
            config.min_rep_trunk_deg, config.min_rep_drop, config.standing_trunk_deg,
            tuning.partial_clear_share, tuning.rep_shoulder_share)
        self._band = Band(config, tuning, self._sides, band_gains)
        self._hips = HipsStopped(config, tuning, self._reps, self._band, self._stand)
        # The band's gain as the hips set off from the last still frame, before the rep
        # opens: the rep starts from it (at a few frames a second, a first rep's stall may
        # come before the rep has frames enough of its own to tell the band's sign).
        self._setting_off = BandGain(tuning)
        self._last: Features | None = None
        self._in_view = False
        self._travel = 0.0
        self._person_t: float | None = None  # the last frame with a person in it
        self._anchor: Features | None = None  # the last frame taken as the athlete's
        self.person_seen = False  # whether the last pose frame had a person in it

    # ----- what the screen reads -----
    @property
    def side(self) -> Side | None:
        return self._sides.side

    @property
    def band_trusted(self) -> bool:
        """Whether the band's tension is used as a witness of the hips right now."""
        return self._band.facing_gain() is not None

    @property
    def band_gains(self) -> dict[Side, float]:
        """The band's gain learned for each way the athlete has faced (newtons per leg length
        of hip travel, signed), to hand to the coach of the next athlete."""
        return self._band.gains

    def forget_band(self) -> None:
        """The band may have been rigged anew (calibrated, or its tension lost): learn its
        gain again from the next movements."""
        self._band.forget()

    @property
    def snapshot(self) -> CoachSnapshot:
        f = self._last
        return CoachSnapshot(
            phase=self._reps.phase, side=self._sides.side, rep_index=self._reps.count,
            in_view=self._in_view, hip_travel=self._travel,
            trunk_deg=f.trunk if f else 0.0, knee_deg=f.knee if f else 0.0,
            stick_deg=(f.stick - self._stand.stick) if f and math.isfinite(f.stick) else 0.0,
            tension_n=self._band.force, band_trusted=self.band_trusted,
            view=self._view.view)

    @property
    def view_problems(self) -> tuple[ViewProblem, ...]:
        """What keeps the coach from judging now (empty when nothing does)."""
        return self._view.problems

    @property
    def frame_view_problems(self) -> tuple[ViewProblem, ...]:
        """What was wrong with the last frame's view alone."""
        return self._view.frame_problems

    @property
    def view_angle(self) -> float | None:
        """The last frame's degrees off side-on (None without shoulders and hips)."""
        return self._view.last_angle

    @property
    def view(self) -> View:
        """The camera's view over the last second: what, if anything, keeps the coach from
        judging, and the kiosk's words to put it right."""
        return self._view.view

    # ----- inputs -----
    def add_tension(self, sample: TensionSample) -> list[Event]:
        """One band-tension sample: band_slack, and the band's witness of the hips."""
        force = self._band.add(sample)
        rep = self._reps.rep
        events: list[Event] = []
        if rep is None and self._reps.still:
            self._band.follow_standing(force)
        if rep is not None:
            rep.add_tension(force)
            events += self._faults.band(rep, sample.t, force)
        events += self._hips.tension(sample.t, force, sample.force_n)
        return self._hold_while_turning(sample.t, self._judgeable(events))

    def add_pose(self, frame: PoseFrame) -> list[Event]:
        """One pose frame; returns the events it caused (possibly none)."""
        events: list[Event] = []
        self.person_seen = present = frame.has_person
        rows = frame.landmarks.tolist() if present else None
        if present:
            self._person_t = frame.t
            self._view.add(frame, rows)
        else:
            self._view.add(frame)
        side, changed = self._sides.add(frame.t, facing_vote(frame, rows) if present else None)
        if changed and side is not None:
            events.append(SideDetected(frame.t, side))
            self._reps.drop()  # a "rep" that began facing the other way was the turn itself
            self._turn.drop()  # and what it seemed to do wrong
            self._reset_baselines()
        if (not present and ViewProblem.HEAD_OUT in self._view.frame_problems
                and self._person_t is not None
                and frame.t - self._person_t >= self.tuning.gone_up_s):
            events += self._gone_over_the_top(frame.t)
        if side is None:
            self._in_view = present
            return events
        feats = measure(frame, side, self.config.min_visibility, rows)
        if feats is not None and not self._same_person(feats):
            feats = None  # pose followed someone else for this frame
        self._in_view = feats is not None
        if feats is None:
            return events  # a lost or unsure frame neither starts nor breaks a rep
        if self._stand.seen(feats.t):
            self._back_in_view(feats)
        return events + self._hold_while_turning(feats.t, self._judgeable(self._step(feats)))

    def finish(self, t: float) -> list[Event]:
        """End of the stream. A rep still in progress is counted as partial when it had
        clearly come back up from a bottom that was seen, else dropped (it never finished);
        an athlete never seen standing may have done one rep seen only in its middle."""
        if self._person_t is not None and self._person_t >= t:
            self._reps.drop()  # the athlete still in view mid-rep: it never finished
            return []
        rep = self._reps.end_unseen()
        if rep is not None:
            return self._score(rep, t)
        stand = self._stand
        if not stand.settled and self._last is not None:
            # Never stood still for long enough: a rep the athlete stood up from at the end
            # (read against the last frame, when it is upright), else one seen in its middle.
            frames = self._unsettled
            span = (frames.stood_up(stand.trunk, stand.shoulder, stand.hip_up, stand.torso,
                                    stand.height, stand.leg, keep=True)
                    or frames.never_stood())
            return self._partial(span, self._last.t)
        return []

    def _gone_over_the_top(self, t: float) -> list[Event]:
        """Pose lost for `gone_up_s` with the head last seen at the top edge: the athlete
        stood up out of the picture (a camera too close). A rep that had clearly come back
        up from a bottom that was seen is over, its end out of view (partial); the next one
        is seen from wherever they come back into the picture."""
        rep = self._reps.rep
        if rep is None or self._reps.phase is not Phase.ASCENDING:
            return []
        done = self._reps.end_unseen()
        return self._score(done, t) if done is not None else []

    def _same_person(self, f: Features) -> bool:
        """Whether the frame shows the athlete of the frames before it: its hips within
        what a body moves in the time between (`identity_speed` torso lengths a second,
        plus `identity_slack`) and its torso within `identity_torso` of their length.
        MediaPipe follows one person, and takes someone passing behind for the athlete
        for a few frames at a time: their hips are elsewhere, their torso another length.
        After `identity_gap_s` without an accepted frame, anyone is taken (back in view)."""
        last, tun = self._anchor, self.tuning
        if last is not None and f.t - last.t <= tun.identity_gap_s:
            reach = (tun.identity_speed * (f.t - last.t) + tun.identity_slack) * last.torso
            if (math.hypot(f.hip_forward - last.hip_forward, f.hip_up - last.hip_up) > reach
                    or abs(f.torso - last.torso) > tun.identity_torso * last.torso):
                return False
        self._anchor = f
        return True

    def _judgeable(self, events: list[Event]) -> list[Event]:
        """No fault is called from a view the coach cannot judge (over the last second, or
        in the frame itself): a live call made then is taken back (no buzz, and not in the
        rep's verdict). A lone frame's problem (the last second's view sound) holds back
        only what it hides: a lost frame nothing the band calls between frames, feet out of
        the picture not hips_stopped (judged from the hips and the trunk)."""
        if not events or self._view.judgeable:
            return events
        rep = self._reps.rep
        kept: list[Event] = []
        for e in events:
            if isinstance(e, FaultDetected) and e.live and self._hidden(e.fault):
                if rep is not None and e.index == rep.index and e.fault in rep.faults:
                    rep.faults.remove(e.fault)
                continue
            kept.append(e)
        return kept

    def _hidden(self, fault: Fault) -> bool:
        """Whether the view hides what `fault` is judged from (see `_judgeable`)."""
        view = self._view
        if view.problems:
            return True
        lone = set(view.frame_problems) - {ViewProblem.NOBODY}
        if fault is Fault.HIPS_STOPPED:
            lone.discard(ViewProblem.FEET_OUT)
        return bool(lone)

    def _partial(self, span: tuple[float, float] | None, t: float) -> list[Event]:
        """Count a rep seen only in part (`span`: its first and last frames seen)."""
        if span is None:
            return []
        rep, started = self._reps.count_partial(span[0], span[0])
        rep.peak_t = span[0]
        return [started, *self._score(rep, span[1])]

    # ----- per frame -----
    def _hold_while_turning(self, t: float, events: list[Event]) -> list[Event]:
        rep = self._reps.rep
        return self._turn.pass_on(t, events, self._sides.turning,
                                  rep.index if rep is not None else None)

    def _back_in_view(self, f: Features) -> None:
        """Back in view after a while: a rep in progress goes on; the same athlete on the
        same spot keeps the standing position; anyone else is learned afresh."""
        self._reps.back_in_view()
        if self._reps.rep is not None:
            return
        if self._stand.back_on_the_spot(f):
            self._reset_signals()
        else:
            self._reset_baselines()

    def _reset_baselines(self) -> None:
        self._reps.restand()
        self._stand.reset()
        self._unsettled.clear()
        self._reset_signals()

    def _reset_signals(self) -> None:
        """Forget the filters' and windows' history: it ends before a gap in view."""
        self._steady.reset()
        self._hips.clear()

    def _step(self, f: Features) -> list[Event]:
        self._last = f
        s = self._steady(f)
        stand, reps = self._stand, self._reps
        events: list[Event] = []
        if stand.settled and stand.walked_off(f, rep_open=reps.rep is not None):
            reps.restand()  # learned afresh when the athlete stands again
            self._unsettled.clear()
        if not stand.settled:
            self._unsettled.add(f, s.trunk)
            if not stand.settle(f, s.trunk, s.stick):
                self._travel = 0.0  # no rep may open until the athlete stands in one place
                return []
            # Stood up into the stand from a rep whose start was out of view? (The frames
            # stay until a rep is counted: a stand settled on a rep's way down is taken
            # back below, and they are read again at the next.)
            span = self._unsettled.stood_up(stand.trunk, stand.shoulder, stand.hip_up,
                                             stand.torso, stand.height, stand.leg, keep=True)
            if span is not None:
                self._unsettled.clear()
            events += self._partial(span, f.t)
        raw_travel = stand.travel(f.hip_forward)
        self._travel = travel = stand.travel(s.hip_forward)
        drop = stand.drop(f.hip_height, f.hip_up)
        shoulder_drop = stand.shoulder_drop(f.shoulder_up)
        if reps.rep is None and self._unsettled.risen(shoulder_drop, s.trunk):
            # Upright now, and the shoulders a whole hinge's drop above the stand: that was
            # no stand but a rep's way down, where misplaced hips held still. Learn it afresh
            # (the frames since the athlete was first seen kept, to be read when it comes).
            stand.reset()
            reps.restand()
            self._reset_signals()
            self._travel = 0.0
            return events
        self._hips.take_back(f.t, travel)
        if reps.still:  # standing still: the standing position follows the athlete
            stand.follow(f, s.hip_forward, s.trunk, s.stick)
        stick_off = s.stick - stand.stick
        problems = self._view.problems
        events += reps.step(f.t, s.trunk, drop, travel, s.knee, shoulder_drop,
                            problems[0] if problems else None)
        rep = reps.rep
        if rep is None:
            if reps.still:
                self._setting_off = BandGain(self.tuning)
            self._band.learn(self._setting_off, f.t, travel)
        elif rep.band.empty and not rep.partial and rep.fresh_depth is None:
            rep.band = self._setting_off
            self._setting_off = BandGain(self.tuning)
        events += self._hips.frame(f.t, f.trunk, raw_travel, stick_off)
        if rep is None:
            return events
        self._band.learn(rep.band, f.t, travel)
        events += self._faults.pose(rep, f.t, travel, drop, s.knee, stick_off, s.trunk,
                                    reps.phase is Phase.DESCENDING,
                                    shoulder_drop * stand.torso / stand.leg,
                                    rep.partial or rep.fresh_depth is not None
                                    or rep.max_shoulder_drop >= reps.min_shoulder_drop,
                                    s.stick)
        events += reps.finish_step(f.t, self._score)
        return events

    def _score(self, rep: Rep, t: float) -> list[Event]:
        self._unsettled.clear()  # a rep counted: the stand it was read from was one
        self._band.remember(rep.band)
        return score_rep(rep, t, self.config, self.tuning)
