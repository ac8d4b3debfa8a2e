"""The status strip: each part's badge says why it is down, and comes back when it is up."""

from __future__ import annotations

from station.config import Config
from station.domain import PoseFrame, TensionSample
from station.flow.badges import BACKLOG_GRACE_S, BrokerState
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


def broker_badges(flow: StationFlow) -> list[str]:
    return [f"{b.name}: {b.reason}" for b in flow.view.badges if b.name == "broker"]


def test_the_broker_badge_shows_only_when_something_is_wrong():
    flow = StationFlow(Config(), AlertBuzzer(None), None)
    flow.tick(0.0)
    assert broker_badges(flow) == []  # no [mqtt]: never a broker badge
    flow.report_broker(BrokerState(False, 0, ""), 0.0)  # the first connection, nothing queued
    flow.tick(0.0)
    assert broker_badges(flow) == []
    flow.report_broker(BrokerState(True, 0), 1.0)
    flow.tick(1.0)
    assert broker_badges(flow) == []
    flow.report_broker(BrokerState(True, 1), 2.0)  # a rep on its way: no blink
    flow.tick(2.0)
    flow.report_broker(BrokerState(True, 0), 2.1)
    flow.tick(2.1)
    assert broker_badges(flow) == []
    flow.report_broker(BrokerState(False, 0, "offline"), 3.0)
    flow.tick(3.0)
    assert broker_badges(flow) == ["broker: offline"]
    assert [b.name for b in flow.view.badges][-1] == "broker"  # last on the strip
    flow.report_broker(BrokerState(False, 3, "offline"), 4.0)
    flow.tick(4.0)
    assert broker_badges(flow) == ["broker: offline, 3 waiting"]
    flow.report_broker(BrokerState(True, 3), 5.0)  # back: sending the backlog
    flow.tick(5.0)
    assert broker_badges(flow) == []  # within the grace a rep's acknowledgement takes
    flow.report_broker(BrokerState(True, 2), 4.0 + BACKLOG_GRACE_S)
    flow.tick(4.0 + BACKLOG_GRACE_S)
    assert broker_badges(flow) == ["broker: sending, 2 waiting"]
    flow.report_broker(BrokerState(True, 0), 10.0)
    flow.tick(10.0)
    assert broker_badges(flow) == [] and len(flow.view.badges) == 4
    flow.report_broker(BrokerState(False, 0, "login refused"), 11.0)
    flow.tick(11.0)
    assert broker_badges(flow) == ["broker: login refused"]
