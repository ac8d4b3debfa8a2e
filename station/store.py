"""The session log: one SQLite row per set and per rep, with its metrics and faults.

Never an image, never a landmark: a set is a few hundred bytes. The database runs in WAL mode
with synchronous=FULL, so every committed rep is on the card before the commit returns and a
power cut mid-write loses at most the transaction being written, never one already committed.
Old sets are pruned past `max_sets`, never in silence: they are first saved as JSON lines
beside the log (`<log>.pruned-<UTC time>.jsonl`), and the writer announces it (the journal,
and a notice the screen shows). A set a crash or a kill left open is closed as "interrupted"
when the writer next starts. The schema below is a contract (docs/formats.md).

`SessionLog` does the SQL and is used by one thread at a time. `StoreWriter` owns one in its
own thread: the screen's loop only puts work on a queue and never waits for the disk.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import sqlite3
import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from station.domain import RepResult

SCHEMA = """
CREATE TABLE IF NOT EXISTS sets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uid TEXT NOT NULL UNIQUE,
    started_at TEXT NOT NULL,  -- wall clock, UTC ISO 8601 (a Pi without network may be off)
    athlete INTEGER,           -- class mode: the rotation's athlete number; NULL otherwise
    side TEXT,                 -- "left" / "right": the side facing the camera
    reps INTEGER NOT NULL DEFAULT 0,
    passed INTEGER NOT NULL DEFAULT 0,
    main_fault TEXT,
    ended TEXT,                -- why the set ended: done, out of view, next athlete, rotation
    duration_s REAL
);
CREATE TABLE IF NOT EXISTS reps (
    set_id INTEGER NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    start_s REAL NOT NULL,
    end_s REAL NOT NULL,
    passed INTEGER NOT NULL,
    faults TEXT NOT NULL,      -- comma-separated fault names (docs/formats.md), "" if passed
    cue TEXT NOT NULL,
    metrics TEXT NOT NULL,     -- JSON object of the coach's per-rep metrics
    PRIMARY KEY (set_id, idx)
);
"""


journal = logging.getLogger(__name__)  # the journal, under systemd

# `ended` of a set a crash, a kill or a power cut left open, closed when the log next opens.
INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class Pruned:
    """Old sets pruned past max_sets: how many, with how many reps, and the file of JSON
    lines they were saved to first."""

    sets: int
    reps: int
    saved_to: Path

    def notice(self) -> str:
        return (f"Log full: {self.sets} oldest sets ({self.reps} reps) saved to "
                f"{self.saved_to.name}, then pruned")


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
        self.pruned: Pruned | None = None  # what the last prune saved and deleted
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None, timeout=5.0)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def _set_id(self, uid: str) -> int:
        row = self.db.execute("SELECT id FROM sets WHERE uid = ?", (uid,)).fetchone()
        if row is None:
            raise KeyError(f"no set {uid!r} in the log")
        return int(row[0])

    def begin_set(self, uid: str, started_at: str, athlete: int | None = None) -> None:
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("INSERT INTO sets (uid, started_at, athlete) VALUES (?, ?, ?)",
                            (uid, started_at, athlete))

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
        """Delete the oldest sets (and their reps) past max_sets, once they are saved as JSON
        lines beside the log (`self.pruned` says where); returns how many went. When they
        cannot be saved (a full disk) none goes: the log grows past max_sets instead."""
        self.pruned = None
        doomed = [row[0] for row in self.db.execute(
            "SELECT id FROM sets ORDER BY id DESC LIMIT -1 OFFSET ?", (self.max_sets,))]
        if not doomed:
            return 0
        try:
            saved_to, reps = self._export(sorted(doomed))
        except OSError as exc:
            journal.warning("%s: %d sets past [store] max_sets = %d kept: they could not be saved "
                        "first (%s)", self.path, len(doomed), self.max_sets, exc)
            return 0
        with self.db:
            self.db.execute("BEGIN")
            cur = self.db.execute(
                "DELETE FROM sets WHERE id NOT IN"
                " (SELECT id FROM sets ORDER BY id DESC LIMIT ?)", (self.max_sets,))
        self.pruned = Pruned(cur.rowcount, reps, saved_to)
        return cur.rowcount

    def _export(self, ids: list[int]) -> tuple[Path, int]:
        """The sets `ids` with their reps, one JSON object a line, in a new file beside the
        log (written whole, synced, then renamed into place); its path and the reps saved."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        out = self.path.with_name(f"{self.path.name}.pruned-{stamp}.jsonl")
        n = 1
        while out.exists():
            n += 1
            out = self.path.with_name(f"{self.path.name}.pruned-{stamp}-{n}.jsonl")
        fd, temp = tempfile.mkstemp(prefix=".pruned-", suffix=".tmp", dir=self.path.parent)
        reps = 0
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                for set_id in ids:
                    cur = self.db.execute("SELECT * FROM sets WHERE id = ?", (set_id,))
                    names = [d[0] for d in cur.description]
                    row = dict(zip(names, cur.fetchone(), strict=True))
                    row["rep_rows"] = self._rep_rows(set_id)
                    reps += len(row["rep_rows"])
                    f.write(json.dumps(row) + "\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(temp, out)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        return out, reps

    def _rep_rows(self, set_id: int) -> list[dict]:
        cur = self.db.execute("SELECT * FROM reps WHERE set_id = ? ORDER BY idx", (set_id,))
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        for r in rows:
            r["metrics"] = json.loads(r["metrics"])
            r["faults"] = [f for f in r["faults"].split(",") if f]
        return rows

    def close_open_sets(self) -> int:
        """Close the sets a crash, a kill or a power cut left open (`ended` NULL) as
        "interrupted", their duration from their first rep's start to their last rep's end;
        returns how many. Only the log's one writer may call this, at its start."""
        with self.db:
            self.db.execute("BEGIN")
            cur = self.db.execute(
                "UPDATE sets SET ended = ?, duration_s = (SELECT MAX(end_s) - MIN(start_s)"
                " FROM reps WHERE reps.set_id = sets.id) WHERE ended IS NULL", (INTERRUPTED,))
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
        self._notices: queue.SimpleQueue[str] = queue.SimpleQueue()  # for the screen
        self._opened = threading.Event()
        self._thread = threading.Thread(target=self._run, name="store", daemon=True)
        self._thread.start()

    @property
    def ok(self) -> bool:
        return not self.reason

    def begin_set(self, uid: str, started_at: str, athlete: int | None = None) -> None:
        self._queue.put(("begin_set", (uid, started_at, athlete)))

    def add_rep(self, uid: str, rep: RepResult) -> None:
        self._queue.put(("add_rep", (uid, rep)))

    def end_set(self, uid: str, end: SetEnd) -> None:
        self._queue.put(("end_set", (uid, end)))

    def take_notice(self) -> str | None:
        """The oldest news the screen has not shown yet (old sets pruned, sets closed as
        interrupted), or None."""
        try:
            return self._notices.get_nowait()
        except queue.Empty:
            return None

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
            self._tidy(log)
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
                self._announce(log)
            except (sqlite3.Error, OSError, KeyError) as exc:
                self._failed(exc)
        if log is not None:
            log.close()

    def _tidy(self, log: SessionLog) -> None:
        """At start: close the sets left open, prune what a lowered max_sets leaves over."""
        closed = log.close_open_sets()
        if closed:
            what = f"{closed} set{'s' * (closed > 1)} left open by a stop closed as {INTERRUPTED}"
            journal.warning("%s: %s", self.path, what)
            self._notices.put(f"Log: {what}")
        log.prune()
        self._announce(log)

    def _announce(self, log: SessionLog) -> None:
        """Old sets pruned: say so in the journal and on the screen, naming the file."""
        if log.pruned is not None:
            pruned = log.pruned
            journal.warning("%s: %d oldest sets (%d reps) past [store] max_sets = %d saved to "
                            "%s, then pruned from the log", self.path, pruned.sets, pruned.reps,
                            log.max_sets, pruned.saved_to)
            self._notices.put(log.pruned.notice())
            log.pruned = None

    def _failed(self, exc: Exception) -> None:
        self.last_error = self.reason = f"log paused ({exc})"[:60]
        self.dropped += 1
