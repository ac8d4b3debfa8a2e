"""The payloads read back without a broker: the live state's athlete, and the gym's table
taking each station's messages (a malformed one kept on its row, a cleared one forgotten)."""

from __future__ import annotations

import json

from station.mqtt.fleet import Fleet
from station.mqtt.messages import LiveState, live_athlete, live_payload, read_live


def test_the_live_athlete_is_the_card_then_class_modes_number():
    assert live_athlete((7, "Sam"), None) == ("Sam", 7)
    assert live_athlete((7, "Sam"), 3) == ("Sam", 7)  # the card wins over the rotation
    assert live_athlete((7, "Sam"), 3, names_shown=False) == ("#7", 7)
    assert live_athlete(None, 3) == ("#3", None)
    assert live_athlete(None, None) == (None, None)


def test_the_live_state_round_trips_and_an_old_number_reads_as_text():
    live = LiveState("coaching", "Sam", 4, 3, "abc", athlete_id=7, class_athlete=2)
    assert read_live(live_payload("bay-1", live).encode()) == live
    old = json.dumps({"v": 1, "screen": "idle", "athlete": 2, "reps": 0, "passed": 0})
    assert read_live(old.encode()).athlete == "#2"


def test_the_fleet_keeps_an_unreadable_payload_on_its_row_and_forgets_a_cleared_one():
    fleet = Fleet()
    fleet.take("gym/bay-1/status", b"online", "gym", "2026-03-02T10:00:00+00:00")
    fleet.take("gym/bay-1/live", b"{oops", "gym")
    row = fleet.rows["bay-1"]
    assert row.online is True and row.since == "2026-03-02T10:00:00+00:00"
    assert row.unreadable == {"gym/bay-1/live": "not JSON (Expecting property name "
                                                "enclosed in double quotes at character 1)"}
    assert fleet.problems == ["gym/bay-1/live: not JSON (Expecting property name enclosed "
                              "in double quotes at character 1)"]
    fleet.take("gym/bay-1/live", live_payload("bay-1", LiveState("idle")).encode(), "gym")
    assert row.unreadable == {} and row.live == LiveState("idle")
    fleet.take("gym/bay-1/status", b"online", "gym", "2026-03-02T11:00:00+00:00")
    assert row.since == "2026-03-02T10:00:00+00:00"  # no change: still online since ten
    fleet.take("gym/other/thing/deeper", b"x", "gym")
    fleet.take("elsewhere/bay-1/status", b"offline", "gym")
    assert list(fleet.rows) == ["bay-1"] and row.online is True
    fleet.take("gym/bay-1/status", b"", "gym")
    fleet.take("gym/bay-1/live", b"", "gym")
    assert "bay-1" not in fleet.rows  # its retained topics cleared: gone from the table
