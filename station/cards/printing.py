"""`station cards`: a roster CSV onto the station's roster, and its cards onto paper."""

from __future__ import annotations

from pathlib import Path

from station.cards.sheet import LAYOUTS, Card, write_cards
from station.errors import InputError
from station.files import same_file
from station.logbook import read
from station.logbook.roster import import_roster, payload_for, read_roster_csv
from station.store import SessionLog


def print_cards(roster_csv: Path, out: Path, log_path: Path, layout: str,
                max_sets: int = 10000) -> str:
    """Put the roster's athletes on the station's roster (kept cards stay valid) and write
    their cards; returns the line to print."""
    lines = read_roster_csv(roster_csv)
    if out.suffix.lower() == ".pdf" and same_file(out, roster_csv):
        raise InputError(f"{out}: the cards would overwrite the roster ({roster_csv}): name "
                         "another file")
    try:
        SessionLog(log_path, max_sets).close()  # the log and its schema, made if missing
    except Exception as exc:  # sqlite3.Error, OSError
        raise InputError(f"{log_path}: cannot open the session log ({exc})") from None
    db = read.open_log(log_path, write=True)
    try:
        people = import_roster(db, lines, "station cards")
        cards = [Card(payload_for(db, p), p["number"], read.display_name(p), p["card"])
                 for p in people]
        station = read.station_id(db)
    finally:
        db.close()
    written = write_cards(cards, out, LAYOUTS[layout])
    files = ", ".join(str(p) for p in written)
    return (f"{len(cards)} card{'' if len(cards) == 1 else 's'} ({layout}, station {station}) "
            f"written to {files}; "
            f"the roster is in {log_path}")
