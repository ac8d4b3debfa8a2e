"""The card watcher: frames offered between sets become who is there; mid-set, nothing."""

from __future__ import annotations

import time

import numpy as np
import pytest

from station.cards.reader import CardReader
from station.cards.watcher import CardRefused, CardShown, CardWatcher, RosterLookup
from station.logbook.read import open_log
from station.logbook.roster import RosterLine, import_roster, set_active
from station.sim.card_scene import Holding
from station.store import SessionLog
from tests.cards.test_reader import card_scene, scenes  # noqa: F401  (the fixture)


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / "s.sqlite3"
    SessionLog(path).close()
    db = open_log(path, write=True)
    sam, alex = import_roster(db, [RosterLine("Sam Jones", "Sam"), RosterLine("Alex Kim")],
                              "t")
    station = db.execute("SELECT value FROM meta").fetchone()[0]
    db.close()
    return path, station, sam, alex


def watcher_for(path, station, clock=time.monotonic):
    got = []
    lookup = RosterLookup(path, clock)
    return CardWatcher(CardReader(station), lookup, got.append), got


def shown(frame, lm, payload, seed=0):
    return card_scene(frame, lm, payload, 2.0, Holding(yaw_deg=8, defocus_px=0.5), seed)


def test_a_card_between_sets_names_the_athlete_once(roster, scenes):  # noqa: F811
    path, station, sam, _ = roster
    watcher, got = watcher_for(path, station)
    frame, lm = scenes[0]
    img = shown(frame, lm, f"HS1:{station}:{sam['card']}")
    watcher.offer(img, 10.0)  # not armed: not even kept
    assert watcher.step() is None and watcher.decoded == 0
    watcher.armed = True
    watcher.offer(img, 11.0)
    assert watcher.step() == CardShown(sam["id"], "Sam", 11.0)
    watcher.offer(img, 11.4)  # still held up: not handed on again
    assert watcher.step() is None
    watcher.offer(img, 15.0)
    assert watcher.step() == CardShown(sam["id"], "Sam", 15.0)
    assert got == [CardShown(sam["id"], "Sam", 11.0), CardShown(sam["id"], "Sam", 15.0)]
    watcher.disarm()
    watcher.offer(img, 20.0)
    assert watcher.step() is None


def test_other_stations_cards_and_removed_athletes_are_refused(roster, scenes):  # noqa: F811
    path, station, sam, alex = roster
    frame, lm = scenes[1]
    watcher, got = watcher_for(path, station)
    watcher.armed = True
    other = "ZZZZ" if station != "ZZZZ" else "YYYY"
    watcher.offer(shown(frame, lm, f"HS1:{other}:{sam['card']}"), 1.0)
    assert watcher.step() == CardRefused("That card is from another station", 1.0)
    db = open_log(path, write=True)
    set_active(db, alex["id"], False, "t")
    db.close()
    watcher.lookup.load()
    watcher.offer(shown(frame, lm, f"HS1:{station}:{alex['card']}"), 2.0)
    assert watcher.step() == CardRefused("Alex Kim is off the roster: ask the coach", 2.0)


def test_a_card_added_on_the_page_is_known_at_once(roster, scenes):  # noqa: F811
    path, station, _, _ = roster
    now = [100.0]
    watcher, got = watcher_for(path, station, clock=lambda: now[0])
    watcher.armed = True
    db = open_log(path, write=True)
    (dana,) = import_roster(db, [RosterLine("Dana Fox")], "coach page")
    db.close()
    frame, lm = scenes[2]
    img = shown(frame, lm, f"HS1:{station}:{dana['card']}")
    watcher.offer(img, 1.0)
    assert watcher.step() == CardRefused("Card not on this station's roster", 1.0)
    now[0] += 2.5  # the roster is read again when an unknown card comes after RELOAD_S
    watcher.offer(img, 5.0)
    assert watcher.step() == CardShown(dana["id"], "Dana Fox", 5.0)


def test_the_thread_decodes_at_its_rate_and_keeps_no_frame(roster):
    path, station, _, _ = roster
    got = []
    watcher = CardWatcher(CardReader(station), RosterLookup(path), got.append,
                          rate_hz=20).start()
    try:
        watcher.armed = True
        blank = np.full((480, 640, 3), 128, np.uint8)
        deadline = time.monotonic() + 5
        while watcher.decoded < 3 and time.monotonic() < deadline:
            watcher.offer(blank, time.monotonic())
            time.sleep(0.02)
        assert watcher.decoded >= 3 and got == []
        watcher.disarm()
        assert watcher._frame is None
    finally:
        watcher.close()
