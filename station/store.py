"""The session log: one SQLite row per set and per rep, with its metrics and faults.

Never an image, never a landmark: a set is a few hundred bytes. The database runs in WAL mode
with synchronous=FULL, so every committed rep is on the card before the commit returns and a
power cut mid-write loses at most the transaction being written, never one already committed.
Old sets are pruned past `max_sets`, never in silence: they are first saved as JSON lines
beside the log (`<log>.pruned-<UTC time>.jsonl`), and the writer announces it (the journal,
and a notice the screen shows). A set a crash or a kill left open is closed as "interrupted"
when the writer next starts; one writer at a time, so a second one (a demo logging to the
kiosk's log) is refused rather than closing the kiosk's set in progress. The schema below
is a contract (docs/formats.md).

The log also holds the outbox: the messages (a rep, a set) bound for the gym's MQTT broker,
written in the same transaction as the rows they tell of, so a result logged is a result that
will go out. A row is marked sent only when the broker has acknowledged it.

The schema carries its version in SQLite's `user_version`; `MIGRATIONS` takes a log of any
older version to the newest, each step in one transaction, losing nothing.

`SessionLog` does the SQL and is used by one thread at a time. `StoreWriter` owns one in its
own thread: the screen's loop only puts work on a queue and never waits for the disk.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from station.errors import InputError
from station.files import new_file

if TYPE_CHECKING:  # the coach page imports this module: it must not pull numpy in
    from station.domain import RepResult

# Version 1: the sets and reps (a log made before versions were kept reads 0 and has them).
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

# Version 2: the outbox of messages for the MQTT broker, oldest first by seq.
OUTBOX = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    msg_id TEXT NOT NULL UNIQUE,  -- the set's or rep's unique id, also inside the payload
    topic TEXT NOT NULL,
    payload TEXT NOT NULL,        -- JSON, as it goes on the wire
    created_at TEXT NOT NULL,     -- wall clock, UTC ISO 8601
    sent_at TEXT                  -- when the broker acknowledged it; NULL while unsent
);
CREATE INDEX IF NOT EXISTS outbox_unsent ON outbox (seq) WHERE sent_at IS NULL;
"""

# Version 3: athletes known by a card (the roster, and the station's id printed in every
# card's code), the set's athlete, the coach page's audit trail, its requests to the kiosk
# and the kiosk's state for the page.
COACH_PAGE = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL        -- station_id: the roster's id, printed in every card's code
);
CREATE TABLE athletes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    card TEXT NOT NULL UNIQUE, -- the random id in the card's code (never the name)
    name TEXT NOT NULL,
    nickname TEXT NOT NULL DEFAULT '',  -- shown instead of the name when set
    number INTEGER NOT NULL,   -- printed on the card
    position INTEGER NOT NULL, -- place in the class-mode rotation
    active INTEGER NOT NULL DEFAULT 1,  -- 0: off the roster (their sets stay)
    added_at TEXT NOT NULL     -- UTC ISO 8601
);
ALTER TABLE sets ADD COLUMN athlete_id INTEGER REFERENCES athletes(id);  -- NULL: a guest
CREATE INDEX sets_started_at ON sets(started_at);
CREATE INDEX sets_athlete_id ON sets(athlete_id);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,          -- UTC ISO 8601
    who TEXT NOT NULL,         -- "coach page 192.168.1.20", "station cards", ...
    what TEXT NOT NULL,        -- "mute", "class mode", "roster add", "login refused", ...
    detail TEXT NOT NULL DEFAULT ''
);
CREATE TABLE requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    what TEXT NOT NULL,        -- "calibrate", "mute", "class_mode"
    value TEXT NOT NULL DEFAULT '',
    taken_at TEXT,             -- when the kiosk took it; NULL while pending
    result TEXT NOT NULL DEFAULT ''
);
CREATE TABLE live (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    updated_at TEXT NOT NULL,  -- UTC ISO 8601 of the kiosk's last word
    state TEXT NOT NULL        -- JSON: screen, athlete, reps, verdicts, badges, settings
);
INSERT INTO meta (key, value) SELECT 'station_id',
    substr('23456789ABCDEFGHJKLMNPQRSTUVWXYZ', 1 + abs(random()) % 32, 1)
    || substr('23456789ABCDEFGHJKLMNPQRSTUVWXYZ', 1 + abs(random()) % 32, 1)
    || substr('23456789ABCDEFGHJKLMNPQRSTUVWXYZ', 1 + abs(random()) % 32, 1)
    || substr('23456789ABCDEFGHJKLMNPQRSTUVWXYZ', 1 + abs(random()) % 32, 1);
"""

# Version 4: whether the coach gave the rep a verdict (0: counted without one, because of
# the camera's view, knees hidden or a rep seen in part; `passed` is then 0 and `faults`
# ""). Reps logged before it all had one.
JUDGED = """
ALTER TABLE reps ADD COLUMN judged INTEGER NOT NULL DEFAULT 1;
"""

# Each step takes the log from version i to i + 1 (MIGRATIONS[0] makes version 1).
MIGRATIONS: tuple[str, ...] = (SCHEMA, OUTBOX, COACH_PAGE, JUDGED)
SCHEMA_VERSION = len(MIGRATIONS)

# Sent messages kept in the outbox after their acknowledgement (the rest are pruned): enough
# to see what went out lately, never a growing table.
SENT_KEPT = 1000


def migrate(db: sqlite3.Connection) -> int:
    """Bring the log on `db` (autocommit) to SCHEMA_VERSION; returns the version it had.

    Each step runs in one immediate transaction with the version bump, so a crash mid-step
    leaves the old version whole, and two processes opening one old log migrate it once.
    A log from a newer station (a higher version) is left as it is.
    """
    before = int(db.execute("PRAGMA user_version").fetchone()[0])
    while True:
        db.execute("BEGIN IMMEDIATE")
        try:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            if version >= SCHEMA_VERSION:
                db.execute("COMMIT")
                return before
            for statement in _statements(MIGRATIONS[version]):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {version + 1}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise


def _statements(script: str) -> list[str]:
    """A migration's statements, one by one (executescript would commit on its own)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    return [s for s in out if s]


@dataclass(frozen=True)
class OutboxMessage:
    """One message for the broker: its unique id (a set's or rep's), topic and JSON text."""

    msg_id: str
    topic: str
    payload: str


@dataclass(frozen=True)
class PendingMessage:
    """An unsent outbox row, in the order it must go out."""

    seq: int
    msg_id: str
    topic: str
    payload: str


class OutboxFormatter(Protocol):
    """Turns what the log records into the messages that tell the broker of it."""

    def rep_message(self, set_row: dict, rep: RepResult) -> OutboxMessage: ...

    def set_message(self, set_row: dict, reps: list[dict]) -> OutboxMessage: ...


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


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
    """The log's SQL on one connection. Every method is one committed transaction.

    Writes begin IMMEDIATE: two connections write to one log (the writer's thread, and the
    publisher marking outbox rows sent), and a deferred transaction that read first could
    not take the write lock after the other's commit without failing at once.
    """

    def __init__(self, path: str | Path, max_sets: int = 10000,
                 outbox: OutboxFormatter | None = None, outbox_max: int = 100_000) -> None:
        self.path = Path(path)
        self.max_sets = max_sets
        self.outbox = outbox
        self.outbox_max = outbox_max
        self.pruned: Pruned | None = None  # what the last prune saved and deleted
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None, timeout=5.0)
        self._wal()
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.migrated_from = migrate(self.db)

    def _wal(self, tries: int = 50) -> None:
        """WAL mode. Switching a new file to it needs the file to itself and does not wait
        for a busy handler, so a second connection opening the same new log (the outbox's
        publisher beside the writer) tries again for a moment."""
        for attempt in range(tries):
            try:
                self.db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == tries - 1:
                    raise
                time.sleep(0.05)

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
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(
                "INSERT INTO sets (uid, started_at, athlete, athlete_id) VALUES (?, ?, ?, ?)",
                (uid, started_at, athlete, athlete_id))

    def set_live(self, updated_at: str, state: dict) -> None:
        """The kiosk's state now, for the coach page (one row, replaced)."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("INSERT OR REPLACE INTO live (id, updated_at, state)"
                            " VALUES (1, ?, ?)", (updated_at, json.dumps(state)))

    def answer_request(self, request_id: int, result: str) -> None:
        """What came of a coach page's request (the line the kiosk showed), for the page."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("UPDATE requests SET result = ? WHERE id = ?", (result, request_id))

    def add_rep(self, uid: str, rep: RepResult) -> None:
        """The rep's row, and the set's counts, in one transaction."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            set_id = self._set_id(uid)
            self.db.execute(
                "INSERT OR REPLACE INTO reps (set_id, idx, start_s, end_s, passed, faults, cue,"
                " metrics, judged) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (set_id, rep.index, rep.start, rep.end, int(rep.passed),
                 ",".join(f.value for f in rep.faults), rep.cue,
                 json.dumps({k: round(float(v), 4) for k, v in rep.metrics.items()}),
                 int(rep.judged)))
            self.db.execute(
                "UPDATE sets SET reps = (SELECT COUNT(*) FROM reps WHERE set_id = ?),"
                " passed = (SELECT COUNT(*) FROM reps WHERE set_id = ? AND passed)"
                " WHERE id = ?", (set_id, set_id, set_id))
            if self.outbox is not None:
                self._enqueue([self.outbox.rep_message(self._set_row(uid), rep)])

    def end_set(self, uid: str, end: SetEnd) -> None:
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(
                "UPDATE sets SET side = ?, main_fault = ?, ended = ?, duration_s = ?"
                " WHERE uid = ?", (end.side, end.main_fault, end.ended, end.duration_s, uid))
            if self.outbox is not None:
                self._enqueue([self.outbox.set_message(self._set_row(uid), self.reps(uid))])
        self.prune()

    def prune(self) -> int:
        """Delete the oldest sets (and their reps) past max_sets, once they are saved as JSON
        lines beside the log (`self.pruned` says where), and outbox rows past their limits
        (sent ones past SENT_KEPT, unsent past outbox_max, oldest first); returns how many
        sets went. Sets that cannot be saved first (a full disk) stay: the log grows past
        max_sets instead, and the journal says why."""
        self.pruned = None
        doomed = sorted(row[0] for row in self.db.execute(
            "SELECT id FROM sets ORDER BY id DESC LIMIT -1 OFFSET ?", (self.max_sets,)))
        saved_to, reps = None, 0
        if doomed:
            try:
                saved_to, reps = self._export(doomed)
            except OSError as exc:
                journal.warning("%s: %d sets past [store] max_sets = %d kept: they could not "
                                "be saved first (%s)", self.path, len(doomed), self.max_sets,
                                exc)
                doomed = []
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("DELETE FROM sets WHERE id = ?", [(i,) for i in doomed])
            self.db.execute(
                "DELETE FROM outbox WHERE sent_at IS NOT NULL AND seq NOT IN (SELECT seq FROM"
                " outbox WHERE sent_at IS NOT NULL ORDER BY seq DESC LIMIT ?)", (SENT_KEPT,))
            self.db.execute(
                "DELETE FROM outbox WHERE sent_at IS NULL AND seq NOT IN (SELECT seq FROM"
                " outbox WHERE sent_at IS NULL ORDER BY seq DESC LIMIT ?)", (self.outbox_max,))
        if doomed and saved_to is not None:
            self.pruned = Pruned(len(doomed), reps, saved_to)
        return len(doomed)

    def _export(self, ids: list[int]) -> tuple[Path, int]:
        """The sets `ids` with their reps, one JSON object a line, in a new file beside the
        log (written whole, synced, then renamed into place); its path and the reps saved."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        out = self.path.with_name(f"{self.path.name}.pruned-{stamp}.jsonl")
        n = 1
        while out.exists():
            n += 1
            out = self.path.with_name(f"{self.path.name}.pruned-{stamp}-{n}.jsonl")
        fd, temp = new_file(self.path.parent, ".pruned-", ".tmp")
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
            self.db.execute("BEGIN IMMEDIATE")
            cur = self.db.execute(
                "UPDATE sets SET ended = ?, duration_s = (SELECT MAX(end_s) - MIN(start_s)"
                " FROM reps WHERE reps.set_id = sets.id) WHERE ended IS NULL", (INTERRUPTED,))
        return cur.rowcount

    # -- the outbox ------------------------------------------------------------------------

    def _set_row(self, uid: str) -> dict:
        """The set's row, with `athlete_name`: what the station calls the athlete whose card
        started it (their nickname, else their name; None for a guest), as the log's
        readers name them."""
        cur = self.db.execute(
            "SELECT s.*, CASE WHEN a.id IS NULL THEN NULL WHEN a.nickname != '' THEN a.nickname"
            " ELSE a.name END AS athlete_name"
            " FROM sets s LEFT JOIN athletes a ON a.id = s.athlete_id WHERE s.uid = ?", (uid,))
        row = cur.fetchone()
        if row is None:
            raise KeyError(f"no set {uid!r} in the log")
        return dict(zip([d[0] for d in cur.description], row, strict=True))

    def _enqueue(self, messages: Sequence[OutboxMessage]) -> None:
        """Inside the caller's transaction: the messages join the outbox (an id already
        there is not queued twice)."""
        now = _now()
        self.db.executemany(
            "INSERT OR IGNORE INTO outbox (msg_id, topic, payload, created_at)"
            " VALUES (?, ?, ?, ?)", [(m.msg_id, m.topic, m.payload, now) for m in messages])

    def enqueue(self, messages: Sequence[OutboxMessage]) -> None:
        """Messages that tell of nothing in the log's tables (one transaction)."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self._enqueue(messages)

    def pending(self, after: int = 0, limit: int = 100) -> list[PendingMessage]:
        """Unsent messages past seq `after`, oldest first."""
        rows = self.db.execute(
            "SELECT seq, msg_id, topic, payload FROM outbox WHERE sent_at IS NULL AND seq > ?"
            " ORDER BY seq LIMIT ?", (after, limit)).fetchall()
        return [PendingMessage(*r) for r in rows]

    def mark_sent(self, seqs: Sequence[int]) -> None:
        """The broker acknowledged these (one transaction for the lot)."""
        if not seqs:
            return
        now = _now()
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("UPDATE outbox SET sent_at = ? WHERE seq = ?",
                                [(now, s) for s in seqs])

    def outbox_length(self) -> int:
        """Messages waiting for the broker's acknowledgement."""
        return int(self.db.execute(
            "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0])

    def outbox_rows(self) -> list[dict]:
        cur = self.db.execute("SELECT * FROM outbox ORDER BY seq")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def day_counts(self, since_utc: str) -> dict[str, int]:
        """Sets, reps and passed reps of the sets begun at or after `since_utc` (ISO 8601)."""
        row = self.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(reps), 0), COALESCE(SUM(passed), 0) FROM sets"
            " WHERE started_at >= ?", (since_utc,)).fetchone()
        return {"sets": int(row[0]), "reps": int(row[1]), "passed": int(row[2])}

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


class WriterLock:
    """The right to write a log's sets: `<log>.writer`, locked with flock while its holder
    lives (the kernel lets go when the process dies, however it dies).

    Only the holder may close the sets left open, so a demo started with `--log` beside a
    running kiosk is refused instead of taking the kiosk's set in progress for one a kill
    left open. A folder the lock cannot be made in is no reason to stop: the writer then
    finds the disk's fault itself and pauses the log with a badge.
    """

    def __init__(self, log_path: Path) -> None:
        self.path = log_path.with_name(log_path.name + ".writer")
        self._fd: int | None = None
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError:
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise InputError(f"{log_path}: another station process (pid {holder}) writes "
                             "this session log; stop it first (the kiosk: sudo systemctl "
                             "stop station)") from None
        except OSError:
            os.close(fd)
            return
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class StoreWriter:
    """The log's own thread: `begin_set`, `add_rep` and `end_set` only queue the work.

    When the disk fails (full, read-only, gone) the writer keeps taking work, drops it, and
    says why in `reason`, so the station keeps coaching with a "log paused" badge.
    """

    def __init__(self, path: str | Path, max_sets: int,
                 outbox: OutboxFormatter | None = None, outbox_max: int = 100_000,
                 on_outbox: Callable[[], None] | None = None) -> None:
        """`outbox` turns each rep and set into broker messages written with it;
        `on_outbox` is called (from the writer's thread) after each such commit: the
        publisher's wake-up."""
        self.path = Path(path)
        self.max_sets = max_sets
        self.outbox = outbox
        self.outbox_max = outbox_max
        self.on_outbox = on_outbox
        self._queue: queue.Queue = queue.Queue()
        self.reason = ""
        self.written = 0  # transactions committed
        self.dropped = 0  # operations lost to a failing disk (a count only ever grows)
        self.last_error = ""  # why the last one was lost, kept after the disk recovers
        self._notices: queue.SimpleQueue[str] = queue.SimpleQueue()  # for the screen
        self._opened = threading.Event()
        self._lock = WriterLock(self.path)  # InputError: another process writes this log
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
        if not self._thread.is_alive():
            self._lock.release()

    def _run(self) -> None:
        log: SessionLog | None = None
        try:
            log = SessionLog(self.path, self.max_sets, self.outbox, self.outbox_max)
            self._tidy(log)
        except (sqlite3.Error, OSError) as exc:
            journal.warning("%s: cannot be opened, the log is paused: %s", self.path, exc)
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
                if self.reason:
                    journal.warning("%s: writes work again (%d lost)", self.path, self.dropped)
                self.reason = ""
                self._announce(log)
                if self.on_outbox is not None and self.outbox is not None and op in (
                        "add_rep", "end_set"):
                    self.on_outbox()
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
        if not self.reason:  # once a failure, not once a write
            journal.warning("%s: writes failing, the log is paused: %s", self.path, exc)
        self.last_error = self.reason = f"log paused ({exc})"[:60]
        self.dropped += 1
