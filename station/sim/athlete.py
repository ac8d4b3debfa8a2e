"""The simulated athlete: plans a set of hinges (good ones and each fault) and moves through it.

Each rep is planned from its kind; `posture_at` turns the plan into joint angles at any
instant and `band_tension_at` into the band's pull. Every plan carries its ground truth:
the faults it shows and the instant the hips stopped for `hips_stopped`.
"""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from station.domain import Fault
from station.sim.body import Body, Posture


class RepKind(StrEnum):
    """What the simulated athlete does in one rep."""

    GOOD = "good"
    SQUAT = "squat"  # hips stop going back, knees bend and drop: hips_stopped + knee_bend
    KNEE_BEND = "knee_bend"  # hips keep going back but the knees bend far too much
    HEAD_OFF = "head_off"  # head drops off the stick: stick_contact
    BACK_ROUNDS = "back_rounds"  # upper back rounds off the stick: stick_contact
    SHALLOW = "shallow"  # the hips barely go back
    SLACK = "slack"  # the athlete stepped in: the band goes slack at the bottom

    @property
    def faults(self) -> tuple[Fault, ...]:
        return {
            RepKind.GOOD: (),
            RepKind.SQUAT: (Fault.HIPS_STOPPED, Fault.KNEE_BEND),
            RepKind.KNEE_BEND: (Fault.KNEE_BEND,),
            RepKind.HEAD_OFF: (Fault.STICK_CONTACT,),
            RepKind.BACK_ROUNDS: (Fault.STICK_CONTACT,),
            RepKind.SHALLOW: (Fault.SHALLOW,),
            RepKind.SLACK: (Fault.BAND_SLACK,),
        }[self]


# How often each kind comes up in a random set: half good, the rest spread over the faults.
DEFAULT_MIX: dict[RepKind, float] = {
    RepKind.GOOD: 0.45,
    RepKind.SQUAT: 0.15,
    RepKind.KNEE_BEND: 0.08,
    RepKind.HEAD_OFF: 0.08,
    RepKind.BACK_ROUNDS: 0.06,
    RepKind.SHALLOW: 0.10,
    RepKind.SLACK: 0.08,
}


@dataclass(frozen=True)
class Stance:
    """How the athlete stands between reps (degrees, metres)."""

    shin: float
    knee: float
    trunk: float
    neck: float

    @classmethod
    def random(cls, rng: np.random.Generator) -> Stance:
        return cls(shin=rng.uniform(0.0, 3.0), knee=rng.uniform(3.0, 8.0),
                   trunk=rng.uniform(1.0, 6.0), neck=rng.uniform(-4.0, 4.0))


@dataclass(frozen=True)
class RepPlan:
    """One planned rep: timing (seconds from the set's start), depth and the fault it shows."""

    index: int
    kind: RepKind
    start: float
    descent_s: float
    pause_s: float
    ascent_s: float
    trunk_bottom: float  # degrees from vertical
    travel_bottom: float  # metres the hips travel back
    shin_bottom: float  # degrees
    stop_fraction: float  # squat: fraction of the descent at which the hips stop
    squat_shin: float  # squat / knee_bend: shin tilt at the bottom (degrees)
    stick_peak: float  # head_off / back_rounds: peak bend off the stick line (degrees)
    stick_from: float  # fraction of the descent at which the bend begins
    step_in_n: float  # slack: how much tension the athlete loses by stepping in (newtons)
    from_depth: float = 0.0  # fraction of its own depth the rep starts from (chained reps)
    to_depth: float = 0.0  # fraction of its depth it comes back up to (0: standing tall)
    counts: bool = True  # False for a movement abandoned before rep depth (not a rep)

    @property
    def end(self) -> float:
        return self.start + self.descent_s + self.pause_s + self.ascent_s

    @property
    def hips_stopped_t(self) -> float | None:
        """Ground truth: the instant the hips stopped going back (squat reps only)."""
        if self.kind is RepKind.SQUAT:
            return self.start + self.stop_fraction * self.descent_s
        return None


@dataclass(frozen=True)
class RepTruth:
    """What a rep really was, for checking the coach."""

    index: int
    kind: RepKind
    start: float
    end: float
    faults: tuple[Fault, ...]
    hips_stopped_t: float | None

    @classmethod
    def of(cls, plan: RepPlan) -> RepTruth:
        return cls(plan.index, plan.kind, plan.start, plan.end, plan.kind.faults,
                   plan.hips_stopped_t)


# Sine of the steepest thigh angle back from vertical a plan may reach (72 degrees): a
# thigh at horizontal is as far back as the hips can go over flat feet.
_MAX_THIGH_SIN = 0.95


def plan_rep(rng: np.random.Generator, index: int, kind: RepKind, start: float, body: Body,
             stance: Stance, tempo: float) -> RepPlan:
    """Draw one rep of `kind` with a realistic depth and timing.

    Depth is set the way a coach sees it: knee flexion and shin tilt at the bottom; the hip
    travel then follows from the leg's geometry with the feet flat.
    """
    descent = rng.uniform(1.0, 2.2) * tempo
    ascent = rng.uniform(0.8, 1.6) * tempo
    pause = rng.choice([0.0, rng.uniform(0.1, 0.4), rng.uniform(0.5, 1.5)], p=[0.4, 0.4, 0.2])
    trunk = rng.uniform(50.0, 80.0)
    # A good hinge: knees soft (18-30 degrees) and shins vertical or tilted back a little.
    knee = rng.uniform(18.0, 30.0)
    shin = rng.uniform(-8.0, -3.0)
    if kind is RepKind.SHALLOW:
        trunk = rng.uniform(36.0, 46.0)
        knee = stance.knee + rng.uniform(1.0, 5.0)
        shin = rng.uniform(-1.0, 1.0)
    elif kind is RepKind.SQUAT:
        trunk = rng.uniform(38.0, 60.0)
    travel = hip_back(body, knee, shin) - hip_back(body, stance.knee, stance.shin)
    stop_fraction = rng.uniform(0.3, 0.55)
    squat_shin = rng.uniform(22.0, 32.0) if kind is RepKind.SQUAT else rng.uniform(15.0, 22.0)
    if kind is RepKind.KNEE_BEND:
        # Knees that far forward leave the hips less room behind the ankle: keep the thigh
        # short of horizontal at the bottom (else the hips would stop short of their travel,
        # a hips_stopped the plan does not claim).
        room = (_MAX_THIGH_SIN * body.thigh - body.shank * math.sin(math.radians(squat_shin))
                - hip_back(body, stance.knee, stance.shin))
        travel = min(travel, room)
    return RepPlan(
        index=index, kind=kind, start=start, descent_s=descent, pause_s=float(pause),
        ascent_s=ascent, trunk_bottom=trunk, travel_bottom=travel, shin_bottom=shin,
        stop_fraction=stop_fraction,
        squat_shin=squat_shin,
        stick_peak=(rng.uniform(40.0, 60.0) if kind is RepKind.BACK_ROUNDS
                    else rng.uniform(28.0, 45.0)),
        stick_from=rng.uniform(0.2, 0.6),
        step_in_n=0.0,
    )


def hip_back(body: Body, knee_deg: float, shin_deg: float) -> float:
    """How far (metres) the hip sits behind the ankle for a knee flexion and shin tilt."""
    thigh_back = math.radians(knee_deg - shin_deg)
    return body.thigh * math.sin(thigh_back) - body.shank * math.sin(math.radians(shin_deg))


def ease(x: float) -> float:
    """Smooth 0..1 progress (zero speed at both ends), like a controlled lift."""
    x = min(1.0, max(0.0, x))
    return 0.5 - 0.5 * math.cos(math.pi * x)


@dataclass(frozen=True)
class Walk:
    """Between two reps the athlete walks out of frame, waits, and walks back."""

    start: float
    walk_s: float  # seconds to walk out (and again to walk back)
    away_s: float  # seconds out of frame
    distance: float  # metres walked along the image (signed)

    @property
    def end(self) -> float:
        return self.start + 2 * self.walk_s + self.away_s

    def shift(self, t: float) -> float:
        if t <= self.start or t >= self.end:
            return 0.0
        out = ease((t - self.start) / self.walk_s)
        back = ease((self.end - t) / self.walk_s)
        return self.distance * min(out, back)


@dataclass(frozen=True)
class Turn:
    """Between two reps the athlete turns around (and faces the other way from then on)."""

    start: float
    duration: float

    def angle(self, t: float) -> float:
        return math.pi * ease((t - self.start) / self.duration)


@dataclass(frozen=True)
class Athlete:
    """One simulated athlete doing a planned set."""

    body: Body
    stance: Stance
    plans: tuple[RepPlan, ...]
    sway_phase: float = 0.0
    walk: Walk | None = None
    turn: Turn | None = None
    _starts: tuple[float, ...] = field(init=False, repr=False, compare=False)
    _ends: tuple[float, ...] = field(init=False, repr=False, compare=False)
    _ordered: bool = field(init=False, repr=False, compare=False)

    def shift_at(self, t: float) -> float:
        """Metres the athlete has walked along the image (out of frame and back)."""
        return self.walk.shift(t) if self.walk else 0.0

    def turn_at(self, t: float) -> float:
        """Radians the athlete has turned from the way they first faced."""
        return self.turn.angle(t) if self.turn else 0.0

    def standing_hip_back(self) -> float:
        """Hip behind the ankle (metres) in the athlete's standing stance."""
        return hip_back(self.body, self.stance.knee, self.stance.shin)

    def __post_init__(self) -> None:
        # The plans' starts and ends, for finding the rep at a time in log(reps) steps, not
        # reps steps (a 1000-rep set asks a few hundred thousand times).
        starts = tuple(p.start for p in self.plans)
        ends = tuple(p.end for p in self.plans)
        ordered = all(a <= b for a, b in itertools.pairwise(starts)) and \
            all(a <= b for a, b in itertools.pairwise(ends))
        object.__setattr__(self, "_starts", starts)
        object.__setattr__(self, "_ends", ends)
        object.__setattr__(self, "_ordered", ordered)

    def rep_at(self, t: float) -> RepPlan | None:
        """The first plan (in the set's order) under way at time t, if any."""
        if self._ordered:
            # Starts and ends both in order: the plans still under way at t (end > t) follow
            # the first of them, so that one is the answer if it has started.
            i = bisect.bisect_right(self._ends, t)
            if i < len(self.plans) and self._starts[i] <= t:
                return self.plans[i]
            return None
        for plan in self.plans:
            if plan.start <= t < plan.end:
                return plan
        return None

    def posture_at(self, t: float) -> Posture:
        """Joint angles at time t (seconds from the set's start)."""
        s = self.stance
        sway = 1.0 * math.sin(0.9 * t + self.sway_phase)
        standing = Posture(s.shin, self.standing_hip_back(), s.trunk + sway, 0.0, s.neck)
        plan = self.rep_at(t)
        if plan is None:
            return standing
        return self._rep_posture(plan, t - plan.start, standing)

    def _descent(self, plan: RepPlan, u: float, st: Posture) -> Posture:
        """Posture `u` seconds into the descent."""
        p = plan.from_depth + (1.0 - plan.from_depth) * ease(u / plan.descent_s)
        trunk = st.trunk + p * (plan.trunk_bottom - st.trunk)
        travel = p * plan.travel_bottom
        shin = st.shin + p * (plan.shin_bottom - st.shin)
        rounding, neck = 0.0, st.neck
        if plan.kind is RepKind.SQUAT:
            u_stop = plan.stop_fraction * plan.descent_s
            if u > u_stop:
                # The hips coast to a stop within ~0.1 s, then the knees take over and drop.
                p_stop = ease(plan.stop_fraction)
                v_stop = (plan.travel_bottom * math.pi / (2 * plan.descent_s)
                          * math.sin(math.pi * plan.stop_fraction))
                tau = 0.03
                travel = (p_stop * plan.travel_bottom
                          + v_stop * tau * (1.0 - math.exp(-(u - u_stop) / tau)))
                q = ease((u - u_stop) / (plan.descent_s - u_stop))
                shin_stop = st.shin + p_stop * (plan.shin_bottom - st.shin)
                shin = shin_stop + q * (plan.squat_shin - shin_stop)
        elif plan.kind is RepKind.KNEE_BEND:
            shin = st.shin + p * (plan.squat_shin - st.shin)
        elif plan.kind in (RepKind.HEAD_OFF, RepKind.BACK_ROUNDS):
            f = plan.stick_from
            q = ease((u / plan.descent_s - f) / (1.0 - f)) if u / plan.descent_s > f else 0.0
            if plan.kind is RepKind.HEAD_OFF:
                neck = st.neck + q * plan.stick_peak
            else:
                rounding = q * plan.stick_peak
        return Posture(shin, st.hip_back + travel, trunk, rounding, neck)

    def _rep_posture(self, plan: RepPlan, u: float, st: Posture) -> Posture:
        if u < plan.descent_s:
            return self._descent(plan, u, st)
        bottom = self._descent(plan, plan.descent_s, st)
        if u < plan.descent_s + plan.pause_s:
            return bottom
        p = ease(1.0 - (u - plan.descent_s - plan.pause_s) / plan.ascent_s)
        p = plan.to_depth + (1.0 - plan.to_depth) * p
        return Posture(
            st.shin + p * (bottom.shin - st.shin),
            st.hip_back + p * (bottom.hip_back - st.hip_back),
            st.trunk + p * (bottom.trunk - st.trunk),
            p * bottom.rounding,
            st.neck + p * (bottom.neck - st.neck),
        )


# A latex band's tension against its elongation (stretch over rest length), as a share of
# its tension at 100%: 1 - exp(-e / 0.6) + 0.042 e^2.6, fitted (3.5% rms) to the modulus of a
# natural-rubber band compound at 100-500% (105, 154, 202, 331, 460 psi: Primeline's figures,
# quoted on chiefdelphi.com), and agreeing with TheraBand's published chart (x1.42-1.50 from
# 100% to 200% for every colour). Its stiffness is least near 150% and grows past it: x4 by
# 500% (docs/accuracy.md#the-band).
_LATEX_E0 = 0.6
_LATEX_HARD = 0.042
_LATEX_POWER = 2.6


def latex_pull(e: float) -> float:
    """A latex band's tension at elongation e (0 = slack), in units of about its tension at
    100%."""
    if e <= 0.0:
        return 0.0
    return 1.0 - math.exp(-e / _LATEX_E0) + _LATEX_HARD * e ** _LATEX_POWER


def latex_stiffness(e: float) -> float:
    """d latex_pull / de."""
    if e <= 0.0:
        return 0.0
    return math.exp(-e / _LATEX_E0) / _LATEX_E0 + _LATEX_HARD * _LATEX_POWER * e ** (
        _LATEX_POWER - 1.0)


@dataclass(frozen=True)
class Band:
    """The resistance band from the anchor to the hips.

    With the anchor behind the hips (the usual way to cue the hips back) the band shortens
    as the hips travel back toward it and its tension falls; anchored in front, it stretches
    and the tension rises. `stiffness` is newtons per metre where the athlete stands.
    `elongation` is the band's stretch there over its rest length (1.5: half as long again):
    its tension then follows a latex band's curve (`latex_pull`), so its stiffness grows with
    stretch; None keeps the tension a straight line in the stretch.
    """

    stiffness: float  # newtons per metre, where the athlete stands
    standing_n: float  # tension when standing in the athlete's spot
    anchor_behind: bool = True
    elongation: float | None = None  # stretch over rest length while standing (None: linear)

    @property
    def rest_length_m(self) -> float | None:
        """The band's rest length that gives `stiffness` at `elongation` (None if linear)."""
        e = self.elongation
        if e is None:
            return None
        return self.standing_n * latex_stiffness(e) / (latex_pull(e) * self.stiffness)

    def tension(self, travel_m: float, step_in_n: float = 0.0) -> float:
        sign = -1.0 if self.anchor_behind else 1.0
        rest = self.rest_length_m
        if rest is None:
            pull = self.standing_n + sign * self.stiffness * travel_m
        else:
            assert self.elongation is not None
            e = self.elongation + sign * travel_m / rest
            pull = self.standing_n * latex_pull(e) / latex_pull(self.elongation)
        return max(0.0, pull - step_in_n)

    def holding(self, travel_m: float, least_n: float) -> Band:
        """This band with the athlete standing far enough out (a larger standing tension)
        that `travel_m` of hip travel toward the anchor still leaves `least_n`."""
        toward = Band(self.stiffness, self.standing_n, True, self.elongation)
        if toward.tension(travel_m) >= least_n:
            return self
        if self.elongation is None:
            return Band(self.stiffness, self.stiffness * travel_m + least_n, self.anchor_behind)
        lo, hi = self.standing_n, self.standing_n + self.stiffness * travel_m + least_n
        while Band(self.stiffness, hi, True, self.elongation).tension(travel_m) < least_n:
            hi *= 2.0
        for _ in range(40):
            mid = 0.5 * (lo + hi)
            if Band(self.stiffness, mid, True, self.elongation).tension(travel_m) < least_n:
                lo = mid
            else:
                hi = mid
        return Band(self.stiffness, hi, self.anchor_behind, self.elongation)


def band_step_in(plan: RepPlan | None, t: float, ramp_s: float = 0.4) -> float:
    """Tension lost to stepping in toward the anchor around a slack rep (newtons)."""
    if plan is None or plan.step_in_n == 0.0:
        return 0.0
    before = ease((t - (plan.start - ramp_s)) / ramp_s)
    after = 1.0 - ease((t - plan.end) / ramp_s)
    return plan.step_in_n * min(before, after)
