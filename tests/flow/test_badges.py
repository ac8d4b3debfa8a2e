"""The status strip: each part's badge says why it is down, and comes back when it is up."""

from __future__ import annotations

from station.config import Config
from station.domain import PoseFrame, TensionSample
from station.flow.flow import StationFlow
from station.hardware.buzzer import AlertBuzzer


def test_badges_say_why_a_part_is_down(sim):
    flow = StationFlow(Config(), AlertBuzzer(None, reason="no GPIO"), None,
                       has_load_cell=True)
    flow.tick(0.0)
    assert flow.view.badge("camera").reason == "no frames"
    assert flow.view.badge("load cell").reason == "no readings"
    assert flow.view.badge("buzzer").reason == "no GPIO" and not flow.view.badge("buzzer").ok
    flow.on_pose(PoseFrame(0.9, sim.pose.landmarks[5], 640, 480))
    flow.on_tension(TensionSample(0.95, 70.0))
    flow.tick(1.0)
    assert flow.view.badge("camera").ok and flow.view.badge("load cell").ok
    flow.tick(1.6)  # 0.65 s without a tension sample: stale; frames still recent
    assert flow.view.badge("load cell").reason == "stale" and flow.view.badge("camera").ok
    flow.report("pose", False, "model failed")
    flow.tick(1.7)
    assert flow.view.badge("pose").reason == "model failed"
    flow.report("pose", True)
    flow.tick(1.8)
    assert flow.view.badge("pose").ok
