"""A whole simulated set: athlete, camera and band together, with ground truth.

`Scenario.random` draws what varies between sets (body height, tempo, facing side, camera
distance and angle, noise, dropped frames, band stiffness); `simulate_set` runs it into the
pose stream and tension stream of docs/formats.md plus the truth of every rep. The band's
stretch and the load cell's noise and drift, when a scenario leaves them open, are drawn for
each set from its seed (load_cell_noise.py has their sources).
"""

from __future__ import annotations

import bisect
import dataclasses
import sys
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from station.domain import PoseStream, TensionStream
from station.sim.athlete import (
    DEFAULT_MIX,
    Athlete,
    Band,
    RepKind,
    RepPlan,
    RepTruth,
    Stance,
    Turn,
    Walk,
    band_step_in,
    plan_rep,
)
from station.sim.body import Body, pose_joints
from station.sim.camera import CameraView, LandmarkCamera
from station.sim.load_cell_noise import draw_load_cell, load_cell_error

LEAD_IN_S = 2.0  # standing before the first rep, as an athlete settles in
LEAD_OUT_S = 1.5  # standing after the last rep


@dataclass(frozen=True)
class Scenario:
    """Everything that differs from one simulated set to the next."""

    height_m: float = 1.75
    facing_right: bool = True
    tempo: float = 1.0  # multiplies every phase's duration
    view: CameraView = CameraView()
    fps: float = 30.0
    band_stiffness: float = 180.0  # newtons per metre of stretch, where the athlete stands
    standing_tension_n: float = 75.0
    anchor_behind: bool = True
    # The band's stretch over its rest length where the athlete stands (its tension then
    # follows a latex band's curve); None: drawn for the set (1.5-3.5).
    band_elongation: float | None = None
    tension_rate: float = 80.0  # samples per second (HX711 with RATE high)
    # What else shakes the band besides the hips (standard deviation, N): unmeasured, 0
    # unless asked for (Scenario.random(shake=1) gives the 0.2-1.0 N the bench once assumed).
    tension_noise_n: float = 0.0
    # The load cell's own noise (N rms) and drift (N a minute); None: drawn for the set from
    # the HX711's datasheet and published measurements (load_cell_noise.py).
    load_cell_noise_n: float | None = None
    load_cell_drift_n_per_min: float | None = None
    spike_rate: float = 0.002  # fraction of tension samples that are spikes
    chain_p: float = 0.0  # chance a good rep follows a good one without a full stand
    partial_p: float = 0.0  # chance of a movement abandoned before rep depth, in a rest
    step_out: bool = False  # walks out of frame and back once, between two reps
    turn: bool = False  # turns around once, between two reps (the band then pulls the other way)
    walker: bool = False  # someone walks past behind once, and pose follows them at times

    @classmethod
    def honest(cls, rng: np.random.Generator, kind: str) -> Scenario:
        """A random scenario whose camera does one of the things real cameras do (issue 24):
        `small` (the athlete a quarter of the picture tall: 6-9 m away), `plate` (a 45 cm
        plate in front of the thighs), `head_out` (a close, low camera: the head, and with
        it the person, lost at the top of each rep), `walker` (someone passes behind), or
        `oblique` (the camera 30-45 degrees off side-on)."""
        base = cls.random(rng)
        h, view = base.height_m, base.view
        if kind == "small":
            view = dataclasses.replace(view, distance=rng.uniform(6.0, 9.0) * h / 1.75)
        elif kind == "plate":
            view = dataclasses.replace(view, plate_radius=0.225 * h / 1.75)
        elif kind == "head_out":
            view = dataclasses.replace(view, distance=rng.uniform(1.6, 1.7) * h / 1.75,
                                       cam_height=0.40 * h, head_cut=True)
        elif kind == "oblique":
            yaw = rng.uniform(30.0, 45.0) * (1.0 if rng.random() < 0.5 else -1.0)
            view = dataclasses.replace(view, yaw_deg=yaw)
        elif kind != "walker":
            raise ValueError(f"no honest camera {kind!r}")
        return dataclasses.replace(base, view=view, walker=kind == "walker")

    @classmethod
    def random(cls, rng: np.random.Generator, varied: bool = False,
               shake: float = 0.0) -> Scenario:
        """A random scenario; `varied` adds what a long session brings: the anchor in front,
        chained and abandoned reps, stepping out of frame and turning around. `shake` scales
        what else shakes the band besides the hips, drawn 0.2-1.0 N (0: the load cell's own
        noise alone)."""
        height = rng.uniform(1.50, 2.00)
        distance = rng.uniform(2.6, 3.6) * height / 1.75
        view = CameraView(
            distance=distance,
            cam_height=rng.uniform(0.48, 0.6) * height,
            x_offset=rng.uniform(-0.3, 0.3),
            yaw_deg=rng.uniform(-10.0, 10.0),
            roll_deg=rng.uniform(-3.0, 3.0),
            noise_px=rng.uniform(0.3, 2.0),
            drop_rate=rng.uniform(0.0, 0.03),
        )
        scenario = cls(
            height_m=height,
            facing_right=bool(rng.random() < 0.5),
            tempo=rng.uniform(0.7, 1.5),
            view=view,
            band_stiffness=rng.uniform(100.0, 250.0),
            standing_tension_n=rng.uniform(60.0, 110.0),
            tension_noise_n=shake * rng.uniform(0.2, 1.0),
        )
        if varied:
            scenario = dataclasses.replace(
                scenario, anchor_behind=bool(rng.random() < 0.7), chain_p=0.2, partial_p=0.1,
                step_out=bool(rng.random() < 0.3), turn=bool(rng.random() < 0.3))
        return scenario


@dataclass(frozen=True, eq=False)
class SimulatedSet:
    """A simulated set: what the camera and load cell saw, and what really happened."""

    scenario: Scenario
    pose: PoseStream
    tension: TensionStream
    truth: tuple[RepTruth, ...]


def plan_set(rng: np.random.Generator, scenario: Scenario, body: Body, stance: Stance,
             reps: int, kinds: list[RepKind] | None = None) -> tuple[RepPlan, ...]:
    """Plan `reps` reps (of the given kinds, else drawn from DEFAULT_MIX) with rests between.

    With the scenario's chain_p a good rep that follows a good one starts from the last one's
    partial stand (trunk 17-26 degrees: two reps without a full stand); with partial_p a rest
    holds a movement abandoned at 12-22 degrees of trunk (not a rep: counts=False).
    """
    if kinds is None:
        names = list(DEFAULT_MIX)
        weights = np.array([DEFAULT_MIX[k] for k in names])
        kinds = [names[i] for i in rng.choice(len(names), size=reps, p=weights / weights.sum())]
    band = _band(scenario)
    plans: list[RepPlan] = []
    t = LEAD_IN_S * rng.uniform(0.8, 1.5)
    for i, kind in enumerate(kinds, start=1):
        plan = plan_rep(rng, i, kind, t, body, stance, scenario.tempo)
        if kind is RepKind.SLACK:
            # Step in so far that the band falls to 0-8 N at the bottom of the rep.
            at_bottom = band.tension(plan.travel_bottom)
            if scenario.turn:  # it may come after the turn, with the band pulling the other way
                other = dataclasses.replace(band, anchor_behind=not band.anchor_behind)
                at_bottom = max(at_bottom, other.tension(plan.travel_bottom))
            plan = dataclasses.replace(plan, step_in_n=at_bottom - rng.uniform(0.0, 8.0))
        prev = plans[-1] if plans else None
        if (prev is not None and prev.to_depth > 0.0):
            top = stance.trunk + prev.to_depth * (prev.trunk_bottom - stance.trunk)
            frac = (top - stance.trunk) / (plan.trunk_bottom - stance.trunk)
            plan = dataclasses.replace(plan, from_depth=min(0.8, frac))
        nxt = kinds[i] if i < len(kinds) else None
        chain = (kind is RepKind.GOOD and nxt is RepKind.GOOD and plan.from_depth == 0.0
                 and scenario.chain_p > 0.0 and rng.random() < scenario.chain_p)
        if chain:
            top = rng.uniform(17.0, 26.0)
            plan = dataclasses.replace(
                plan, to_depth=(top - stance.trunk) / (plan.trunk_bottom - stance.trunk))
            plans.append(plan)
            t = plan.end
            continue
        plans.append(plan)
        rest = rng.choice([rng.uniform(0.6, 1.2), rng.uniform(1.2, 3.0)], p=[0.6, 0.4])
        t = plan.end + rest * scenario.tempo
        if nxt is not None and scenario.partial_p > 0.0 and rng.random() < scenario.partial_p:
            partial = plan_rep(rng, 0, RepKind.GOOD, t, body, stance, scenario.tempo)
            partial = dataclasses.replace(
                partial, trunk_bottom=rng.uniform(12.0, 22.0), pause_s=0.0,
                descent_s=0.6 * partial.descent_s, ascent_s=0.6 * partial.ascent_s,
                travel_bottom=0.3 * partial.travel_bottom, shin_bottom=stance.shin,
                counts=False)
            plans.append(partial)
            t = partial.end + rng.uniform(0.8, 1.5)
    return tuple(plans)


def _between_reps(plans: tuple[RepPlan, ...], needed: float, where: float
                  ) -> tuple[tuple[RepPlan, ...], float | None]:
    """Make room for `needed` seconds after a rep `where` (0..1) through the set: the reps
    after it move later. Returns the new plans and when the room starts (None if no room)."""
    ends = [k for k, p in enumerate(plans[:-1]) if p.counts and p.to_depth == 0.0
            and plans[k + 1].from_depth == 0.0]
    if not ends:
        return plans, None
    k = ends[min(len(ends) - 1, int(where * len(ends)))]
    start = plans[k].end + 0.8
    shift = needed + 1.6
    moved = tuple(p if j <= k else dataclasses.replace(p, start=p.start + shift)
                  for j, p in enumerate(plans))
    return moved, start


def simulate_set(seed: int, reps: int = 10, kinds: list[RepKind] | None = None,
                 scenario: Scenario | None = None, progress: bool = False) -> SimulatedSet:
    """Simulate one set: a random scenario (unless given) and `reps` reps (`progress`: a
    bar on stderr while the frames and samples are made, for sets of hundreds of reps)."""
    rng = np.random.default_rng(seed)
    if scenario is None:
        scenario = Scenario.random(rng)
    body = Body.from_height(scenario.height_m)
    scenario = _band_and_cell(scenario, seed)
    # The athlete stands far enough out that even the deepest good hinge keeps 35 N or more.
    deepest = 0.45 * body.leg_length
    if scenario.anchor_behind or scenario.turn:
        held = _band(scenario).holding(deepest, 35.0)
        scenario = dataclasses.replace(scenario, standing_tension_n=held.standing_n)
    stance = Stance.random(rng)
    plans = plan_set(rng, scenario, body, stance, reps, kinds)
    walk = turn = None
    if scenario.step_out:
        v = scenario.view
        half_width = v.distance * v.width / 2 / v.focal_px
        away = rng.uniform(1.0, 2.5)
        plans, start = _between_reps(plans, 2 * 1.5 + away, 0.3)
        if start is not None:
            side = 1.0 if rng.random() < 0.5 else -1.0
            walk = Walk(start, 1.5, away, side * (half_width + 0.8))
    if scenario.turn:
        plans, start = _between_reps(plans, 1.0 + 2.0, 0.7)
        if start is not None:
            turn = Turn(start, 1.0)
    athlete = Athlete(body, stance, plans, sway_phase=rng.uniform(0, 6.28), walk=walk,
                      turn=turn)
    duration = (plans[-1].end if plans else 0.0) + LEAD_OUT_S

    # What real cameras add draws from a generator of its own: the rest stays as it was.
    extra = np.random.default_rng(seed + 7_000_000)
    camera = LandmarkCamera(scenario.view, body, scenario.facing_right, rng, scenario.fps,
                            extra_rng=extra)
    n = int(duration * scenario.fps)
    t_pose = np.arange(n) / scenario.fps + rng.normal(0.0, 0.001, n)
    t_pose = np.maximum.accumulate(np.maximum(t_pose, 0.0))
    landmarks = np.stack([camera.landmarks(pose_joints(body, athlete.posture_at(t)),
                                           athlete.turn_at(t), athlete.shift_at(t))
                          for t in _shown(t_pose, "simulate", " frames", progress)]) \
        if n else np.zeros((0, 33, 4), np.float32)
    if scenario.walker and n:
        _walk_past(landmarks, t_pose, scenario, extra)
    pose = PoseStream(t_pose, landmarks, scenario.view.width, scenario.view.height)

    band = _band(scenario)
    # Turned around, the athlete has the anchor on the other side: the band pulls the other way.
    turned = dataclasses.replace(band, anchor_behind=not scenario.anchor_behind)
    m = int(duration * scenario.tension_rate)
    t_ten = np.arange(m) / scenario.tension_rate + rng.normal(0.0, 0.0005, m)
    t_ten = np.maximum.accumulate(np.maximum(t_ten, 0.0))
    standing_back = athlete.standing_hip_back()
    force = np.empty(m)
    slack = _SlackRamps(plans)
    for k, t in enumerate(_shown(t_ten, "simulate band", " samples", progress)):
        plan = athlete.rep_at(t) or slack.at(t)
        travel = athlete.posture_at(t).hip_back - standing_back
        pulls = turned if (turn is not None and t >= turn.start + turn.duration / 2) else band
        force[k] = pulls.tension(travel, band_step_in(plan, t))
    force += rng.normal(0.0, scenario.tension_noise_n, m)
    spikes = rng.random(m) < scenario.spike_rate
    force[spikes] += rng.choice([-1.0, 1.0], spikes.sum()) * rng.uniform(50, 200, spikes.sum())
    assert scenario.load_cell_noise_n is not None
    assert scenario.load_cell_drift_n_per_min is not None
    force += load_cell_error(np.random.default_rng([seed, 2]), t_ten, scenario.load_cell_noise_n,
                             scenario.load_cell_drift_n_per_min)
    tension = TensionStream(t_ten, np.round(force, 2))
    truth = tuple(RepTruth.of(p) for p in plans if p.counts)
    return SimulatedSet(scenario, pose, tension, truth)


def _walk_past(landmarks: np.ndarray, t_pose: np.ndarray, scenario: Scenario,
               rng: np.random.Generator) -> None:
    """Someone walks past behind the athlete, 1.5 m further off, across the picture at a
    walk (1.3 m/s), once, somewhere in the set; while they pass, MediaPipe (which follows
    one person) takes them for the athlete now and then, for 2-6 frames at a time (at 30 a
    second). Writes their landmarks over the athlete's in `landmarks`."""
    from station.sim.body import Posture

    v = scenario.view
    height = rng.uniform(1.6, 1.9)
    body = Body.from_height(height)
    view = dataclasses.replace(v, distance=v.distance + 1.5, noise_px=1.0, drop_rate=0.0,
                               plate_radius=0.0, head_cut=False)
    camera = LandmarkCamera(view, body, bool(rng.random() < 0.5), rng, scenario.fps)
    stand = pose_joints(body, Posture(0.0, 0.0, 2.0, 0.0, 0.0))
    half = (v.distance + 1.5) * v.width / 2 / v.focal_px + 0.5
    start = rng.uniform(0.15, 0.75) * float(t_pose[-1])
    pass_s = 2.0 * half / 1.3
    way = 1.0 if rng.random() < 0.5 else -1.0
    burst = 0
    for k, t in enumerate(t_pose):
        if not start <= t <= start + pass_s:
            continue
        shift = way * (-half + 1.3 * (t - start)) - v.x_offset
        seen = camera.landmarks(stand, 0.0, shift)
        if burst <= 0 and rng.random() < 0.08 * 30.0 / scenario.fps:
            burst = max(1, round(int(rng.integers(2, 7)) * scenario.fps / 30.0))
        if burst > 0 and np.isfinite(seen[0, 0]):
            landmarks[k] = seen
        burst -= 1


def _shown(times: np.ndarray, what: str, unit: str, progress: bool) -> Iterable[float]:
    """`times`, with a progress bar on stderr when asked (shown after half a second)."""
    if not progress:
        return times
    from tqdm import tqdm

    return tqdm(times, desc=what, unit=unit, unit_scale=True, delay=0.5, leave=False,
                file=sys.stderr)


class _SlackRamps:
    """The slack reps' step-in ramps, for finding the one that covers a time quickly."""

    def __init__(self, plans: tuple[RepPlan, ...]) -> None:
        self.plans = [p for p in plans if p.kind is RepKind.SLACK]
        self.starts = [p.start - 0.5 for p in self.plans]
        self.ends = [p.end + 0.5 for p in self.plans]
        self.ordered = self.starts == sorted(self.starts) and self.ends == sorted(self.ends)

    def at(self, t: float) -> RepPlan | None:
        """The slack rep whose step-in ramp covers time t, if any (the athlete steps in
        first); the first in the set's order when two do."""
        if self.ordered:  # as `Athlete.rep_at`: the first ramp not over by t, if begun
            i = bisect.bisect_left(self.ends, t)
            return self.plans[i] if i < len(self.plans) and self.starts[i] <= t else None
        return next((p for p, a, b in zip(self.plans, self.starts, self.ends, strict=True)
                     if a <= t <= b), None)


def _band_and_cell(scenario: Scenario, seed: int) -> Scenario:
    """The scenario with what it leaves open drawn for this seed: the band's stretch (1.5-3.5
    times its rest length: where a latex band's stiffness grows with stretch) and the load
    cell's noise and drift. Drawn apart from the set's other draws, so the same seed gives the
    same athlete and camera whatever the band."""
    rng = np.random.default_rng([seed, 1])
    elongation = rng.uniform(1.5, 3.5)
    noise, drift = draw_load_cell(rng)
    return dataclasses.replace(
        scenario,
        band_elongation=(elongation if scenario.band_elongation is None
                         else scenario.band_elongation),
        load_cell_noise_n=(noise if scenario.load_cell_noise_n is None
                           else scenario.load_cell_noise_n),
        load_cell_drift_n_per_min=(drift if scenario.load_cell_drift_n_per_min is None
                                   else scenario.load_cell_drift_n_per_min))


def _band(scenario: Scenario) -> Band:
    return Band(scenario.band_stiffness, scenario.standing_tension_n, scenario.anchor_behind,
                scenario.band_elongation)
