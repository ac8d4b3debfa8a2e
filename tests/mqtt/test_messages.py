"""The payloads without a broker: the live state's athlete and a rep's and a set's, and the
gym's table taking each station's messages (a malformed one kept on its row, one naming
another station not read, a cleared one forgotten) and printing them."""

from __future__ import annotations

import dataclasses
import json

from station.logbook.roster import add_athlete
from station.mqtt.fleet import Fleet, format_table
from station.mqtt.messages import (
    DayCounts,
    LiveState,
    PartHealth,
    ResultMessages,
    health_payload,
    live_athlete,
    live_payload,
    read_live,
    rep_payload,
    today_payload,
)
from station.mqtt.topics import Topics
from station.store import SessionLog, SetEnd
from station.web.gym import station_row
from tests.mqtt.station_kit import rep


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


def _logged_messages(tmp_path, names_shown: bool) -> dict[str, dict]:
    """Three sets logged through the outbox: a card's (an athlete with a nickname), class
    mode's second athlete's, a guest's; each set's first rep and the set, by message id."""
    log = SessionLog(tmp_path / "s.sqlite3", outbox=ResultMessages(Topics("gym", "bay-1"),
                                                                   names_shown))
    sam = add_athlete(log.db, "Samantha Jones", "Sam", "test")
    log.begin_set("card", "2026-03-02T10:00:00+00:00", None, sam["id"])
    log.begin_set("class", "2026-03-02T10:01:00+00:00", 2)
    log.begin_set("guest", "2026-03-02T10:02:00+00:00")
    for uid in ("card", "class", "guest"):
        log.add_rep(uid, rep(1))
        log.end_set(uid, SetEnd("left", None, "done", 30.0))
    out = {r["msg_id"]: json.loads(r["payload"]) for r in log.outbox_rows()}
    log.close()
    return out


def test_a_rep_without_a_verdict_is_read_as_no_verdict_on_the_gym_page():
    """A rep counted without a verdict goes out with "passed": null; the gym's view reads
    it (it called the whole station "unreadable message") and says NO VERDICT."""
    fleet = Fleet()
    plain = dataclasses.replace(rep(3), judged=False)
    payload = rep_payload("bay-1", {"uid": "s1", "athlete": None, "athlete_id": None,
                                    "athlete_name": None}, plain)
    assert payload["passed"] is None and payload["judged"] is False
    fleet.take("gym/bay-1/rep", json.dumps(payload).encode(), "gym")
    row = fleet.rows["bay-1"]
    assert row.unreadable == {} and row.last is not None and row.last.passed is None
    shown = station_row(row, "bay-2", lambda at, fmt: "10:04")
    assert shown["last"] == "Rep 3: NO VERDICT · 10:04" and not shown["unreadable"]
    judged = dict(payload, judged=True)  # a judged rep must say whether it passed
    fleet.take("gym/bay-1/rep", json.dumps(judged).encode(), "gym")
    assert "gym/bay-1/rep" in row.unreadable


def test_a_rep_and_a_set_say_who_did_them_as_the_live_state_does(tmp_path):
    sent = _logged_messages(tmp_path, names_shown=True)
    who = {k: (m["athlete"], m["athlete_id"], m["class_athlete"]) for k, m in sent.items()}
    assert who == {"card-1": ("Sam", 1, None), "card": ("Sam", 1, None),
                   "class-1": ("#2", None, 2), "class": ("#2", None, 2),
                   "guest-1": (None, None, None), "guest": (None, None, None)}
    assert all(m["v"] == 1 for m in sent.values())


def test_where_names_need_the_pin_a_rep_and_a_set_carry_the_roster_id_alone(tmp_path):
    sent = _logged_messages(tmp_path, names_shown=False)
    assert (sent["card-1"]["athlete"], sent["card"]["athlete"]) == ("#1", "#1")
    assert (sent["card"]["athlete_id"], sent["class"]["athlete"]) == (1, "#2")
    assert not any("Sam" in json.dumps(m) for m in sent.values())


def test_the_table_shows_dash_for_never_published_and_question_mark_for_unreadable():
    """An offline station's athlete goes (its last figures stay); a field nobody published
    is "-", not "?", which is for a payload that could not be read."""
    fleet = Fleet()
    ok = health_payload("bay-1", {"camera": PartHealth(True)}).encode()
    fleet.take("gym/bay-1/status", b"offline", "gym")
    fleet.take("gym/bay-1/live", live_payload("bay-1", LiveState(
        "coaching", "#2", 4, 3, "s", class_athlete=2)).encode(), "gym")
    fleet.take("gym/bay-1/health", ok, "gym")
    fleet.take("gym/bay-7/health", health_payload("bay-7", {"camera": PartHealth(True)})
               .encode(), "gym")
    fleet.take("gym/bay-4/status", b"maybe", "gym")
    fleet.take("gym/bay-4/live", b"{oops", "gym")
    fleet.take("gym/bay-4/health", b"[]", "gym")
    assert format_table(fleet).splitlines() == [
        "station  online  athlete  reps  passed  health",
        "bay-1    no      -        4     3       ok",
        "bay-7    -       -        -     -       ok",
        "bay-4    ?       ?        ?     ?       ?"]


def test_a_payload_naming_another_station_than_its_topic_is_not_read():
    """The topic names the station: bay-1's live state published on bay-2's topic is an
    unreadable payload on bay-2's row, not bay-1's state shown as bay-2's."""
    fleet = Fleet()
    fleet.take("gym/bay-2/status", b"online", "gym")
    fleet.take("gym/bay-2/live", live_payload("bay-1", LiveState("coaching", "Sam", 4, 3))
               .encode(), "gym")
    fleet.take("gym/bay-2/today", today_payload("bay-1", DayCounts("2026-03-02", 1)).encode(),
               "gym")
    row = fleet.rows["bay-2"]
    assert row.live is None and row.today is None
    assert fleet.problems == ["gym/bay-2/live: 'station' is 'bay-1', not 'bay-2' as its topic "
                              "says",
                              "gym/bay-2/today: 'station' is 'bay-1', not 'bay-2' as its topic "
                              "says"]
    assert format_table(fleet).splitlines()[1] == "bay-2    yes     ?        ?     ?       -"
    fleet.take("gym/bay-2/live", live_payload("bay-2", LiveState("idle")).encode(), "gym")
    assert row.live == LiveState("idle") and "gym/bay-2/live" not in row.unreadable
