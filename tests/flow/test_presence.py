"""Presence: someone must stay in view a while to wake the station; a passer-by does not."""

from __future__ import annotations

from station.config import Config
from station.domain import PoseFrame
from station.flow.flow import StationFlow
from station.flow.view import Screen
from station.hardware.buzzer import AlertBuzzer


def test_someone_walking_past_does_not_wake_it(sim):
    flow = StationFlow(Config(), AlertBuzzer(None), None)
    lm = sim.pose.landmarks[10]
    t = 0.0
    for _ in range(12):  # 0.4 s in view
        t += 1 / 30
        flow.on_pose(PoseFrame(t, lm, 640, 480))
        flow.tick(t)
    assert flow.person_present
    for _ in range(60):
        t += 1 / 30
        flow.on_pose(PoseFrame.empty(t, 640, 480))
        flow.tick(t)
    assert flow.view.screen is Screen.IDLE
    assert not flow.person_present
