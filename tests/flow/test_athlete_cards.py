"""Cards and the coach page's requests in the station's flow: a card between sets starts
that athlete's set and logs it under them; mid-set it is ignored; the page's settings are
done as the menu does them and answered."""

from __future__ import annotations

from station.cards.events import CardRefused, CardShown
from station.config import Config
from station.flow.flow import StationFlow
from station.flow.view import Input, Screen
from station.hardware.buzzer import AlertBuzzer
from station.logbook.read import open_log
from station.logbook.requests import PageRequest
from station.logbook.roster import RosterLine, import_roster
from station.sim.player import SetPlayer
from station.store import SessionLog, StoreWriter

SAM = CardShown(1, "Sam", 0.0)
ALEX = CardShown(2, "Alex Kim", 0.0)


def drive(flow: StationFlow, player: SetPlayer, start: float, until: float,
          at: dict[float, object] | None = None) -> float:
    """Frame by frame from `start` to `until`; `at` hands items in at given times."""
    pending = sorted((at or {}).items())
    now = start
    while now < until:
        now += 1 / 30
        while pending and pending[0][0] <= now:
            flow.submit(pending.pop(0)[1])
        for item in player.due(now):
            flow.submit(item)
        flow.drain(now)
    return now


def test_a_card_between_sets_starts_their_set_and_logs_it_under_them(sim, kinds, tmp_path):
    log_path = tmp_path / "log.sqlite3"
    SessionLog(log_path).close()
    db = open_log(log_path, write=True)
    sam, _ = import_roster(db, [RosterLine("Sam Jones", "Sam"), RosterLine("Alex Kim")], "t")
    db.close()
    store = StoreWriter(log_path, 100)
    flow = StationFlow(Config(), AlertBuzzer(None), store, set_reps=len(kinds))
    assert flow.accepts_cards  # idle: a card would be taken
    flow.feed(CardShown(sam["id"], "Sam", 0.5), 0.5)
    assert flow.view.screen is Screen.SETUP and flow.view.athlete_name == "Sam"
    assert flow.view.toast == "Hi, Sam"
    player = SetPlayer(sim, empty_before_s=1.0, empty_after_s=1.0)
    end = drive(flow, player, 0.5, player.end - 0.5)
    # Mid-set the watcher is not armed, and a card that still arrives changes nothing.
    assert flow.view.screen is Screen.SUMMARY
    assert flow.view.athlete_name == "Sam"  # "SET DONE, SAM"
    assert store.flush()
    (row,) = SessionLog(log_path).sets()
    assert row["athlete_id"] == sam["id"] and row["reps"] == len(kinds)
    store.close()
    drive(flow, SetPlayer(sim, empty_before_s=0, empty_after_s=0), end, end + 20)
    assert flow.view.screen is Screen.IDLE and flow.view.athlete_name == ""  # forgotten


def test_a_card_mid_set_is_ignored(sim, kinds):
    flow = StationFlow(Config(), AlertBuzzer(None), None, set_reps=len(kinds))
    player = SetPlayer(sim, empty_before_s=1.0, empty_after_s=5.0)
    flow.feed(SAM, 0.1)
    now = 0.1
    while flow.view.screen is not Screen.COACHING:
        now = drive(flow, player, now, now + 0.1)
    assert not flow.accepts_cards
    flow.feed(ALEX, now)
    assert flow.view.athlete_name == "Sam" and flow.athlete_on.id == 1
    assert flow.view.screen is Screen.COACHING
    assert flow.view.toast != "Hi, Alex Kim"


def test_another_athletes_card_after_a_set_starts_their_set():
    flow = StationFlow(Config(), AlertBuzzer(None), None)
    flow.feed(SAM, 1.0)
    flow.view.screen = Screen.SUMMARY  # Sam's set has just ended
    flow.feed(ALEX, 2.0)
    assert flow.view.screen is Screen.SETUP and flow.view.athlete_name == "Alex Kim"
    # In setup, before any rep, another card makes the set theirs.
    flow.feed(SAM, 3.0)
    assert flow.view.screen is Screen.SETUP and flow.athlete_on.id == 1


def test_a_refused_card_says_why_and_starts_nothing():
    flow = StationFlow(Config(), AlertBuzzer(None), None)
    flow.feed(CardRefused("That card is from another station", 1.0), 1.0)
    assert flow.view.screen is Screen.IDLE
    assert flow.view.toast == "That card is from another station"


def test_no_card_with_the_menu_open():
    flow = StationFlow(Config(), AlertBuzzer(None), None)
    flow.feed(Input.MENU, 0.0)
    assert not flow.accepts_cards
    flow.feed(SAM, 1.0)
    assert flow.view.screen is Screen.IDLE and flow.view.athlete_name == ""


def test_the_pages_requests_are_done_and_answered(tmp_path):
    log_path = tmp_path / "log.sqlite3"
    SessionLog(log_path).close()
    db = open_log(log_path, write=True)
    for what, value in (("mute", "1"), ("class_mode", "180"), ("calibrate", ""),
                        ("class_mode", "0"), ("reboot", "")):
        db.execute("INSERT INTO requests (at, what, value) VALUES ('t', ?, ?)", (what, value))
    db.close()
    store = StoreWriter(log_path, 100)
    flow = StationFlow(Config(), AlertBuzzer(None), store)
    flow.feed(PageRequest(1, "mute", "1"), 1.0)
    assert flow.buzzer.muted and flow.view.toast == "Buzzer muted"
    flow.feed(PageRequest(2, "class_mode", "180"), 2.0)
    assert flow.class_mode.rotation_s == 180.0 and flow.class_mode.athlete == 1
    flow.feed(PageRequest(3, "calibrate", ""), 3.0)
    flow.feed(PageRequest(4, "class_mode", "0"), 4.0)
    assert not flow.class_mode.on
    flow.feed(PageRequest(5, "reboot", ""), 5.0)
    assert store.flush()
    store.close()
    answers = [r[0] for r in open_log(log_path).execute(
        "SELECT result FROM requests ORDER BY id")]
    assert answers == ["Buzzer muted", "Class mode: 3 min per athlete",
                       "No load cell to calibrate", "Class mode off", "Not a setting: reboot"]
