"""hips_stopped, called live: the hips stop going back while the trunk folds on.

Two witnesses see the hips: the band (80 tension samples a second, at once) and the camera
(its hip travel, 5-30 frames a second, a pose's inference late). Three tests ask each, in its
own way, whether the hips stopped at some moment, and the first that is sure calls:

- the band's own shape (shape.py), on every tension sample: for each recent onset, the
  log-likelihood ratio of "stopped there" over "went on" (easing as a hinge may), called at
  a set bar; judged only where the trunk was folding;
- the camera's hip travel against this descent's hinge line (stall.py), every frame, and
  against an older line that holds the hinge from before an early stall a while longer;
- a noisy band's tension against its own hinge line (stall.py), at each frame's instant,
  while the camera's newest frame leans the same way (`band_camera_z`): a quiet load cell is
  left to its own shape.

The hinge-line tests are not judged while the back folds forward off the stick
(`stick_gate`): the hip-to-shoulder line then leans further than the hips hinge, so it no
longer draws the hinge, and the stick is the call. (Folded back, the stick shows the shoulder
point's jitter, or a deep hinge: they judge on.) Nor past `hinge_line_max_fold_deg` of fold,
where a deep hinge's last frames fall short of the line by the camera's jitter alone. A
descent not seen from its start is not judged. A stall seen just before the rep opened is
called when it opens; the band's shape opens it itself when the frames are already off
standing (they come a few a second, a pose's inference late).

A call is taken back from the rep's verdict (its buzz has sounded) when the hips go on back
by `hips_stopped_resume` within `hips_stopped_confirm_s`, sooner than an athlete can answer
the buzz (they had not stopped). Its descent is not called again.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from station.coach.band import Band
from station.coach.baseline import StandingBaseline
from station.coach.faults import raise_fault
from station.coach.reps import Rep, RepTracker
from station.coach.shape import BandWitness, Onset
from station.coach.signals import LineEnd, Track
from station.coach.stall import LineSample, StallDetector
from station.coach.tuning import Tuning
from station.config import CoachConfig
from station.domain import Event, Fault, Phase


@dataclass(frozen=True, slots=True)
class BandFrame:
    """A frame's instant, waiting for the band's samples on both sides of it."""

    t: float
    trunk_now: float  # the trunk's angle at it (the end of its straight line)
    moving: bool  # the hips on their way back (judge it), else standing still (the noise)


@dataclass(slots=True)
class StallCall:
    """A hips_stopped call, watched in case the hips go on back at once."""

    rep: Rep
    t: float
    # The hip travel of the first frame from the call's instant on (leg lengths): the band
    # may call before the camera's frames of that instant have come.
    travel: float | None = None


class HipsStopped:
    """The live hips_stopped judgement of the athlete in view (see the module's doc)."""

    def __init__(self, config: CoachConfig, tuning: Tuning, reps: RepTracker, band: Band,
                 stand: StandingBaseline) -> None:
        self.config = config
        self.tuning = tun = tuning
        self._reps, self._band, self._stand = reps, band, stand
        ratio = config.hips_stopped_ratio
        self._camera = StallDetector(
            tun.hips_stopped_window_s, ratio, tun.hips_stopped_noise_k, tun.travel_noise_floor,
            tun.hips_stopped_hold_s, tun, lags=tun.hips_stopped_line_lags_s,
            evidence_k=tun.hips_stopped_evidence_k, correlated=True)
        # The band's witness has no innovations test: its standing innovations are the load
        # cell's white noise, not the trunk's correlated jitter its descent is judged through.
        self._band_line = StallDetector(
            tun.hips_stopped_band_window_s, ratio, tun.hips_stopped_band_noise_k,
            tun.band_line_noise_floor_n, tun.hips_stopped_band_hold_s, tun,
            lags=tun.hips_stopped_line_lags_s[:1])
        self._shape = BandWitness(tun, ratio)
        self._onsets: list[Onset] = []
        self._next_onset: float | None = None
        # Readings of a descent whose band's sign is not known yet (an athlete's first rep):
        # weighed once it is, so the band's shape reads the hips from where they set off.
        self._unsigned: deque[tuple[float, float]] = deque()
        self._trunk = Track(tun.trunk_history_s)  # the trunk's line ends, for the lines
        self._trunk_line = LineEnd(tun.trunk_line_s)
        self._was_still = False
        self._stick_off = 0.0  # the stick's bend off standing at the last frame
        self._fold = 0.0  # the last frame's trunk past standing (degrees)
        self._frame: tuple[float, float] | None = None  # the last frame's time and travel
        self._early: float | None = None  # a stall seen before the rep opened
        self._rep_seen: Rep | None = None
        self._call: StallCall | None = None
        self._waiting: BandFrame | None = None

    def clear(self) -> None:
        """A gap in view: the trunk's history ends before it, and the camera's hinge line and
        stand with it."""
        self._trunk.clear()
        self._trunk_line.reset()
        self._camera.clear()
        self._shape_reset()

    def take_back(self, t: float, travel: float) -> None:
        """A frame at time t, before the rep tracker reads it (`travel`: its hip travel):
        take the last call back from the rep's verdict if the hips went on back soon after
        it, sooner than an athlete could answer the buzz."""
        last = self._frame
        self._frame = (t, travel)
        call = self._call
        if call is None:
            return
        if call.rep is not self._reps.rep or t > call.t + self.tuning.hips_stopped_confirm_s:
            self._call = None
        elif t < call.t:
            return  # a frame from before the call, come late
        elif call.travel is None:
            # The first frame from the call's instant on: the travel at that instant, read
            # between it and the frame before.
            call.travel = travel
            if last is not None and last[0] < call.t < t:
                call.travel = last[1] + (travel - last[1]) * (call.t - last[0]) / (t - last[0])
        elif travel - call.travel > self.tuning.hips_stopped_resume:
            self._take_back(call)

    def frame(self, t: float, trunk: float, travel: float, stick_off: float) -> list[Event]:
        """A frame after the rep tracker read it: its own trunk angle, its unsmoothed hip
        travel and the stick's bend off standing. Returns the calls it makes."""
        reps = self._reps
        self._stick_off = stick_off
        self._fold = trunk - self._stand.trunk
        trunk_now = self._trunk_line.add(t, trunk)
        self._trunk.add(t, trunk_now)
        sample = LineSample(t, travel, self._trunk, trunk_now, sign=1.0,
                            origin=(self._stand.trunk, 0.0))
        events: list[Event] = []
        if reps.still:
            if not self._was_still:
                self._camera.restart_noise()
                self._band_line.restart_noise()
                self._shape.noise.restart()
            self._camera.standing(sample)
            self._camera.reset_rep()
            self._band_line.reset_rep()
            self._early = None
        self._was_still = reps.still
        if reps.phase is Phase.ASCENDING:
            # On the way up: the next descent (a chained rep) draws its own hinge line.
            self._camera.reset_rep()
            self._band_line.reset_rep()
        # From the first movement (before the rep is sure) the tests draw this descent's
        # hinge line; they may judge it once the rep has opened.
        moving = not reps.still and reps.phase in (Phase.STANDING, Phase.DESCENDING)
        if moving and self._camera.descending(sample):
            events += self._stalled(t)
        self._waiting = BandFrame(t, trunk_now, moving) if (moving or reps.still) else None
        rep = reps.rep
        if rep is not None and rep is not self._rep_seen:
            self._rep_seen = rep
            if self._early is not None and t - self._early <= self.tuning.early_stall_s:
                events += self._call_stall(rep, t)
            self._early = None
        return events

    def tension(self, t: float, force: float, raw: float) -> list[Event]:
        """A tension sample, despiked (`force`) and as it came (`raw`)."""
        events = self._shape_step(t, force, raw)
        frame = self._waiting
        if frame is not None and t >= frame.t + self.tuning.band_half_span_s:
            self._waiting = None
            if frame.moving:
                events += self._band_witness(t, frame)
            else:  # standing still: the band's noise, read the way the witness reads it
                at = self._band.at(frame.t)
                if at is not None:
                    self._band_line.standing(LineSample(frame.t, at, self._trunk,
                                                        frame.trunk_now))
        return events

    def _gain(self, early: bool = False) -> float | None:
        rep = self._reps.rep
        return self._band.witness_gain(rep.band if rep is not None else None, early)

    def _trunk_folding(self, c: float) -> bool | None:
        """Whether the trunk was folding (at `shape_trunk_dps`) at its last frame by c: True
        as soon as the frames show it, False once a frame after c has come (the frames by c
        are all in), else None (not known yet)."""
        times = self._trunk.times
        i = len(times) - 1
        while i > 0 and times[i] > c:
            i -= 1
        settled = bool(times) and times[-1] > c
        t1, t0 = (times[i], times[max(0, i - 2)]) if times else (0.0, 0.0)
        if i < 1 or t1 <= t0:
            return False if settled else None
        values = self._trunk.values
        speed = (values[i] - values[max(0, i - 2)]) / (t1 - t0)
        if speed >= self.tuning.shape_trunk_dps:
            return True
        return False if settled else None

    def _shape_reset(self) -> None:
        self._shape.reset()
        self._onsets.clear()
        self._next_onset = None
        self._unsigned.clear()

    def _shape_step(self, t: float, force: float, raw: float) -> list[Event]:
        """The band's own shape: each onset's evidence, weighed with this reading (and
        with the readings that waited for the band's sign)."""
        shape, reps = self._shape, self._reps
        shape.timing.add(t)
        if reps.still:
            shape.standing(raw, force)
        if (reps.phase not in (Phase.STANDING, Phase.DESCENDING) or reps.unseen_start
                or self._band.near_slack(force)):
            self._shape_reset()
            return []
        gain = self._gain(early=True)
        waiting = self._unsigned
        if gain is None:
            waiting.append((t, raw))
            while t - waiting[0][0] > self.tuning.band_sign_wait_s:
                waiting.popleft()
            return []
        best = max(self._weigh(tw, rw if gain > 0 else -rw, gain) for tw, rw in
                   (*waiting, (t, raw)))
        waiting.clear()
        if best < self.tuning.hips_stopped_evidence:
            return []
        events: list[Event] = []
        if (reps.rep is None and reps.phase is Phase.STANDING
                and reps.over >= self.tuning.still_deg):
            # Hips that went back and stopped while the trunk folds, the frames already
            # past standing: a rep's descent, which they (a few a second, a pose's
            # inference late) have not yet shown at speed or deep enough to open it.
            events.append(reps.open_now(t))
        # The band reads the hips themselves: a back leaving the stick does not lean it.
        return events + self._stalled(t, stick_gate=False)

    def _weigh(self, t: float, y: float, gain: float) -> float:
        """One reading, read with the band's sign (`y`): the best onset's evidence now."""
        shape = self._shape
        if not shape.add(t, y, gain):
            return 0.0  # a spike
        step = self.tuning.hips_stopped_onset_step_s
        if self._next_onset is None:
            self._next_onset = (int(t / step) + 1) * step
        while self._next_onset < t:
            self._onsets.append(Onset(self._next_onset))
            self._next_onset += step
        life = self.tuning.hips_stopped_onset_life_s
        while self._onsets and self._onsets[0].c < t - life:
            self._onsets.pop(0)
        best = 0.0
        for onset in self._onsets:
            if onset.done:
                continue
            model = onset.model
            if model is None:
                # Hips that stop while the trunk folds on: the trunk must have been folding
                # at its last frame by c (not a step toward the anchor, or a stand). Until
                # the frames up to c have all come (a pose's inference late), it waits.
                folding = self._trunk_folding(onset.c)
                if folding is None:
                    continue
                model = shape.trend(onset.c, gain) if folding else None
                if model is None:
                    onset.done = True
                    continue
                onset.model = model
                onset.evidence = shape.catch_up(model)  # the readings since c
            else:
                onset.evidence = shape.weigh(model, t, y)
            best = max(best, onset.evidence)
            if onset.evidence < -self.tuning.hips_stopped_evidence:
                onset.done = True  # the hips went on past it, plainly
        return best

    def _band_witness(self, t: float, frame: BandFrame) -> list[Event]:
        """Judge a frame's instant on the band: the tension around it, against the hinge
        line the band has drawn so far in this descent. A quiet load cell is left to its own
        shape: read against the camera's trunk, it would carry the trunk's jitter."""
        gain = self._gain()
        if gain is None or self._shape.sigma < self.tuning.band_line_least_noise_n:
            return []
        force = self._band.at(frame.t)
        if force is None or self._band.near_slack(force):
            return []
        standing = self._band.standing
        origin = (self._stand.trunk, standing) if standing is not None else None
        sample = LineSample(frame.t, force, self._trunk, frame.trunk_now,
                            sign=1.0 if gain > 0 else -1.0, origin=origin)
        if (self._band_line.descending(sample)
                and self._camera.last_z >= self.tuning.band_camera_z):
            return self._stalled(t)
        return []

    def _stalled(self, t: float, stick_gate: bool = True) -> list[Event]:
        """The hips stopped: call it in a descending rep, or hold it for the rep about to
        open. `stick_gate`: not while the back rounds, nor deep in the fold (for the tests
        read against the trunk)."""
        tun = self.tuning
        if stick_gate and (self._stick_off > tun.stick_gate * self.config.stick_max_deg
                           or self._fold > tun.hinge_line_max_fold_deg):
            return []
        if self._reps.unseen_start:
            return []
        rep = self._reps.rep
        if rep is None:
            self._early = t if self._early is None else self._early
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
            frame = self._frame
            self._call = StallCall(rep, t, frame[1] if frame and frame[0] == t else None)
        return events

    def _take_back(self, call: StallCall) -> None:
        if Fault.HIPS_STOPPED in call.rep.faults:
            call.rep.faults.remove(Fault.HIPS_STOPPED)
        call.rep.stall_taken_back = True
        self._call = None
