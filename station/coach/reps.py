"""Rep segmentation: STANDING -> DESCENDING -> BOTTOM -> ASCENDING -> STANDING.

A rep is followed on one depth signal, in degrees: the trunk's lean, or the hips' drop below
standing scaled so that `min_rep_drop` leg lengths count like `min_rep_trunk_deg` degrees,
whichever is larger. A hinge shows in the trunk; a squat with an upright trunk (the hinge
gone wrong) shows in the drop, and is still a rep that a coach counts and fails.

It holds up to pauses at the bottom (depth still: BOTTOM), bounces (a few degrees up and down
again stay one rep), partial reps (a movement that never reaches the rep depth is not a rep)
and two reps without a full stand (coming back up past the rep depth, `min_rep_trunk_deg`,
then going down again ends one rep and starts the next).

On real cameras the depth can come from landmarks, not from the body: a hip hidden by a
plate jumps and leans the trunk line, a leg's points slide and "drop" the hips. A body that
goes down lowers its shoulders, which plates do not hide, so a rep whose shoulders dropped
less than `rep_shoulder_share` of what a hinge to `min_rep_trunk_deg` lowers them is not a
rep. A rep still going when the athlete is lost for good, whose bottom was seen and which
had come back up clearly (`partial_clear_share`), is counted as partial (its end out of
view). So is a rep that opens where the athlete first stood still bent over (past
`standing_trunk_deg`: never seen standing before it), its start out of view; its shoulders
must come back up, from their lowest, as far as a whole rep lowers them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from station.coach.band import BandGain
from station.coach.signals import SlopeWindow
from station.coach.tuning import Tuning
from station.coach.view import ViewProblem
from station.config import CoachConfig
from station.domain import Event, Fault, Phase, RepStarted


class RepClose(Enum):
    """How a frame closes the rep in progress."""

    END = "end"  # back to standing tall
    CHAIN = "chain"  # came up past the rep depth and went down again: the next rep begins


@dataclass
class Rep:
    """The rep in progress: what has been seen so far, and the state of its live faults."""

    index: int
    start: float
    band: BandGain
    peak_depth: float = 0.0
    peak_t: float = 0.0
    peak_trunk: float = 0.0
    knee_at_peak: float = 0.0
    max_knee: float = 0.0
    max_travel: float = 0.0
    max_drop: float = 0.0
    ascent_min: float = 180.0
    ascent_min_t: float = 0.0
    faults: list[Fault] = field(default_factory=list)
    stall_taken_back: bool = False  # a hips_stopped call the hips then disproved
    # The descent's (trunk, hip travel) frames until the rep turned up: where the hips
    # stopped going back, read at the rep's end (faults.score_rep).
    descent: list[tuple[float, float]] = field(default_factory=list)
    # Out of view for a while mid-rep (or opened as the athlete came back): its bottom may
    # have passed unseen, unless it paused at depth or went deeper than when back in view.
    seen_whole: bool = True
    bottom_seen: bool = False
    back_depth: float = 0.0
    knee_since: float | None = None
    stick_since: float | None = None
    slack_since: float | None = None
    tension_min: float | None = None
    tension_sum: float = 0.0
    tension_n: int = 0
    # What the real cameras' checks read over the rep: the shoulders' deepest drop (torso
    # lengths), each frame's depth and whether its knee was seen, the view's problem at
    # each frame (None: a view the coach can judge), and whether its start or end was out
    # of view (a partial rep, counted but not judged).
    max_shoulder_drop: float = 0.0
    shoulder_rise: float = 0.0  # how far they came back up after their lowest
    depths: list[tuple[float, bool]] = field(default_factory=list)
    views: Counter = field(default_factory=Counter)
    partial: bool = False
    fresh_depth: float | None = None  # the depth it opened at, if on a bent first stand

    def add_tension(self, force: float) -> None:
        self.tension_min = force if self.tension_min is None else min(self.tension_min, force)
        self.tension_sum += force
        self.tension_n += 1


class RepTracker:
    """Follows the depth signal frame by frame and opens, closes and counts reps."""

    def __init__(self, config: CoachConfig, tuning: Tuning) -> None:
        self.config = config
        self.tuning = tuning
        self.phase = Phase.STANDING
        self.rep: Rep | None = None
        self.count = 0
        self._scale = config.min_rep_trunk_deg / config.min_rep_drop
        self.min_shoulder_drop = tuning.rep_shoulder_share * (
            1.0 - math.cos(math.radians(config.min_rep_trunk_deg)))
        self.clear_deg = tuning.partial_clear_share * config.min_rep_trunk_deg
        self.shoulder_share = tuning.rep_shoulder_share
        self._velocity = SlopeWindow(tuning.depth_slope_s, tuning.slope_min_frames)
        self._base: float | None = None
        self._closing: RepClose | None = None
        self.still = False  # standing still (within still_deg of the standing depth)
        self.over = 0.0  # standing: the last frame's depth over the standing depth (deg)
        self._still_t: float | None = None
        self._back = False  # back in view after a while, not yet standing still
        self._last_t: float | None = None
        self._steady_since: float | None = None  # the depth still (under bottom_speed_dps)
        # This frame's depth when it is the first read against a new standing depth.
        self._fresh_depth: float | None = None

    def depth(self, trunk: float, drop: float) -> float:
        """The depth signal (degrees) of a trunk lean and a hip drop (leg lengths; NaN when
        the leg is unsure: the trunk alone)."""
        return max(trunk, drop * self._scale) if math.isfinite(drop) else trunk

    def open_now(self, t: float) -> Event:
        """Open the rep at t (on the band's word, before the frames show it at speed or
        deep enough): it began when the athlete last stood still. Like any rep, it is
        dropped if it never reaches `min_rep_trunk_deg`."""
        onset = t
        if self._still_t is not None and t - self._still_t < self.tuning.onset_lookback_s:
            onset = self._still_t
        return self._open(t, onset)

    def _open(self, t: float, start: float) -> Event:
        self.count += 1
        self.rep = Rep(self.count, start, BandGain(self.tuning))
        # Opened on the first frame read against the stand, already past the rep depth
        # that opens one whatever its speed: the athlete stood still bent over (never seen
        # standing before it). Partial unless it then goes clearly deeper (`_seen_start`).
        self.rep.fresh_depth = self._fresh_depth
        self.phase = Phase.DESCENDING
        return RepStarted(t, self.count)

    def _rose(self, rep: Rep) -> bool:
        """Whether the shoulders came up with the depth, from its peak to its lowest since:
        at least `rep_shoulder_share` of what a trunk rising between those angles lifts
        them. A hip hidden by a plate that leaps leans the trunk line up and down again
        without them: the same rep, not two."""
        implied = (math.cos(math.radians(min(rep.ascent_min, 90.0)))
                   - math.cos(math.radians(min(rep.peak_depth, 90.0))))
        return rep.shoulder_rise >= self.shoulder_share * implied

    def _seen_start(self, rep: Rep) -> None:
        """A rep opened on a bent first stand was seen from its start only if it went on
        clearly deeper (`partial_clear_share`); else it is partial."""
        if rep.fresh_depth is not None and rep.peak_depth - rep.fresh_depth < self.clear_deg:
            rep.partial = True


    def _shallow_shoulders(self, rep: Rep) -> bool:
        """Whether the rep's shoulders moved less than a rep moves them: down from the
        stand, or (for a rep whose start was out of view) back up from their lowest."""
        moved = rep.shoulder_rise if rep.partial else rep.max_shoulder_drop
        return moved < self.min_shoulder_drop

    @property
    def unseen_start(self) -> bool:
        """The descent under way (or about to begin) was not seen from its start: back in
        view after a while and not yet standing still, or in a rep partly out of view."""
        return self._back or (self.rep is not None and not self.rep.seen_whole)

    def back_in_view(self) -> None:
        """Back in view after a while (`lost_reset_s`): the depth's speed starts afresh, and
        the rep in progress, or one that opens before the athlete stands still, was not
        seen whole."""
        self._velocity.reset()
        self._back = True

    def restand(self) -> None:
        """Forget the standing depth (turned around, or someone new): it is read afresh from
        the next standing frame. Kept, a depth read facing the other way (a camera a little
        rolled leans the trunk by twice its roll) could sit more than rep_start_rise_deg
        from the new one, and then never follow it: the athlete never read as standing still
        again, so the noise went unlearned and standing frames fed the hinge line."""
        self._base = None
        self.still = False
        self._still_t = None

    def drop(self) -> None:
        """Forget a rep in progress (turned around, or it never finished)."""
        if self.rep is not None:
            self.count -= 1
        self.rep = None
        self.phase = Phase.STANDING
        self._closing = None

    def end_unseen(self) -> Rep | None:
        """The stream ends (or the athlete is gone) with a rep in progress: the rep, marked
        partial, when its bottom was seen and it had come back up clearly
        (`partial_clear_share`), and deep and low-shouldered enough to be a rep; else it is
        forgotten (None)."""
        rep = self.rep
        if rep is None:
            return None
        self._seen_start(rep)
        last = rep.depths[-1][0] if rep.depths else rep.peak_depth
        clear = (self.phase is Phase.ASCENDING and rep.peak_depth >= self.config.min_rep_trunk_deg
                 and rep.peak_depth - last >= self.clear_deg
                 and not (rep.max_shoulder_drop < self.min_shoulder_drop
                          and rep.shoulder_rise < self.min_shoulder_drop))
        self.rep = None
        self.phase = Phase.STANDING
        self._closing = None
        if not clear:
            self.count -= 1
            return None
        rep.partial = True
        return rep

    def count_partial(self, t: float, start: float) -> tuple[Rep, Event]:
        """A rep seen only in part outside the tracker (its start out of view, read back
        once the athlete stood): counted, and returned to be scored."""
        self.count += 1
        rep = Rep(self.count, start, BandGain(self.tuning), partial=True)
        return rep, RepStarted(t, self.count)

    def step(self, t: float, trunk: float, drop: float, travel: float, knee: float,
             shoulder_drop: float = 0.0, view: ViewProblem | None = None) -> list[Event]:
        """One frame's trunk (deg), hip drop and travel (leg lengths), knee (deg; NaN when
        unsure), the shoulders' drop (torso lengths) and the view's problem (None: none)."""
        cfg, tun = self.config, self.tuning
        d = self.depth(trunk, drop)
        v = self._velocity.add(t, d)
        dt = t - self._last_t if self._last_t is not None else 0.0
        self._last_t = t
        if v is None or abs(v) >= tun.bottom_speed_dps:
            self._steady_since = None
        elif self._steady_since is None:
            self._steady_since = t
        self._closing = None
        events: list[Event] = []
        self._fresh_depth = d if self.phase is Phase.STANDING and self._base is None else None
        if self.phase is Phase.STANDING:
            if self._base is None:
                self._base = d
            over = self.over = d - self._base
            # Rising: moving down at speed, or (just back from lost frames, no speed yet)
            # twice as far over the standing depth.
            rising = (v > tun.rep_start_speed_dps) if v is not None else (
                over > tun.rep_start_rise_deg)
            if d > cfg.rep_start_trunk_deg or (rising and over > tun.rep_start_rise_deg):
                # The rep began when the athlete last stood still (the descent's first frame).
                events.append(self.open_now(t))
            else:
                if over < tun.rep_start_rise_deg:
                    self._base += tun.baseline_alpha * over
                elif v is not None and abs(v) < tun.bottom_speed_dps:
                    self._base += over * min(1.0, dt / tun.restand_s)
                self.still = abs(over) < tun.still_deg
                if self.still:
                    self._still_t = t
                    self._back = False
                return events
        self.still = False
        rep = self.rep
        assert rep is not None
        if self._back:  # back in view in this rep, or it opened as the athlete came back
            self._back = False
            rep.seen_whole, rep.back_depth = False, d
            rep.bottom_seen = self.phase is not Phase.DESCENDING
        # (Coming up and going down again past the rechain depth is the next rep's descent:
        # no part of this one's depth, even if it goes deeper than this one's bottom.)
        rechained = (self.phase is Phase.ASCENDING and d > rep.ascent_min + tun.rechain_deg
                     and rep.peak_depth >= cfg.min_rep_trunk_deg
                     and rep.ascent_min < cfg.min_rep_trunk_deg and self._rose(rep))
        knee_seen = math.isfinite(knee)
        if d > rep.peak_depth and not rechained:
            rep.peak_depth, rep.peak_t = d, t
            rep.peak_trunk = trunk
            if knee_seen:
                rep.knee_at_peak = knee
        rep.bottom_seen |= d > rep.back_depth + tun.turn_deg
        rep.max_travel = max(rep.max_travel, travel)
        if knee_seen:
            rep.max_knee = max(rep.max_knee, knee)
        if math.isfinite(drop):
            rep.max_drop = max(rep.max_drop, drop)
        rep.max_shoulder_drop = max(rep.max_shoulder_drop, shoulder_drop)
        rep.shoulder_rise = max(rep.shoulder_rise, rep.max_shoulder_drop - shoulder_drop)
        rep.depths.append((d, knee_seen))
        rep.views[view] += 1
        base = self._base if self._base is not None else 0.0
        if self.phase in (Phase.DESCENDING, Phase.BOTTOM):
            rep.descent.append((trunk, travel))
            if d < rep.peak_depth - tun.turn_deg:
                self.phase = Phase.ASCENDING
                rep.ascent_min, rep.ascent_min_t = d, t
            elif (self.phase is Phase.DESCENDING and rep.peak_depth >= cfg.min_rep_trunk_deg
                  and v is not None and abs(v) < tun.bottom_speed_dps):
                self.phase = Phase.BOTTOM
                rep.bottom_seen = True
        elif self.phase is Phase.ASCENDING:
            if d < rep.ascent_min:
                rep.ascent_min, rep.ascent_min_t = d, t
            if d < cfg.standing_trunk_deg:
                self._closing = RepClose.END
            elif d > rep.ascent_min + tun.rechain_deg:
                # Came up past the depth that counts a rep (not standing tall) and went down
                # again: the next rep began. Still deeper than that: a bounce in this one.
                if (rep.peak_depth >= cfg.min_rep_trunk_deg
                        and rep.ascent_min < cfg.min_rep_trunk_deg and self._rose(rep)):
                    self._closing = RepClose.CHAIN
                else:
                    self.phase = Phase.DESCENDING  # a bounce: the same rep goes on down
        # Leaned a little and settled back before any rep: that was sway, not a rep.
        if (self.phase is Phase.DESCENDING and rep.peak_depth < cfg.min_rep_trunk_deg
                and d < base + tun.still_deg):
            self.drop()
        # Leaned a little further and stayed there (to read the screen, to set the stick):
        # a new stand, not a rep (left open, it would last until they stand back up, or take
        # in the whole stand when they hinge from there).
        elif (self.phase is Phase.DESCENDING and rep.peak_depth < cfg.rep_start_trunk_deg
              and self._steady_since is not None and t - self._steady_since >= tun.restand_s):
            self.drop()
            self._base = d
        return events

    def finish_step(self, t: float, score: Callable[[Rep, float], list[Event]]) -> list[Event]:
        """Close the rep if this frame ended it (scored by `score`); open the next if chained."""
        rep, closing = self.rep, self._closing
        self._closing = None
        if rep is None or closing is None:
            return []
        self.rep = None
        self.phase = Phase.STANDING
        self._seen_start(rep)
        if rep.peak_depth < self.config.min_rep_trunk_deg or self._shallow_shoulders(rep):
            # A partial movement, not a rep; or landmarks that jumped (the shoulders stayed).
            self.count -= 1
            if closing is RepClose.CHAIN:
                return [self._open(t, rep.ascent_min_t)]
            return []
        if closing is RepClose.END:
            return score(rep, t)
        events = score(rep, rep.ascent_min_t)
        events.append(self._open(t, rep.ascent_min_t))
        return events
