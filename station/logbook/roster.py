"""The roster: athletes known by a card, read from a coach's CSV and kept in the session log.

A roster CSV has a header with `name` (required) and optionally `nickname` (what the screen
calls them) and `card` (a card id printed before, to keep an athlete's old card valid).
Importing a roster adds the athletes it does not know yet, each with a new random card id;
an athlete already on the roster (same card, or else same name) keeps their card. Every
change is written to the audit trail with who made it.
"""

from __future__ import annotations

import csv
import io
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from station.errors import InputError
from station.files import read_regular_text
from station.logbook.read import roster, station_id

# Upper-case letters and digits without 0/O, 1/I: QR's alphanumeric mode holds them in the
# smallest code, and a coach can read one aloud. (The station's id, drawn when the log's
# schema reaches version 3, uses the same: station/store.py.)
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CARD_LEN = 8  # 40 bits: a guess finds nobody; with the station id it fits a version-1 QR
MAX_NAME = 40
MAX_ROSTER_BYTES = 1 << 20  # a roster of 2,000 athletes is about 100 KB
MAX_ATHLETES = 2000  # past any gym's roster; each is a page or half a page of cards


@dataclass(frozen=True)
class RosterLine:
    """One athlete as the CSV gives them."""

    name: str
    nickname: str = ""
    card: str = ""


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_card_id() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CARD_LEN))


def clean_name(value: str, where: str = "", what: str = "name") -> str:
    """A name as the station shows it: trimmed, no control characters, not too long. An
    error starts with `where` (a file's line; "" on the page, whose field `what` names)."""
    name = " ".join(value.split())
    at = f"{where}: " if where else ""
    if not name:
        raise InputError(f"{at}the {what} is empty")
    if len(name) > MAX_NAME:
        raise InputError(f"{at}{what} {name[:20]!r}... is longer than {MAX_NAME} characters")
    if any(not ch.isprintable() for ch in name):
        raise InputError(f"{at}{what} {name!r} has a control character")
    return name


def clean_card(value: str, where: str) -> str:
    card = value.strip().upper()
    if len(card) != CARD_LEN or any(ch not in ALPHABET for ch in card):
        raise InputError(f"{where}: card {value!r} is not a card id ({CARD_LEN} of "
                         f"{ALPHABET})")
    return card


def read_roster_csv(path: str | Path) -> list[RosterLine]:
    """The athletes of a roster CSV; a bad file, header, name or a duplicate is one
    InputError naming the file and line."""
    path = Path(path)
    text = read_regular_text(path, "roster file", MAX_ROSTER_BYTES, InputError)
    return parse_roster(text, str(path))


def parse_roster(text: str, where: str) -> list[RosterLine]:
    try:
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    except csv.Error as exc:
        raise InputError(f"{where}: not a CSV file ({exc})") from None
    rows = [r for r in rows if any(c.strip() for c in r)]
    if len(rows) > MAX_ATHLETES + 1:
        raise InputError(f"{where}: {len(rows) - 1} athletes, more than the {MAX_ATHLETES} a "
                         "roster may hold")
    if not rows:
        raise InputError(f"{where}: the roster is empty (a header line 'name' and a name a "
                         "line)")
    header = [h.strip().lower() for h in rows[0]]
    unknown = [h for h in header if h not in ("name", "nickname", "card")]
    if "name" not in header or unknown:
        raise InputError(f"{where}: line 1: the header must name the columns name, and "
                         f"optionally nickname and card (found {', '.join(header)})")
    col = {h: i for i, h in enumerate(header)}
    out: list[RosterLine] = []
    names: dict[str, int] = {}
    cards: dict[str, int] = {}
    for n, row in enumerate(rows[1:], start=2):
        at = f"{where}: line {n}"
        if len(row) > len(header):
            raise InputError(f"{at}: {len(row)} fields, the header has {len(header)} "
                             "(a comma in a name needs quotes)")
        cell = {h: (row[i] if i < len(row) else "") for h, i in col.items()}
        name = clean_name(cell["name"], at)
        nickname = " ".join(cell.get("nickname", "").split())
        if nickname:
            nickname = clean_name(nickname, at)
        card = clean_card(cell["card"], at) if cell.get("card", "").strip() else ""
        key = name.lower()
        if key in names:
            raise InputError(f"{at}: {name!r} is on the roster twice (line {names[key]} too)")
        names[key] = n
        if card:
            if card in cards:
                raise InputError(f"{at}: duplicate card id {card} (line {cards[card]} too)")
            cards[card] = n
        out.append(RosterLine(name, nickname, card))
    if not out:
        raise InputError(f"{where}: the roster has a header but no athletes")
    return out


def write_audit(db: sqlite3.Connection, who: str, what: str, detail: str = "") -> None:
    """One line of the audit trail (inside the caller's transaction if one is open)."""
    db.execute("INSERT INTO audit (at, who, what, detail) VALUES (?, ?, ?, ?)",
               (now_iso(), who, what, detail))


def import_roster(db: sqlite3.Connection, lines: list[RosterLine], who: str) -> list[dict]:
    """Put the CSV's athletes on the roster (see the module's doc); returns them as kept in
    the log, in the CSV's order. One transaction: a clash changes nothing."""
    db.execute("BEGIN IMMEDIATE")
    try:
        known = roster(db, active_only=False)
        by_card = {a["card"]: a for a in known}
        by_name = {a["name"].lower(): a for a in known}
        next_number = max((a["number"] for a in known), default=0) + 1
        next_position = max((a["position"] for a in known), default=0) + 1
        ids = []
        for line in lines:
            person = by_card.get(line.card) if line.card else by_name.get(line.name.lower())
            if line.card and person is None and line.name.lower() in by_name:
                other = by_name[line.name.lower()]
                raise InputError(f"{line.name!r} is on this station's roster with card "
                                 f"{other['card']}, not {line.card}")
            if person is None:
                card = line.card or _unused_card(db)
                cur = db.execute(
                    "INSERT INTO athletes (card, name, nickname, number, position, active,"
                    " added_at) VALUES (?, ?, ?, ?, ?, 1, ?)",
                    (card, line.name, line.nickname, next_number, next_position, now_iso()))
                write_audit(db, who, "roster add", f"#{next_number} {line.name}")
                next_number += 1
                next_position += 1
                ids.append(cur.lastrowid)
            else:
                if (person["name"], person["nickname"], person["active"]) != (
                        line.name, line.nickname, 1):
                    db.execute("UPDATE athletes SET name = ?, nickname = ?, active = 1"
                               " WHERE id = ?", (line.name, line.nickname, person["id"]))
                    write_audit(db, who, "roster update", f"#{person['number']} {line.name}")
                ids.append(person["id"])
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    people = {a["id"]: a for a in roster(db, active_only=False)}
    return [people[i] for i in ids]


def _unused_card(db: sqlite3.Connection) -> str:
    while True:
        card = new_card_id()
        if db.execute("SELECT 1 FROM athletes WHERE card = ?", (card,)).fetchone() is None:
            return card


def _refuse_taken(name: str, athletes: list[dict], other_than: int | None = None) -> None:
    """InputError when one of `athletes` (but `other_than`) has `name`, in any case."""
    for other in athletes:
        if other["name"].lower() == name.lower() and other["id"] != other_than:
            off = "" if other["active"] else f" (#{other['number']}, taken off it)"
            raise InputError(f"name {name!r} is already on the roster{off}")


def add_athlete(db: sqlite3.Connection, name: str, nickname: str, who: str) -> dict:
    """One new athlete (from the coach page)."""
    name = clean_name(name)
    nickname = clean_name(nickname, what="nickname") if nickname.strip() else ""
    _refuse_taken(name, roster(db))
    return import_roster(db, [RosterLine(name, nickname)], who)[0]


def rename_athlete(db: sqlite3.Connection, athlete_id: int, name: str, nickname: str,
                   who: str) -> None:
    """Give an athlete a new name and nickname; a name another athlete has (in any case,
    on the roster or taken off it) is refused, as adding it is."""
    name = clean_name(name)
    nickname = clean_name(nickname, what="nickname") if nickname.strip() else ""
    with db:
        db.execute("BEGIN IMMEDIATE")
        _refuse_taken(name, roster(db, active_only=False), athlete_id)
        cur = db.execute("UPDATE athletes SET name = ?, nickname = ? WHERE id = ?",
                         (name, nickname, athlete_id))
        if cur.rowcount != 1:
            raise InputError(f"athlete {athlete_id}: not on the roster")
        write_audit(db, who, "roster rename", f"athlete {athlete_id} -> {name}")


def set_active(db: sqlite3.Connection, athlete_id: int, active: bool, who: str) -> None:
    """Take an athlete off the roster (their card stops working; their sets stay) or back."""
    with db:
        db.execute("BEGIN IMMEDIATE")
        row = db.execute("SELECT number, name FROM athletes WHERE id = ?",
                         (athlete_id,)).fetchone()
        if row is None:
            raise InputError(f"athlete {athlete_id}: not on the roster")
        db.execute("UPDATE athletes SET active = ? WHERE id = ?", (int(active), athlete_id))
        write_audit(db, who, "roster add back" if active else "roster remove",
                    f"#{row[0]} {row[1]}")


def move_athlete(db: sqlite3.Connection, athlete_id: int, step: int, who: str) -> bool:
    """Move an athlete `step` places in the rotation (-1: earlier, +1: later); whether they
    moved (the first cannot go earlier, nor the last later: nothing changes, nothing is
    written to the audit trail)."""
    with db:
        db.execute("BEGIN IMMEDIATE")
        order = [a["id"] for a in roster(db)]
        if athlete_id not in order:
            raise InputError(f"athlete {athlete_id}: not on the roster")
        i = order.index(athlete_id)
        j = max(0, min(len(order) - 1, i + step))
        if j == i:
            return False
        order.insert(j, order.pop(i))
        for pos, aid in enumerate(order, start=1):
            db.execute("UPDATE athletes SET position = ? WHERE id = ?", (pos, aid))
        write_audit(db, who, "rotation order", f"athlete {athlete_id} to place {j + 1}")
    return True


def card_payload(station: str, card: str) -> str:
    """What a card's QR code holds: HS1, the station's roster id and the athlete's card id
    (upper-case alphanumerics only: the smallest QR code, version 1)."""
    return f"HS1:{station}:{card}"


def payload_for(db: sqlite3.Connection, person: dict) -> str:
    return card_payload(station_id(db), person["card"])
