"""The session log: one SQLite row per set and per rep, with its metrics and faults.

Never an image, never a landmark: a set is a few hundred bytes. The database runs in WAL mode
with synchronous=FULL, so every committed rep is on the card before the commit returns and a
power cut mid-write loses at most the transaction being written, never one already committed.
Old sets are pruned past `max_sets`. The schema below is a contract (docs/formats.md).

`SessionLog` does the SQL and is used by one thread at a time. `StoreWriter` owns one in its
own thread: the screen's loop only puts work on a queue and never waits for the disk.
"""

from __future__ import annotations

import json
import queue
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from station.logbook.schema import migrate

if TYPE_CHECKING:  # the coach page imports this module: it must not pull numpy in
    from station.domain import RepResult



@dataclass(frozen=True)
class SetEnd:
    """How a set ended, for its row."""

    side: str | None
    main_fault: str | None
    ended: str
    duration_s: float


class SessionLog:
    """The log's SQL on one connection. Every method is one committed transaction."""

    def __init__(self, path: str | Path, max_sets: int = 10000) -> None:
        self.path = Path(path)
        self.max_sets = max_sets
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None, timeout=5.0)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.execute("PRAGMA busy_timeout=5000")
        migrate(self.db)

    def close(self) -> None:
        self.db.close()

    def _set_id(self, uid: str) -> int:
        row = self.db.execute("SELECT id FROM sets WHERE uid = ?", (uid,)).fetchone()
        if row is None:
            raise KeyError(f"no set {uid!r} in the log")
        return int(row[0])

    def begin_set(self, uid: str, started_at: str, athlete: int | None = None,
                  athlete_id: int | None = None) -> None:
        """A new set; `athlete` is class mode's number, `athlete_id` the roster's athlete
        whose card was shown (None: a guest)."""
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute(
                "INSERT INTO sets (uid, started_at, athlete, athlete_id) VALUES (?, ?, ?, ?)",
                (uid, started_at, athlete, athlete_id))

    def set_live(self, updated_at: str, state: dict) -> None:
        """The kiosk's state now, for the coach page (one row, replaced)."""
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("INSERT OR REPLACE INTO live (id, updated_at, state)"
                            " VALUES (1, ?, ?)", (updated_at, json.dumps(state)))

    def take_requests(self, taken_at: str) -> list[tuple[int, str, str]]:
        """The coach page's pending requests (id, what, value), marked taken."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            rows = self.db.execute("SELECT id, what, value FROM requests"
                                   " WHERE taken_at IS NULL ORDER BY id").fetchall()
            self.db.execute("UPDATE requests SET taken_at = ? WHERE taken_at IS NULL",
                            (taken_at,))
        return [(int(i), str(w), str(v)) for i, w, v in rows]

    def answer_request(self, request_id: int, result: str) -> None:
        """What came of a request (the line the kiosk showed), for the page."""
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("UPDATE requests SET result = ? WHERE id = ?", (result, request_id))

    def add_rep(self, uid: str, rep: RepResult) -> None:
        """The rep's row, and the set's counts, in one transaction."""
        with self.db:
            self.db.execute("BEGIN")
            set_id = self._set_id(uid)
            self.db.execute(
                "INSERT OR REPLACE INTO reps (set_id, idx, start_s, end_s, passed, faults, cue,"
                " metrics) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (set_id, rep.index, rep.start, rep.end, int(rep.passed),
                 ",".join(f.value for f in rep.faults), rep.cue,
                 json.dumps({k: round(float(v), 4) for k, v in rep.metrics.items()})))
            self.db.execute(
                "UPDATE sets SET reps = (SELECT COUNT(*) FROM reps WHERE set_id = ?),"
                " passed = (SELECT COUNT(*) FROM reps WHERE set_id = ? AND passed)"
                " WHERE id = ?", (set_id, set_id, set_id))

    def end_set(self, uid: str, end: SetEnd) -> None:
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute(
                "UPDATE sets SET side = ?, main_fault = ?, ended = ?, duration_s = ?"
                " WHERE uid = ?", (end.side, end.main_fault, end.ended, end.duration_s, uid))
        self.prune()

    def prune(self) -> int:
        """Delete the oldest sets (and their reps) past max_sets; returns how many went."""
        with self.db:
            self.db.execute("BEGIN")
            cur = self.db.execute(
                "DELETE FROM sets WHERE id NOT IN"
                " (SELECT id FROM sets ORDER BY id DESC LIMIT ?)", (self.max_sets,))
            return cur.rowcount

    def sets(self) -> list[dict]:
        cur = self.db.execute("SELECT * FROM sets ORDER BY id")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def reps(self, uid: str) -> list[dict]:
        cur = self.db.execute(
            "SELECT reps.* FROM reps JOIN sets ON reps.set_id = sets.id WHERE sets.uid = ?"
            " ORDER BY idx", (uid,))
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        for r in rows:
            r["metrics"] = json.loads(r["metrics"])
            r["faults"] = [f for f in r["faults"].split(",") if f]
        return rows


class StoreWriter:
    """The log's own thread: `begin_set`, `add_rep` and `end_set` only queue the work.

    When the disk fails (full, read-only, gone) the writer keeps taking work, drops it, and
    says why in `reason`, so the station keeps coaching with a "log paused" badge.
    """

    def __init__(self, path: str | Path, max_sets: int) -> None:
        self.path = Path(path)
        self.max_sets = max_sets
        self._queue: queue.Queue = queue.Queue()
        self.reason = ""
        self.written = 0  # transactions committed
        self.dropped = 0  # operations lost to a failing disk (a count only ever grows)
        self.last_error = ""  # why the last one was lost, kept after the disk recovers
        self._opened = threading.Event()
        self._thread = threading.Thread(target=self._run, name="store", daemon=True)
        self._thread.start()

    @property
    def ok(self) -> bool:
        return not self.reason

    def begin_set(self, uid: str, started_at: str, athlete: int | None = None,
                  athlete_id: int | None = None) -> None:
        self._queue.put(("begin_set", (uid, started_at, athlete, athlete_id)))

    def set_live(self, updated_at: str, state: dict) -> None:
        self._queue.put(("set_live", (updated_at, state)))

    def answer_request(self, request_id: int, result: str) -> None:
        self._queue.put(("answer_request", (request_id, result)))

    def add_rep(self, uid: str, rep: RepResult) -> None:
        self._queue.put(("add_rep", (uid, rep)))

    def end_set(self, uid: str, end: SetEnd) -> None:
        self._queue.put(("end_set", (uid, end)))

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything queued so far is written (for shutdown and tests)."""
        done = threading.Event()
        self._queue.put(("flush", done))
        return done.wait(timeout)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5.0)

    def _run(self) -> None:
        log: SessionLog | None = None
        try:
            log = SessionLog(self.path, self.max_sets)
        except (sqlite3.Error, OSError) as exc:
            self.last_error = self.reason = f"log paused ({exc})"[:60]
        while True:
            item = self._queue.get()
            if item is None:
                break
            op, args = item
            if op == "flush":
                args.set()
                continue
            if log is None:
                self.dropped += 1
                continue
            try:
                getattr(log, op)(*args)
                self.written += 1
                self.reason = ""
            except (sqlite3.Error, OSError, KeyError) as exc:
                self._failed(exc)
        if log is not None:
            log.close()

    def _failed(self, exc: Exception) -> None:
        self.last_error = self.reason = f"log paused ({exc})"[:60]
        self.dropped += 1
