"""The coach: pose frames and tension samples in, events out. Pure: no I/O, no clock.

Per frame it measures the side the athlete faces (features.py), smooths it (filters.py),
follows the rep through STANDING -> DESCENDING -> BOTTOM -> ASCENDING -> STANDING (reps.py)
and calls faults: live ones (hips_stopped, knee_bend, stick_contact, band_slack) the moment
they are seen, `shallow` when the rep ends. The band's tension, when it follows the hips, is
a second and faster witness of the hips stopping (fusion.py, stall.py, brake.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from station.coach.brake import BandBrake
from station.coach.faults import LiveFaults, raise_fault, score_rep
from station.coach.features import Features, facing_vote, measure
from station.coach.filters import LineEnd, MedianWindow, OneEuroFilter, SlopeWindow
from station.coach.fusion import Despiker
from station.coach.reps import Rep, RepTracker
from station.coach.side import SideTracker
from station.coach.stall import StallDetector, Track
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

# Weight of each standing frame in the standing baselines (exponential average).
_BASELINE_ALPHA = 0.1
# Back in view after lost_reset_s: the same athlete when the leg's length is within this share
# of the standing one and the ankle within this many leg lengths of where it stood (a foot
# set down again; anyone stepping in from elsewhere is further off).
_SAME_LEG = 0.15
_SAME_SPOT = 0.5
# Weight of each standing tension sample in the band's standing tension.
_TENSION_ALPHA = 0.05
# The least camera jitter assumed for hip travel over one window (leg lengths): MediaPipe's
# steadiest clips still move the hip about 0.5 px on a 250 px leg.
_TRAVEL_NOISE_FLOOR = 0.002
# The least load-cell noise assumed over one window (newtons).
_TENSION_NOISE_FLOOR = 0.1
# The band is trusted only while its tension stays this far above slack (newtons): near zero
# the band stops stretching and no longer follows the hips.
_BAND_MARGIN_N = 5.0
# Seconds of trunk angle in the straight line read as the trunk's angle now (5 frames).
_TRUNK_LINE_S = 0.15
# Fraction of stick_max_deg off the stick past which hips_stopped is not judged: a back that
# starts to round leans the hip-to-shoulder line without any hinge, which reads as a stall.
# 0.2 (3 degrees at the default): good reps stay under it nine frames in ten; on the bench it
# halved the false stalls for 20-30 ms more latency at the 95th percentile. Looser, now that
# false calls are taken back when the hips go on (hips_stopped_confirm_s), 0.35 buzzed live
# on 7-9 more of 320 stalls and 5-8 ms sooner at the 95th percentile (2,160 reps), but on
# the unseen run (--seed 13000) doubled the camera's false buzzes, to 0.64 per 100.
_STICK_GATE = 0.2
# The band's stall is called only when the camera's newest frame leans the same way: its
# hips at least two noise-widths short of their own hinge line. Both witnesses are read
# against the same trunk angle, whose jitter and whose extra lean when the back rounds make
# the band's false stalls; the camera's agreement removes most of them. On the bench (2,160
# reps) 2.0 against 1.0: 15 false stalls instead of 20 (back rounding, stepping in toward
# the anchor), 6 ms later at the median, the same at the 95th percentile.
_BAND_CAMERA_Z = 2.0
# The band's brake test (which reads the band alone) is not called while the camera's newest
# frame has the hips ahead of their hinge line (its shortfall below 0 noise-widths). When the
# hips have stopped, a frame after the onset is short of the line on average (at the bench's
# true brake calls the median is 1.3-1.7 noise-widths); a burst of load-cell noise mid-descent
# leaves the camera where it was. On the bench (2,160 reps) at 15 frames a second the brake's
# false buzzes 3 -> 1 in 976 good reps (on four runs kept aside 4 -> 2), with the same
# latency; at 30 a second nothing moved. On a quiet load cell the brake calls before the
# camera has seen much, and a frame just after the onset is as often a little ahead of the
# line as behind: 0 there cost 8 ms at the 95th percentile (138 -> 146 ms, band learned
# before), 0.3 cost 17 ms for the same false buzzes at 15 a second (two fewer kept aside).
_BRAKE_CAMERA_Z = 0.0
# A stall seen this long (seconds) before the rep opened is still called when it opens.
_EARLY_STALL_S = 0.5
# After the baselines are learned afresh (first frames, back in view, turned around), the
# athlete must stand for this long (seconds) with the hips this still (leg lengths per
# second) before the standing position is taken and reps may open. Walking moves the hips
# about one leg length a second; standing, the simulator's jitter reads 0.05 at the median
# and 0.13 at the worst of 60 cameras over 0.3 s, so 0.25 tells the two apart with room.
_SETTLE_S = 0.3
_SETTLE_SPEED = 0.25
# Hip speed (leg lengths a second) that, between reps, is a walk and not a stand: walking off
# (or to another spot) upright reads as standing by its depth, and the standing position
# followed the hips away; a set stepped out of then judged its next rep's hips from where
# the walk had dragged it (at 10 pose frames a second, 3 good reps buzzed that way in 976).
# A walk moves the hips a leg length a second or more; a hinge, before its rep opens (4
# degrees of trunk), a tenth of that.
_WALK_SPEED = 0.6
# The band's tension at a frame's instant is the mean of its samples within this many seconds
# either side: three samples at 80/s, a third of the noise variance for 15 ms of waiting.
_BAND_HALF_SPAN_S = 0.015


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


class Coach:
    """Hinge analysis for one athlete at a time. Feed it samples in time order."""

    def __init__(self, config: CoachConfig,
                 band_gains: Mapping[Side, float] | None = None) -> None:
        """`band_gains`: what an earlier coach at this station learned of the band (its
        `band_gains`), so that an athlete's first rep is read on the band as well: the anchor
        stays where it is from one athlete to the next."""
        self.config = config
        cfg = config
        self._sides = SideTracker(cfg.side_settle_s, cfg.side_switch_s)
        self._reps = RepTracker(cfg)
        self._faults = LiveFaults(cfg)
        self._trunk_f = OneEuroFilter(min_cutoff=1.5, beta=0.05)
        self._hip_f = OneEuroFilter(min_cutoff=1.5, beta=0.01)
        self._knee_m = MedianWindow(3)
        self._stick_m = MedianWindow(3)
        self._trunk = Track(1.0)
        self._trunk_raw = Track(1.0)  # the frames' own trunk angles, for the band's brake
        self._trunk_line = LineEnd(_TRUNK_LINE_S)
        self._cam_stall = StallDetector(
            cfg.hips_stopped_window_s, cfg.hips_stopped_ratio, cfg.hips_stopped_noise_k,
            _TRAVEL_NOISE_FLOOR, cfg.hips_stopped_hold_s,
            evidence_k=cfg.hips_stopped_evidence_k, correlated=True)
        # The band's witness has no evidence test: its standing innovations are the load
        # cell's white noise, not the trunk's correlated jitter that its descent is judged
        # through (bench, a first trial at 4.5: 2 more false stalls, no gain at the 95th).
        self._band_stall = StallDetector(
            cfg.hips_stopped_band_window_s, cfg.hips_stopped_ratio,
            cfg.hips_stopped_band_noise_k, _TENSION_NOISE_FLOOR, cfg.hips_stopped_band_hold_s)
        self._brake = BandBrake(cfg.hips_stopped_brake_k, cfg.hips_stopped_brake_curve,
                                cfg.hips_stopped_brake_trunk, _TENSION_NOISE_FLOOR,
                                curve_weak=cfg.hips_stopped_brake_curve_weak,
                                trunk_weak=cfg.hips_stopped_brake_trunk_weak)
        self._despike = Despiker()
        self._tension_track = Track(0.5)
        self._band_frame: tuple[float, float, bool] | None = None
        self._side_gains: dict[Side, float] = dict(band_gains or {})  # learned facing each way
        self._base_hip: float | None = None
        self._base_ankle = 0.0
        self._base_leg = 1.0
        self._base_height = 0.0
        self._base_trunk = 0.0
        self._base_stick = 0.0
        self._base_tension: float | None = None
        self._last: Features | None = None
        self._last_seen: float | None = None
        self._travel = 0.0
        self._tension: float | None = None
        self._tension_t: float | None = None
        self._in_view = False
        self._rep_seen: Rep | None = None
        self._early_stall: float | None = None
        self._held: list[Event] = []  # live faults waiting out a possible turn
        self._stall_call: tuple[Rep, float, float] | None = None  # rep, time, travel
        self._was_still = False
        self._stick_off = 0.0
        self._hip_speed = SlopeWindow(_SETTLE_S)
        self._settled = False
        self._still_since: float | None = None  # the current stand's first frame

    # ----- what the screen reads -----
    @property
    def side(self) -> Side | None:
        return self._sides.side

    @property
    def band_trusted(self) -> bool:
        """Whether the band's tension is used as a witness of the hips right now."""
        return self._facing_gain() is not None

    @property
    def band_gains(self) -> dict[Side, float]:
        """The band's gain learned for each way the athlete has faced (newtons per leg length
        of hip travel, signed), to hand to the coach of the next athlete."""
        return dict(self._side_gains)

    def forget_band(self) -> None:
        """The band may have been rigged anew (calibrated, or its tension lost): learn its
        gain again from the next movements."""
        self._side_gains.clear()

    @property
    def snapshot(self) -> CoachSnapshot:
        f = self._last
        return CoachSnapshot(
            phase=self._reps.phase, side=self._sides.side, rep_index=self._reps.count,
            in_view=self._in_view, hip_travel=self._travel,
            trunk_deg=f.trunk if f else 0.0, knee_deg=f.knee if f else 0.0,
            stick_deg=(f.stick - self._base_stick) if f else 0.0, tension_n=self._tension,
            band_trusted=self.band_trusted)

    # ----- inputs -----
    def add_tension(self, sample: TensionSample) -> list[Event]:
        """One band-tension sample: band_slack, and the band's witness of the hips."""
        force = self._despike.add(sample.force_n)
        t = sample.t
        self._tension, self._tension_t = force, t
        self._tension_track.add(t, force)
        rep = self._reps.rep
        events: list[Event] = []
        if rep is None and self._reps.still:
            base = self._base_tension
            self._base_tension = force if base is None else (
                base + _TENSION_ALPHA * (force - base))
        if rep is not None:
            rep.add_tension(force)
            events += self._faults.band(rep, t, force)
        events += self._brake_step(t, force, sample.force_n)
        pending = self._band_frame
        if pending is not None and t >= pending[0] + _BAND_HALF_SPAN_S:
            self._band_frame = None
            t_frame, trunk, moving = pending
            if moving:
                events += self._band_witness(t, t_frame, trunk)
            else:  # standing still: the band's noise, read the way the witness reads it
                force = self._tension_track.mean_between(t_frame - _BAND_HALF_SPAN_S,
                                                         t_frame + _BAND_HALF_SPAN_S)
                if force is not None:
                    self._band_stall.standing(force)
        return self._hold_while_turning(t, events)

    def _brake_step(self, t: float, force: float, raw: float) -> list[Event]:
        """The band's brake test (brake.py) on one despiked sample (`raw`: as it came)."""
        brake = self._brake
        if brake.k <= 0.0:
            return []
        if self._reps.still:
            brake.standing(raw, force)
            brake.reset_rep()
            return []
        gain = self._witness_gain()
        if (gain is None or self._reps.phase not in (Phase.STANDING, Phase.DESCENDING)
                or force <= self.config.band_slack_min_n + _BAND_MARGIN_N):
            brake.reset_rep()
            return []
        if (brake.descending(t, force if gain > 0 else -force, self._trunk_raw)
                and self._cam_stall.last_z >= _BRAKE_CAMERA_Z):
            # The band reads the hips themselves: a back leaving the stick does not lean it.
            return self._stalled(t, stick_gate=False)
        return []

    def _band_witness(self, t: float, t_frame: float, trunk: float) -> list[Event]:
        """Judge the last frame's instant on the band: the tension around it, against the
        hinge line the band has drawn so far in this descent (stall.py)."""
        gain = self._witness_gain()
        if gain is None:
            return []
        force = self._tension_track.mean_between(t_frame - _BAND_HALF_SPAN_S,
                                                 t_frame + _BAND_HALF_SPAN_S)
        if force is None or force <= self.config.band_slack_min_n + _BAND_MARGIN_N:
            return []
        origin = ((self._base_trunk, self._base_tension) if self._base_tension is not None
                  else None)
        if (self._band_stall.descending(t_frame, force, self._trunk, trunk,
                                        sign=1.0 if gain > 0 else -1.0, origin=origin)
                and self._cam_stall.last_z >= _BAND_CAMERA_Z):
            return self._stalled(t)
        return []

    def add_pose(self, frame: PoseFrame) -> list[Event]:
        """One pose frame; returns the events it caused (possibly none)."""
        events: list[Event] = []
        present = frame.has_person
        rows = frame.landmarks.tolist() if present else None
        side, changed = self._sides.add(frame.t, facing_vote(frame, rows) if present else None)
        if changed and side is not None:
            events.append(SideDetected(frame.t, side))
            self._reps.drop()  # a "rep" that began facing the other way was the turn itself
            self._held.clear()  # and what it seemed to do wrong
            self._reset_baselines()
        if side is None:
            self._in_view = present
            return events
        feats = measure(frame, side, self.config.min_visibility, rows)
        self._in_view = feats is not None
        if feats is None:
            return events  # a lost or unsure frame neither starts nor breaks a rep
        if self._last_seen is not None and feats.t - self._last_seen > self.config.lost_reset_s:
            self._back_after_a_while(feats)
        self._last_seen = feats.t
        return events + self._hold_while_turning(feats.t, self._step(feats))

    def _hold_while_turning(self, t: float, events: list[Event]) -> list[Event]:
        """Live faults wait while the facing votes go against the side: turning around
        leans the hip-shoulder line and moves head and hips as no stand does, and a buzz
        then is a buzz at nothing. If the side flips they are dropped with the "rep" the
        turn made; if the votes come back, they sound then (if their rep is still going)."""
        if self._sides.turning:
            kept: list[Event] = []
            for e in events:
                (self._held if isinstance(e, FaultDetected) and e.live else kept).append(e)
            return kept
        if not self._held:
            return events
        rep = self._reps.rep
        held = [replace(e, t=t) for e in self._held
                if rep is not None and e.index == rep.index]
        self._held.clear()
        return held + events

    def finish(self, t: float) -> list[Event]:
        """End of the stream: a rep still in progress is dropped (it never finished)."""
        self._reps.drop()
        return []

    # ----- per frame -----
    def _back_after_a_while(self, f: Features) -> None:
        """Back in view after a while. The same athlete on the same spot keeps the standing
        baselines: someone walked between them and the camera, or pose was lost, and they may
        be back mid-rep, where the standing position cannot be read. Anyone else, or anywhere
        else, is learned afresh from their next stand."""
        self._reps.back_in_view()
        if self._reps.rep is not None:
            return  # out of view mid-rep and back in it: the rep goes on
        leg = self._base_leg
        if not (self._settled and abs(f.leg - leg) <= _SAME_LEG * leg
                and abs(f.ankle_forward - self._base_ankle) <= _SAME_SPOT * leg):
            self._reset_baselines()
            return
        assert self._base_hip is not None  # settled
        self._base_hip += f.ankle_forward - self._base_ankle  # feet set down a little off
        self._base_ankle = f.ankle_forward
        self._reset_signals()

    def _reset_baselines(self) -> None:
        self._reps.restand()
        self._base_hip = None
        self._settled = False
        self._hip_speed.reset()
        self._still_since = None
        self._reset_signals()

    def _reset_signals(self) -> None:
        """Forget the filters' and windows' history: it ends before a gap in view."""
        self._trunk_f.reset()
        self._hip_f.reset()
        self._trunk.clear()
        self._trunk_raw.clear()
        self._trunk_line.reset()
        self._cam_stall.clear()

    def _step(self, f: Features) -> list[Event]:
        self._last = f
        trunk = self._trunk_f(f.t, f.trunk)
        hip = self._hip_f(f.t, f.hip_forward)
        knee = self._knee_m.add(f.knee)
        stick = self._stick_m.add(f.stick)
        if self._settled and self._walking(f):
            # Upright, a walk reads as standing by its depth, and the standing position
            # would follow the hips away: learned afresh when the athlete stands again.
            self._settled = False
            self._still_since = None
            self._reps.restand()
        if not self._settled:
            # Not yet standing in one place (just arrived, walking in): the standing
            # position is wherever the athlete is, and no rep may open until they stand.
            self._base_hip, self._base_leg = f.hip_forward, f.leg
            self._base_ankle = f.ankle_forward
            self._base_height = f.hip_height
            self._base_trunk, self._base_stick = trunk, stick
            self._settle(f)
            if not self._settled:
                self._travel = 0.0
                return []
        raw_travel = (self._base_hip - f.hip_forward) / self._base_leg
        travel = (self._base_hip - hip) / self._base_leg
        drop = (self._base_height - f.hip_height) / self._base_leg
        self._travel = travel
        self._confirm_stall(f.t)
        trunk_now = self._trunk_line.add(f.t, f.trunk)
        self._trunk.add(f.t, trunk_now)
        self._trunk_raw.add(f.t, f.trunk)
        events: list[Event] = []

        if self._reps.still:  # standing still: the baselines follow the athlete
            a = _BASELINE_ALPHA
            self._base_hip += a * (hip - self._base_hip)
            self._base_leg += a * (f.leg - self._base_leg)
            self._base_ankle += a * (f.ankle_forward - self._base_ankle)
            self._base_height += a * (f.hip_height - self._base_height)
            self._base_trunk += a * (trunk - self._base_trunk)
            self._base_stick += a * (stick - self._base_stick)
        self._stick_off = stick - self._base_stick
        events += self._reps.step(f.t, trunk, drop, travel, knee)
        rep = self._reps.rep
        if self._reps.still:
            if not self._was_still:
                self._cam_stall.restart_noise()
                self._band_stall.restart_noise()
                self._brake.restart_noise()
            self._cam_stall.standing(raw_travel)
            self._cam_stall.reset_rep()
            self._band_stall.reset_rep()
            self._early_stall = None
        self._was_still = self._reps.still
        if self._reps.phase is Phase.ASCENDING:
            # On the way up: the next descent (a chained rep) draws its own hinge line.
            self._cam_stall.reset_rep()
            self._band_stall.reset_rep()
        # From the first movement (before the rep is sure) the stall detectors draw this
        # descent's hinge line; they may judge it once the rep has opened.
        moving = not self._reps.still and self._reps.phase in (Phase.STANDING,
                                                                Phase.DESCENDING)
        if moving and self._cam_stall.descending(f.t, raw_travel, self._trunk, trunk_now,
                                                 origin=(self._base_trunk, 0.0)):
            events += self._stalled(f.t)
        # The band judges this same instant once its samples on both sides have arrived.
        self._band_frame = (f.t, trunk_now, moving) if (moving or self._reps.still) else None
        if rep is None:
            return events
        if rep is not self._rep_seen:
            self._rep_seen = rep
            if self._early_stall is not None and f.t - self._early_stall <= _EARLY_STALL_S:
                events += self._call_stall(rep, f.t)
            self._early_stall = None
        self._learn_band(rep, travel)
        descending = self._reps.phase is Phase.DESCENDING
        events += self._faults.pose(rep, f.t, travel, drop, knee, stick - self._base_stick,
                                    trunk, descending)
        events += self._reps.finish_step(f.t, self._score)
        return events

    def _walking(self, f: Features) -> bool:
        """Between reps, the hips moving at a walk's speed (_WALK_SPEED)."""
        if self._reps.rep is not None:
            self._hip_speed.reset()  # a rep moves the hips: their speed starts after it
            return False
        speed = self._hip_speed.add(f.t, f.hip_forward)
        return speed is not None and abs(speed) > _WALK_SPEED * f.leg

    def _settle(self, f: Features) -> None:
        """Settled once the hips have kept still over a whole _SETTLE_S (sway, not a walk)."""
        speed = self._hip_speed.add(f.t, f.hip_forward)  # pixels per second
        if speed is not None and abs(speed) > _SETTLE_SPEED * f.leg:
            self._hip_speed.reset()  # moving: the stand starts again from the next frame
            self._still_since = None
            return
        if self._still_since is None:
            self._still_since = f.t
        # (0.9: frames come a little early or late; the time since the stand's first frame,
        # not the span of the speed's window, which holds whole frame intervals only.)
        self._settled = speed is not None and f.t - self._still_since >= 0.9 * _SETTLE_S

    def _stalled(self, t: float, stick_gate: bool = True) -> list[Event]:
        """The hips stopped: buzz in a descending rep, or hold it for the rep about to open.
        `stick_gate`: not while the back rounds (for witnesses read against the trunk)."""
        if stick_gate and abs(self._stick_off) > _STICK_GATE * self.config.stick_max_deg:
            # The back is rounding off the stick: the hip-to-shoulder line leans further
            # than the hips hinge, so it no longer draws the hinge. The stick is the call.
            return []
        if self._reps.unseen_start:
            # A descent not seen from its start: its hinge line cannot be drawn, and hips
            # slowing into its bottom would read as a stall.
            return []
        rep = self._reps.rep
        if rep is None:
            self._early_stall = t if self._early_stall is None else self._early_stall
            return []
        if self._reps.phase is Phase.DESCENDING:
            return self._call_stall(rep, t)
        return []

    def _call_stall(self, rep: Rep, t: float) -> list[Event]:
        """Raise hips_stopped live (the buzz), and watch the hips to confirm it."""
        if rep.stall_taken_back:
            return []  # its hips are known to go on back: no second buzz for this descent
        events = raise_fault(rep, Fault.HIPS_STOPPED, t)
        if events:
            self._stall_call = (rep, t, self._travel)
        return events

    def _confirm_stall(self, t: float) -> None:
        """Take a hips_stopped call back from the rep's verdict if the hips went on back
        soon after it, sooner than an athlete could answer the buzz: they had not stopped."""
        call = self._stall_call
        if call is None:
            return
        rep, t_call, travel = call
        if rep is not self._reps.rep or t > t_call + self.config.hips_stopped_confirm_s:
            self._stall_call = None
        elif self._travel - travel > self.config.hips_stopped_resume:
            if Fault.HIPS_STOPPED in rep.faults:
                rep.faults.remove(Fault.HIPS_STOPPED)
            rep.stall_taken_back = True
            self._stall_call = None

    def _learn_band(self, rep: Rep, travel: float) -> None:
        """Pair the camera's hip travel with the band's tension, to learn the band's gain."""
        t = self._last.t if self._last else 0.0
        if (self._tension is None or self._tension_t is None
                or t - self._tension_t > self.config.band_stale_s):
            self.forget_band()  # no fresh tension: the camera alone, and the band may be
            return  # anchored anew when it is back
        if self._tension <= self.config.band_slack_min_n + _BAND_MARGIN_N:
            return
        rep.band.add(travel, self._tension)

    def _witness_gain(self) -> float | None:
        """The band's gain to read the hips by: the one learned over the reps so far, else
        the one this rep has learned (an athlete's first rep), else None."""
        gain = self._facing_gain()
        rep = self._reps.rep
        if gain is None and rep is not None:
            return rep.band.gain
        return gain

    def _facing_gain(self) -> float | None:
        """The band's gain learned for the way the athlete faces now. The anchor stays where
        it is, so turned around the hips go back the other way along the band and its tension
        changes the other way: the gain learned facing this way, else the one learned facing
        the other way with its sign turned, else None (learned again from the next rep)."""
        side = self._sides.side
        if side is None:
            return None
        if side in self._side_gains:
            return self._side_gains[side]
        other = [g for s, g in self._side_gains.items() if s is not side]
        return -other[0] if other else None

    def _score(self, rep: Rep, t: float) -> list[Event]:
        gain = rep.band.gain
        side = self._sides.side
        if gain is not None and side is not None:
            self._side_gains[side] = gain
        return score_rep(rep, t, self.config)
