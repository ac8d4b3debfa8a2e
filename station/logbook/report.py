"""The session log for a coach at a terminal (`station log`): tables, one set, exports."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from station.errors import InputError
from station.logbook import read
from station.logbook.export import to_csv, to_json

REP_COLUMNS = ("rep", "passed", "faults", "cue", "hip_travel", "trunk_deg", "knee_deg")


def _when(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def sets_table(rows: list[dict]) -> str:
    """Sets as aligned text, newest first."""
    if not rows:
        return "no sets"
    lines = [f"{'set':8}  {'started':16}  {'athlete':18}  {'reps':>4}  {'passed':>6}  "
             "main fault"]
    for r in rows:
        who = read.set_athlete(r)
        lines.append(f"{r['uid'][:8]:8}  {_when(r['started_at']):16}  {who[:18]:18}  "
                     f"{r['reps']:>4}  {r['passed']:>6}  {r['main_fault'] or ''}")
    return "\n".join(lines)


def set_text(s: dict) -> str:
    """One set (`read.get_set`) and its reps as text."""
    who = read.set_athlete(s)
    head = (f"set {s['uid']}  {_when(s['started_at'])}  {who}  side {s['side'] or '?'}\n"
            f"{s['passed']} of {s['reps']} passed; main fault {s['main_fault'] or 'none'}; "
            f"ended: {s['ended_words']}"
            + (f" after {s['duration_s']:.0f} s" if s["duration_s"] else ""))
    lines = [head, f"{'rep':>3}  {'verdict':30}  cue"]
    for r in s["rep_list"]:
        verdict = "PASS" if r["passed"] else "FAIL " + ", ".join(r["faults"])
        lines.append(f"{r['rep']:>3}  {verdict:30}  {r['cue']}")
    return "\n".join(lines)


def rep_rows(s: dict) -> list[dict]:
    return [{"rep": r["rep"], "passed": r["passed"], "faults": r["faults"], "cue": r["cue"],
             **{k: r["metrics"].get(k) for k in ("hip_travel", "trunk_deg", "knee_deg")}}
            for r in s["rep_list"]]


def log_report(log_path: Path, *, set_uid: str | None = None, athlete: str | None = None,
               since: str | None = None, limit: int | None = 50, fmt: str = "text") -> str:
    """What `station log` prints: the sets (filtered) or one set, as text, CSV or JSON.

    Exports (CSV, JSON) hold every matching set, whatever the limit."""
    if not log_path.exists():
        raise InputError(f"{log_path}: no session log there yet: `station run` (or `station "
                         "demo --log`) writes it on its first set; --config names another "
                         "station's settings")
    db = read.open_log(log_path)
    try:
        if set_uid is not None:
            s = read.get_set(db, set_uid)
            if fmt == "json":
                return to_json([s], (*read.SET_COLUMNS, "rep_list"))
            if fmt == "csv":
                return to_csv(rep_rows(s), REP_COLUMNS)
            return set_text(s)
        athlete_id = read.find_athlete(db, athlete)["id"] if athlete else None
        since_iso = read.parse_since(since) if since else None
        rows = read.iter_sets(db, athlete_id=athlete_id, since=since_iso,
                              limit=None if fmt != "text" else limit)
        if fmt == "json":
            return to_json(rows, read.SET_COLUMNS)
        if fmt == "csv":
            return to_csv(rows, read.SET_COLUMNS).rstrip("\n")
        return sets_table(list(rows))
    finally:
        db.close()
