"""The kiosk's state for the coach page: written when it changes, at most five times a
second, and every five seconds as a heartbeat; the summary keeps the set's counts."""

from __future__ import annotations

from datetime import UTC, datetime

from station.cards.events import CardShown
from station.config import Config
from station.flow.flow import StationFlow
from station.flow.view import Screen
from station.hardware.buzzer import AlertBuzzer
from station.live.page_state import HEARTBEAT_S, PagePublisher, page_state


class FakeStore:
    def __init__(self) -> None:
        self.written: list[tuple[str, dict]] = []

    def set_live(self, updated_at: str, state: dict) -> None:
        self.written.append((updated_at, state))


def test_written_on_change_rate_limited_and_as_a_heartbeat():
    clock = [0.0]
    store = FakeStore()
    flow = StationFlow(Config(), AlertBuzzer(None), None)
    pub = PagePublisher(store, clock=lambda: clock[0],
                        wall=lambda: datetime(2026, 12, 5, tzinfo=UTC))
    assert pub.publish(flow) and store.written[0][1]["screen"] == "idle"
    clock[0] = 1.0
    assert not pub.publish(flow)  # nothing changed
    flow.feed(CardShown(3, "Sam", 1.0), 1.0)
    assert pub.publish(flow)
    flow.buzzer.muted = True
    clock[0] = 1.05
    assert not pub.publish(flow)  # changed, but too soon after the last write
    clock[0] = 1.3
    assert pub.publish(flow)
    state = store.written[-1][1]
    assert state["muted"] is True
    assert state["screen"] == "setup" and state["athlete"] == {"id": 3, "name": "Sam"}
    assert [b["name"] for b in state["badges"]] == ["camera", "pose", "load cell", "buzzer"]
    clock[0] = 1.3 + HEARTBEAT_S
    assert pub.publish(flow)  # the heartbeat
    assert store.written[-1][0] == "2026-12-05T00:00:00.000+00:00"


def test_the_summary_keeps_the_sets_counts():
    flow = StationFlow(Config(), AlertBuzzer(None), None)
    flow.view.screen = Screen.SUMMARY
    flow.view.summary.reps, flow.view.summary.passed = 8, 6
    state = page_state(flow, "abc")
    assert (state["reps"], state["passed"], state["set_uid"]) == (8, 6, "abc")
    assert state["class_mode_s"] is None and state["class_athlete"] is None
