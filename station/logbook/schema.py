"""The session log's tables, its schema version and the migrations between versions.

The version is SQLite's `user_version`. A log made before versions existed reads 0 and has
`sets` and `reps`; each migration only adds (tables, columns, indexes), so nothing already
logged is lost or changed. Whoever opens the log first (the kiosk's writer, the coach page,
`station cards`) migrates it, inside one IMMEDIATE transaction, so two processes opening at
once migrate it once.
"""

from __future__ import annotations

import secrets
import sqlite3

VERSION = 1

# Version 0: the log as the first stations wrote it (kept as it was: migrations start here).
V0 = """
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

# Version 1: athletes known by a card, the set's athlete, the audit trail of the coach page,
# the page's requests to the kiosk and the kiosk's state for the page.
V1 = """
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
    what TEXT NOT NULL,        -- "buzzer", "class mode", "roster add", "login refused", ...
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
"""

MIGRATIONS: dict[int, str] = {1: V1}  # version reached -> its script


class NewerLogError(sqlite3.DatabaseError):
    """The log was made by a newer station: this one does not know its schema."""


def migrate(db: sqlite3.Connection) -> int:
    """Bring the log on `db` (autocommit connection) to VERSION; returns the version found.

    Creates the version-0 tables when missing, then runs each later migration in order, all
    in one IMMEDIATE transaction.
    """
    found = db.execute("PRAGMA user_version").fetchone()[0]
    if found == VERSION:
        return found  # nothing to do, and nothing written (a read-only log opens too)
    db.execute("BEGIN IMMEDIATE")
    try:
        found = db.execute("PRAGMA user_version").fetchone()[0]
        if found > VERSION:
            raise NewerLogError(f"schema version {found}: made by a newer station "
                                f"(this one knows {VERSION})")
        if found == 0:
            for statement in _statements(V0):
                db.execute(statement)
        for version in range(found + 1, VERSION + 1):
            for statement in _statements(MIGRATIONS[version]):
                db.execute(statement)
            if version == 1:
                db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('station_id', ?)",
                           (new_station_id(),))
        if found != VERSION:
            db.execute(f"PRAGMA user_version = {VERSION}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return found


def new_station_id() -> str:
    """Four characters of the cards' alphabet, drawn at random once per log."""
    return "".join(secrets.choice(ALPHABET) for _ in range(4))


# Upper-case letters and digits without 0/O, 1/I: QR's alphanumeric mode holds them in the
# smallest code, and a coach can read one aloud.
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def _statements(script: str) -> list[str]:
    """A script's statements one by one (executescript would commit the open transaction)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line.split("--", 1)[0] + ("\n" if "--" in line else "")
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    return [s for s in out if s]
