"""The session log's schema version and the migration of a log made before it."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from pathlib import Path

from station.logbook.roster import ALPHABET
from station.store import SCHEMA_VERSION as VERSION
from station.store import SessionLog, migrate

V0_LOG = Path(__file__).resolve().parents[1] / "data" / "sessions-v0.sqlite3"


def dump(path: Path, tables: tuple[str, ...] = ("sets", "reps")) -> dict[str, list]:
    con = sqlite3.connect(path)
    out = {t: con.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables}
    con.close()
    return out


def test_a_log_made_by_the_first_stations_migrates_losing_nothing(tmp_path):
    """tests/data/sessions-v0.sqlite3 was written by `station demo` of commit 39e8039
    (two sets, nine reps, one in class mode): every row is kept as it was."""
    log = tmp_path / "s.sqlite3"
    shutil.copy(V0_LOG, log)
    before = dump(log)
    assert sqlite3.connect(log).execute("PRAGMA user_version").fetchone()[0] == 0
    assert len(before["sets"]) == 2 and len(before["reps"]) == 9
    SessionLog(log).close()
    con = sqlite3.connect(log)
    assert con.execute("PRAGMA user_version").fetchone()[0] == VERSION
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # The old columns hold the same values; the set's new athlete column is empty (guests).
    rows = con.execute("SELECT id, uid, started_at, athlete, side, reps, passed, main_fault,"
                       " ended, duration_s, athlete_id FROM sets ORDER BY id").fetchall()
    assert [r[:-1] for r in rows] == before["sets"]
    assert [r[-1] for r in rows] == [None, None]
    # The reps keep their values; the new `judged` column reads 1 (they all had a verdict).
    assert [r[:-1] for r in dump(log)["reps"]] == before["reps"]
    assert {r[-1] for r in dump(log)["reps"]} == {1}
    station = con.execute("SELECT value FROM meta WHERE key = 'station_id'").fetchone()[0]
    assert len(station) == 4 and set(station) <= set(ALPHABET)
    # Opening it again changes nothing, not even the station's id.
    SessionLog(log).close()
    assert sqlite3.connect(log).execute("SELECT value FROM meta").fetchone()[0] == station


def test_a_migrated_log_takes_the_new_writes(tmp_path):
    log = tmp_path / "s.sqlite3"
    shutil.copy(V0_LOG, log)
    s = SessionLog(log)
    s.db.execute("INSERT INTO athletes (card, name, number, position, added_at)"
                 " VALUES ('ABCDEFGH', 'Sam', 1, 1, 't')")
    s.begin_set("new", "2026-12-05T10:00:00+00:00", None, 1)
    s.set_live("2026-12-05T10:00:01+00:00", {"screen": "coaching"})
    assert s.sets()[-1]["athlete_id"] == 1
    s.close()


def test_two_processes_opening_a_new_log_at_once_migrate_it_once(tmp_path):
    log = tmp_path / "s.sqlite3"
    shutil.copy(V0_LOG, log)
    errors = []

    def open_it():
        try:
            SessionLog(log).close()
        except Exception as exc:  # pragma: no cover - the assertion says what
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sqlite3.connect(log).execute("SELECT COUNT(*) FROM meta").fetchone()[0] == 1


def test_a_log_from_a_newer_station_is_left_as_it_is(tmp_path):
    log = tmp_path / "s.sqlite3"
    con = sqlite3.connect(log, isolation_level=None)
    con.execute(f"PRAGMA user_version = {VERSION + 1}")
    assert migrate(con) == VERSION + 1
    assert con.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] == 0


def test_station_ids_are_drawn_at_random(tmp_path):
    ids = set()
    for k in range(6):
        SessionLog(tmp_path / f"{k}.sqlite3").close()
        con = sqlite3.connect(tmp_path / f"{k}.sqlite3")
        ids.add(con.execute("SELECT value FROM meta").fetchone()[0])
        con.close()
    assert len(ids) >= 5  # 32**4 ids: six logs share one at odds of 1 in 70,000
