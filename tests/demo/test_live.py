"""The live demo: the kiosk on simulated athletes, fed as the sensors would feed it (the set
player merges the frames and samples in time order)."""

from __future__ import annotations

import numpy as np
import pytest

from station.config import Config
from station.domain import PoseFrame, TensionSample
from station.sim.athlete import RepKind
from station.sim.player import SetPlayer
from station.sim.session import simulate_set


def test_live_demo_opens_full_screen_and_runs():
    from station.demo.live import run_live_demo

    assert run_live_demo(Config(), seed=2, reps=2, max_frames=10) == 0


def test_player_merges_frames_and_samples_in_time_order():
    sim = simulate_set(7, kinds=[RepKind.GOOD, RepKind.SQUAT, RepKind.GOOD, RepKind.SHALLOW])
    player = SetPlayer(sim, start=5.0, empty_before_s=1.0, empty_after_s=1.0)
    items = player.due(player.end + 1)
    assert player.done
    t = np.array([i.t for i in items])
    assert (np.diff(t) >= 0).all()
    frames = [i for i in items if isinstance(i, PoseFrame)]
    samples = [i for i in items if isinstance(i, TensionSample)]
    assert len(frames) == len(sim.pose) + 2 * 30 - 1 or abs(
        len(frames) - (len(sim.pose) + 60)) <= 2
    assert len(samples) >= len(sim.tension)
    assert not frames[0].has_person and frames[0].t == pytest.approx(5.0)
    assert frames[30].has_person or frames[31].has_person
    assert player.due(player.end + 5) == []
