"""A whole simulated set: athlete, camera and band together, with ground truth.

`Scenario.random` draws what varies between sets (body height, tempo, facing side, camera
distance and angle, noise, dropped frames, band stiffness); `simulate_set` runs it into the
pose stream and tension stream of DESIGN.md plus the truth of every rep.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from station.sim.athlete import (
    DEFAULT_MIX,
    Athlete,
    Band,
    RepKind,
    RepPlan,
    RepTruth,
    Stance,
    band_step_in,
    plan_rep,
)
from station.sim.body import Body, pose_joints
from station.sim.camera import CameraView, LandmarkCamera
from station.streams import PoseStream, TensionStream

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
    band_stiffness: float = 180.0  # newtons per metre of stretch
    standing_tension_n: float = 75.0
    anchor_behind: bool = True
    tension_rate: float = 80.0  # samples per second (HX711 with RATE high)
    tension_noise_n: float = 0.5  # HX711 + load-cell noise, standard deviation
    spike_rate: float = 0.002  # fraction of tension samples that are spikes

    @classmethod
    def random(cls, rng: np.random.Generator) -> Scenario:
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
        return cls(
            height_m=height,
            facing_right=bool(rng.random() < 0.5),
            tempo=rng.uniform(0.7, 1.5),
            view=view,
            band_stiffness=rng.uniform(100.0, 250.0),
            standing_tension_n=rng.uniform(60.0, 110.0),
            tension_noise_n=rng.uniform(0.2, 1.0),
        )


@dataclass(frozen=True, eq=False)
class SimulatedSet:
    """A simulated set: what the camera and load cell saw, and what really happened."""

    scenario: Scenario
    pose: PoseStream
    tension: TensionStream
    truth: tuple[RepTruth, ...]


def plan_set(rng: np.random.Generator, scenario: Scenario, body: Body, stance: Stance,
             reps: int, kinds: list[RepKind] | None = None) -> tuple[RepPlan, ...]:
    """Plan `reps` reps (of the given kinds, else drawn from DEFAULT_MIX) with rests between."""
    if kinds is None:
        names = list(DEFAULT_MIX)
        weights = np.array([DEFAULT_MIX[k] for k in names])
        kinds = [names[i] for i in rng.choice(len(names), size=reps, p=weights / weights.sum())]
    band = Band(scenario.band_stiffness, scenario.standing_tension_n, scenario.anchor_behind)
    plans: list[RepPlan] = []
    t = LEAD_IN_S * rng.uniform(0.8, 1.5)
    for i, kind in enumerate(kinds, start=1):
        plan = plan_rep(rng, i, kind, t, body, stance, scenario.tempo)
        if kind is RepKind.SLACK:
            # Step in so far that the band falls to 0-8 N at the bottom of the rep.
            at_bottom = band.tension(plan.travel_bottom)
            plan = dataclasses.replace(plan, step_in_n=at_bottom - rng.uniform(0.0, 8.0))
        plans.append(plan)
        rest = rng.choice([rng.uniform(0.6, 1.2), rng.uniform(1.2, 3.0)], p=[0.6, 0.4])
        t = plan.end + rest * scenario.tempo
    return tuple(plans)


def simulate_set(seed: int, reps: int = 10, kinds: list[RepKind] | None = None,
                 scenario: Scenario | None = None) -> SimulatedSet:
    """Simulate one set: a random scenario (unless given) and `reps` reps."""
    rng = np.random.default_rng(seed)
    if scenario is None:
        scenario = Scenario.random(rng)
    body = Body.from_height(scenario.height_m)
    # The athlete stands far enough out that even the deepest good hinge keeps 35 N or more.
    deepest = 0.45 * body.leg_length
    if scenario.anchor_behind:
        least = scenario.band_stiffness * deepest + 35.0
        if scenario.standing_tension_n < least:
            scenario = dataclasses.replace(scenario, standing_tension_n=least)
    stance = Stance.random(rng)
    plans = plan_set(rng, scenario, body, stance, reps, kinds)
    athlete = Athlete(body, stance, plans, sway_phase=rng.uniform(0, 6.28))
    duration = (plans[-1].end if plans else 0.0) + LEAD_OUT_S

    camera = LandmarkCamera(scenario.view, body, scenario.facing_right, rng)
    n = int(duration * scenario.fps)
    t_pose = np.arange(n) / scenario.fps + rng.normal(0.0, 0.001, n)
    t_pose = np.maximum.accumulate(np.maximum(t_pose, 0.0))
    landmarks = np.stack([camera.landmarks(pose_joints(body, athlete.posture_at(t)))
                          for t in t_pose]) if n else np.zeros((0, 33, 4), np.float32)
    pose = PoseStream(t_pose, landmarks, scenario.view.width, scenario.view.height)

    band = Band(scenario.band_stiffness, scenario.standing_tension_n, scenario.anchor_behind)
    m = int(duration * scenario.tension_rate)
    t_ten = np.arange(m) / scenario.tension_rate + rng.normal(0.0, 0.0005, m)
    t_ten = np.maximum.accumulate(np.maximum(t_ten, 0.0))
    standing_back = athlete.standing_hip_back()
    force = np.empty(m)
    for k, t in enumerate(t_ten):
        plan = athlete.rep_at(t) or _nearest_slack(plans, t)
        travel = athlete.posture_at(t).hip_back - standing_back
        force[k] = band.tension(travel, band_step_in(plan, t))
    force += rng.normal(0.0, scenario.tension_noise_n, m)
    spikes = rng.random(m) < scenario.spike_rate
    force[spikes] += rng.choice([-1.0, 1.0], spikes.sum()) * rng.uniform(50, 200, spikes.sum())
    tension = TensionStream(t_ten, np.round(force, 2))
    return SimulatedSet(scenario, pose, tension, tuple(RepTruth.of(p) for p in plans))


def _nearest_slack(plans: tuple[RepPlan, ...], t: float) -> RepPlan | None:
    """The slack rep whose step-in ramp covers time t, if any (the athlete steps in first)."""
    for p in plans:
        if p.kind is RepKind.SLACK and p.start - 0.5 <= t <= p.end + 0.5:
            return p
    return None
