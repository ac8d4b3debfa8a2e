"""Reading the session log: sets, one set, today by athlete, an athlete's history, the roster.

Every function takes an open connection and returns plain dicts and lists (what the coach
page renders and `station log` prints and exports). Times in the log are UTC ISO 8601;
"today" and "a session" (one athlete's sets of one day) follow the machine's local time.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from station.errors import InputError
from station.store import INTERRUPTED, migrate

# The faults of DESIGN.md in the order a tie is broken (the root cause first).
FAULT_ORDER = ("hips_stopped", "knee_bend", "stick_contact", "shallow", "band_slack")

SET_COLUMNS = ("uid", "started_at", "athlete_id", "athlete", "class_number", "side", "reps",
               "passed", "main_fault", "ended", "duration_s")

_SET_SELECT = """
SELECT s.uid, s.started_at, s.athlete_id,
       CASE WHEN a.id IS NULL THEN NULL
            WHEN a.nickname != '' THEN a.nickname ELSE a.name END AS athlete,
       s.athlete AS class_number, s.side, s.reps, s.passed, s.main_fault, s.ended,
       s.duration_s
FROM sets s LEFT JOIN athletes a ON a.id = s.athlete_id
"""


def open_log(path: str | Path, *, write: bool = False, timeout_s: float = 2.0
             ) -> sqlite3.Connection:
    """A connection to the session log, migrated to the current schema.

    Readers (`write=False`) are query-only: nothing they run can change the log. A missing
    file, a file that is no SQLite database, or one locked past `timeout_s` is an InputError
    naming the file.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no session log there (the station writes it on its first "
                         "set)")
    try:
        db = sqlite3.connect(path, isolation_level=None, timeout=timeout_s,
                             check_same_thread=False)
        db.execute(f"PRAGMA busy_timeout={int(timeout_s * 1000)}")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        migrate(db)
        if not write:
            db.execute("PRAGMA query_only=ON")
    except sqlite3.Error as exc:
        raise InputError(f"{path}: cannot read the session log ({exc})") from None
    return db


def _rows(cur: sqlite3.Cursor) -> list[dict]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def utc_start_of(day: date) -> str:
    """The UTC ISO time at which local `day` began (the log's own format)."""
    local = datetime.combine(day, time.min).astimezone()
    return local.astimezone(UTC).isoformat(timespec="seconds")


def parse_since(text: str, asked: str = "--since") -> str:
    """`--since` as the log's UTC ISO time: YYYY-MM-DD (local midnight), "today", or Nd;
    `asked` names where the text came from in the error (an option, a page's query)."""
    text = text.strip()
    today = datetime.now().astimezone().date()
    if text == "today":
        return utc_start_of(today)
    if text.endswith("d") and text[:-1].isdigit():
        return utc_start_of(today - timedelta(days=int(text[:-1])))
    try:
        return utc_start_of(date.fromisoformat(text))
    except ValueError:
        raise InputError(f"{asked} {text!r}: give a date (YYYY-MM-DD), 'today' or a number "
                         "of days like 7d") from None


def find_athlete(db: sqlite3.Connection, key: str, asked: str = "--athlete") -> dict:
    """One athlete by roster number, card id, name or nickname (case-insensitive); `asked`
    names where the key came from in the error (an option, a page's query)."""
    key = key.strip()
    rows = _rows(db.execute(
        "SELECT * FROM athletes WHERE CAST(number AS TEXT) = ? OR upper(card) = upper(?)"
        " OR lower(name) = lower(?) OR (nickname != '' AND lower(nickname) = lower(?))"
        " ORDER BY active DESC, id", (key, key, key, key)))
    if not rows:
        raise InputError(f"{asked} {key!r}: nobody on the roster by that number, card or name")
    if len({r["id"] for r in rows}) > 1 and not key.isdigit():
        names = ", ".join(f"#{r['number']} {r['name']}" for r in rows)
        raise InputError(f"{asked} {key!r} is more than one athlete ({names}): give a number")
    return rows[0]


def list_sets(db: sqlite3.Connection, *, athlete_id: int | None = None,
              since: str | None = None, limit: int | None = None) -> list[dict]:
    """Sets, newest first: of one athlete, since a UTC ISO time, at most `limit`."""
    return list(iter_sets(db, athlete_id=athlete_id, since=since, limit=limit))


def iter_sets(db: sqlite3.Connection, *, athlete_id: int | None = None,
              since: str | None = None, limit: int | None = None) -> Iterator[dict]:
    """`list_sets` a row at a time (an export of 10,000 sets never holds them all)."""
    where, args = [], []
    if athlete_id is not None:
        where.append("s.athlete_id = ?")
        args.append(athlete_id)
    if since is not None:
        where.append("s.started_at >= ?")
        args.append(since)
    sql = _SET_SELECT + (" WHERE " + " AND ".join(where) if where else "")
    sql += " ORDER BY s.id DESC"
    if limit is not None:
        sql += " LIMIT ?"
        args.append(limit)
    cur = db.execute(sql, args)
    names = [d[0] for d in cur.description]
    for row in cur:
        yield dict(zip(names, row, strict=True))


def ended_words(ended: str | None) -> str:
    """How a set ended, as a coach reads it later: the log's value, said in full where the
    value alone does not tell what happened."""
    if ended is None:
        return "still under way"
    if ended == INTERRUPTED:
        return "interrupted (the station stopped before closing it: a power cut, a crash or a kill)"
    return ended


def get_set(db: sqlite3.Connection, uid: str) -> dict:
    """One set with its reps (and `ended_words`); `uid` may be any unique prefix of the
    set's id (8 is plenty)."""
    prefix = uid.strip().lower()
    # LIKE takes % and _ as wildcards: escaped, they are the characters they are.
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = _rows(db.execute(_SET_SELECT + " WHERE s.uid LIKE ? ESCAPE '\\' ORDER BY s.id "
                            "LIMIT 2", (pattern,)))
    if not rows or not uid.strip():
        raise InputError(f"set {uid!r}: no such set in the log")
    if len(rows) > 1:
        raise InputError(f"set {uid!r}: more than one set starts so: give more of its id")
    found = rows[0]
    reps = _rows(db.execute(
        "SELECT r.idx AS rep, r.start_s, r.end_s, r.passed, r.faults, r.cue, r.metrics"
        " FROM reps r JOIN sets s ON s.id = r.set_id WHERE s.uid = ? ORDER BY r.idx",
        (found["uid"],)))
    for r in reps:
        r["faults"] = [f for f in r["faults"].split(",") if f]
        r["metrics"] = json.loads(r["metrics"])
    found["rep_list"] = reps
    found["ended_words"] = ended_words(found["ended"])
    return found


def main_fault(counts: Counter) -> str | None:
    """The commonest fault; a tie goes to the root cause (FAULT_ORDER)."""
    if not counts:
        return None
    top = max(counts.values())
    tied = [f for f, n in counts.items() if n == top]
    return min(tied, key=lambda f: FAULT_ORDER.index(f) if f in FAULT_ORDER else 99)


def by_athlete(db: sqlite3.Connection, since: str) -> list[dict]:
    """Sets since a UTC ISO time grouped by athlete: sets, reps, passed, the main fault.

    Guests (no card) are one row with `athlete_id` None; rows come in roster order.
    """
    rows = db.execute(
        "SELECT s.athlete_id, r.passed, r.faults FROM sets s JOIN reps r ON r.set_id = s.id"
        " WHERE s.started_at >= ?", (since,)).fetchall()
    sets = dict(db.execute("SELECT athlete_id, COUNT(*) FROM sets WHERE started_at >= ?"
                           " GROUP BY athlete_id", (since,)).fetchall())
    acc: dict[int | None, dict] = {}
    for athlete_id, passed, faults in rows:
        a = acc.setdefault(athlete_id, {"reps": 0, "passed": 0, "faults": Counter()})
        a["reps"] += 1
        a["passed"] += passed
        a["faults"].update(f for f in faults.split(",") if f)
    people = {r["id"]: r for r in roster(db, active_only=False)}
    out = []
    for athlete_id in sorted(sets, key=lambda i: (i is None, people.get(i, {}).get(
            "position", 0), i or 0)):
        a = acc.get(athlete_id, {"reps": 0, "passed": 0, "faults": Counter()})
        person = people.get(athlete_id)
        out.append({
            "athlete_id": athlete_id,
            "athlete": display_name(person) if person else None,
            "number": person["number"] if person else None,
            "sets": sets[athlete_id], "reps": a["reps"], "passed": a["passed"],
            "main_fault": main_fault(a["faults"]),
        })
    return out


def athlete_history(db: sqlite3.Connection, athlete_id: int) -> list[dict]:
    """One athlete's sessions (their sets of one local day), oldest first: sets, reps,
    passed, pass rate, and the hips-back depth (mean hip travel of their reps, in leg
    lengths)."""
    return _rows(db.execute(
        "SELECT date(s.started_at, 'localtime') AS day, COUNT(DISTINCT s.id) AS sets,"
        " COUNT(r.idx) AS reps, COALESCE(SUM(r.passed), 0) AS passed,"
        " ROUND(1.0 * COALESCE(SUM(r.passed), 0) / MAX(COUNT(r.idx), 1), 3) AS pass_rate,"
        " ROUND(AVG(json_extract(r.metrics, '$.hip_travel')), 3) AS hip_travel"
        " FROM sets s LEFT JOIN reps r ON r.set_id = s.id WHERE s.athlete_id = ?"
        " GROUP BY day ORDER BY day", (athlete_id,)))


def display_name(person: dict) -> str:
    """What the station calls an athlete: the nickname if they have one, else the name."""
    return person["nickname"] or person["name"]


def set_athlete(row: dict) -> str:
    """Who did a set (a row of `iter_sets` or `get_set`), as the log shows it: the roster's
    name for a card shown, "class #N" for class mode's Nth athlete, else "guest"."""
    if row["athlete"]:
        return row["athlete"]
    if row["class_number"] is not None:
        return f"class #{row['class_number']}"
    return "guest"


def roster(db: sqlite3.Connection, active_only: bool = True) -> list[dict]:
    """The roster in rotation order."""
    sql = "SELECT * FROM athletes" + (" WHERE active" if active_only else "")
    return _rows(db.execute(sql + " ORDER BY position, id"))


def station_id(db: sqlite3.Connection) -> str:
    return str(db.execute("SELECT value FROM meta WHERE key = 'station_id'").fetchone()[0])


def audit(db: sqlite3.Connection, limit: int = 50) -> list[dict]:
    """The newest changes made through the page and the commands, newest first."""
    return _rows(db.execute("SELECT at, who, what, detail FROM audit ORDER BY id DESC LIMIT ?",
                            (limit,)))


@dataclass(frozen=True)
class LiveState:
    """The kiosk's last word on its state, and when it said it (None: never)."""

    updated_at: datetime | None
    state: dict

    def age_s(self, now: datetime) -> float | None:
        return None if self.updated_at is None else (now - self.updated_at).total_seconds()


def live(db: sqlite3.Connection) -> LiveState:
    row = db.execute("SELECT updated_at, state FROM live WHERE id = 1").fetchone()
    if row is None:
        return LiveState(None, {})
    try:
        return LiveState(datetime.fromisoformat(row[0]), json.loads(row[1]))
    except ValueError:
        return LiveState(None, {})


def current_reps(db: sqlite3.Connection, uid: str, last: int = 10) -> list[dict]:
    """The newest reps of the set under way: index, passed, judged, faults, cue."""
    reps = _rows(db.execute(
        "SELECT r.idx AS rep, r.passed, r.judged, r.faults, r.cue FROM reps r JOIN sets s"
        " ON s.id = r.set_id WHERE s.uid = ? ORDER BY r.idx DESC LIMIT ?", (uid, last)))
    for r in reps:
        r["faults"] = [f for f in r["faults"].split(",") if f]
    return reps[::-1]
