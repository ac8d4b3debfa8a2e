"""The page's requests on the kiosk's side: taken once, fresh ones handed on, stale ones
answered and dropped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from station.logbook.read import open_log
from station.logbook.requests import PageRequest, RequestInbox
from station.store import SessionLog


def ask(path, what, value, at):
    db = open_log(path, write=True)
    db.execute("INSERT INTO requests (at, what, value) VALUES (?, ?, ?)",
               (at.isoformat(timespec="seconds"), what, value))
    db.close()


def test_each_request_is_handed_on_once_and_answered(tmp_path):
    path = tmp_path / "s.sqlite3"
    SessionLog(path).close()
    now = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    ask(path, "mute", "1", now - timedelta(seconds=2))
    ask(path, "calibrate", "", now - timedelta(hours=20))  # asked while the kiosk was off
    got = []
    inbox = RequestInbox(path, got.append)
    try:
        assert inbox.poll(now) == [PageRequest(1, "mute", "1")]
        assert inbox.poll(now) == []
        assert got == [PageRequest(1, "mute", "1")]
    finally:
        inbox.close()
    log = SessionLog(path)
    log.answer_request(1, "Buzzer muted")
    rows = log.db.execute("SELECT what, taken_at IS NOT NULL, result FROM requests"
                          " ORDER BY id").fetchall()
    assert rows == [("mute", 1, "Buzzer muted"),
                    ("calibrate", 1, "expired: the station was not running")]
    log.close()


def test_a_locked_log_pauses_the_inbox_and_it_comes_back(tmp_path):
    """The kiosk keeps coaching: a log locked by another writer is a reason, not a crash."""
    import sqlite3
    import time

    path = tmp_path / "s.sqlite3"
    SessionLog(path).close()
    got = []
    inbox = RequestInbox(path, got.append, every_s=0.05)
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("PRAGMA journal_mode=DELETE")  # out of WAL: the lock bars readers too
    locker.execute("BEGIN EXCLUSIVE")
    inbox.start()
    try:
        deadline = time.monotonic() + 15
        while not inbox.reason and time.monotonic() < deadline:
            time.sleep(0.05)
        assert inbox.reason.startswith("page requests paused (")
        locker.execute("ROLLBACK")
        locker.execute("PRAGMA journal_mode=WAL")
        locker.close()
        ask(path, "mute", "0", datetime.now(UTC))
        while not got and time.monotonic() < deadline:
            time.sleep(0.05)
        assert got == [PageRequest(1, "mute", "0")] and inbox.reason == ""
    finally:
        inbox.close()
