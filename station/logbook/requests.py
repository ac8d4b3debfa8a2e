"""The coach page's requests, on the kiosk's side: taken from the session log and handed to
the station's flow (mute the buzzer, calibrate, class mode), each answered with the line the
kiosk showed.

A thread polls the log every `every_s` with a connection of its own (one small read while
nothing is pending). A request older than `max_age_s` when found (the kiosk was not
running when the coach asked) is answered "expired" and not carried out: a calibration asked
yesterday must not tare the band under today's athlete.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

MAX_AGE_S = 60.0  # a request not taken within this is dropped (the coach page says so too)
EXPIRED = "expired: the station was not running"


@dataclass(frozen=True)
class PageRequest:
    """What the coach asked from the page: `what` is mute, calibrate or class_mode."""

    id: int
    what: str
    value: str


class RequestInbox:
    """Polls the log's requests table and submits each new request (see the module's doc)."""

    def __init__(self, log_path: Path, submit: Callable[[PageRequest], None],
                 every_s: float = 0.5, max_age_s: float = MAX_AGE_S) -> None:
        self.log_path = log_path
        self.submit = submit
        self.every_s = every_s
        self.max_age_s = max_age_s
        self.reason = ""  # why the last poll failed ("" when it worked)
        self._db: sqlite3.Connection | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="page requests", daemon=True)

    def start(self) -> RequestInbox:
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)
        if self._db is not None:
            self._db.close()

    def poll(self, now: datetime | None = None) -> list[PageRequest]:
        """Take the pending requests, hand the fresh ones on; returns those handed on."""
        now = now or datetime.now(UTC)
        if self._db is None:
            from station.logbook.read import open_log

            self._db = open_log(self.log_path, write=True)
        db = self._db
        if db.execute("SELECT 1 FROM requests WHERE taken_at IS NULL LIMIT 1").fetchone() \
                is None:
            return []
        taken = now.isoformat(timespec="seconds")
        with db:
            db.execute("BEGIN IMMEDIATE")
            rows = db.execute("SELECT id, at, what, value FROM requests"
                              " WHERE taken_at IS NULL ORDER BY id").fetchall()
            fresh = []
            for rid, at, what, value in rows:
                try:
                    age = (now - datetime.fromisoformat(at)).total_seconds()
                except ValueError:
                    age = float("inf")
                if age > self.max_age_s:
                    db.execute("UPDATE requests SET taken_at = ?, result = ? WHERE id = ?",
                               (taken, EXPIRED, rid))
                else:
                    db.execute("UPDATE requests SET taken_at = ? WHERE id = ?", (taken, rid))
                    fresh.append(PageRequest(int(rid), str(what), str(value)))
        for request in fresh:
            self.submit(request)
        return fresh

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                self.poll()
                self.reason = ""
            except Exception as exc:  # a locked or vanished log: say so, try again
                self.reason = f"page requests paused ({exc})"[:60]
                if self._db is not None:
                    self._db.close()
                    self._db = None
