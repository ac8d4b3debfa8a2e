"""The payloads on a station's topics: written for the broker, read back by `station fleet`.

Every JSON payload is an object with `"v": 1` (the schema's version) and `"station"`. A rep
and a set carry `"id"`, unique across stations and time (a set's id is its log uid, a rep's
is `<set id>-<index>`): QoS 1 may deliver a message twice, and a consumer that keeps the ids
it has seen drops the second. The live state, a rep and a set say who is on, or who did
it, in the same three fields (`athlete`, `athlete_id`, `class_athlete`). docs/mqtt.md
gives every field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from station.mqtt.topics import Topics
from station.store import OutboxMessage

if TYPE_CHECKING:  # the coach page reads these payloads: it must not pull numpy in
    from station.domain import RepResult

SCHEMA = 1
ONLINE, OFFLINE = "online", "offline"


class MalformedPayload(ValueError):
    """A payload that is not what its topic carries (its reason in a few words)."""


@dataclass(frozen=True)
class PartHealth:
    """One part's health: ok, or down with the reason in a few words."""

    ok: bool
    reason: str = ""


@dataclass(frozen=True)
class LiveState:
    """What the station is doing now: its screen, who is on it and the set's reps so far.

    `athlete` is who is on as the coach page shows them: the roster athlete known by their
    card (their name, or "#<athlete_id>" when the station's names need the PIN), else class
    mode's "#<number>", else None (a guest, or nobody). `athlete_id` is the roster id when
    a card is known, `class_athlete` class mode's number when class mode is on.
    """

    screen: str
    athlete: str | None = None
    reps: int = 0
    passed: int = 0
    set_id: str | None = None
    athlete_id: int | None = None
    class_athlete: int | None = None


def live_athlete(card: tuple[int, str] | None, class_number: int | None,
                 names_shown: bool = True) -> tuple[str | None, int | None]:
    """(athlete, athlete_id) of the live state: the card's athlete (id, name) when there is
    one, class mode's number otherwise; `names_shown` False publishes "#<id>" for a name."""
    if card is not None:
        athlete_id, name = card
        return (name if names_shown and name else f"#{athlete_id}"), athlete_id
    if class_number is not None:
        return f"#{class_number}", None
    return None, None


@dataclass(frozen=True)
class DayCounts:
    """The day's totals: sets begun since local midnight, their reps and passed reps."""

    date: str
    sets: int = 0
    reps: int = 0
    passed: int = 0


@dataclass(frozen=True)
class LastResult:
    """A station's newest result as the gym's view shows it: a rep or a finished set."""

    kind: str               # "rep" or "set"
    at: str                 # when the station logged it (UTC ISO 8601)
    reps: int               # a rep: its index; a set: its reps
    passed: int | None      # a rep: 1, 0, or None counted without a verdict; a set: its
                            # passed reps
    faults: tuple[str, ...] = ()  # a rep: its faults; a set: its main fault, if any


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _dump(obj: dict) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def rep_id(set_id: str, index: int) -> str:
    return f"{set_id}-{index}"


def result_athlete(set_row: Mapping[str, Any], names_shown: bool = True) -> dict:
    """Who did a logged set, in the live state's fields (`athlete`, `athlete_id`,
    `class_athlete`): the row's card athlete (`athlete_id`, `athlete_name`) or class mode's
    number (`athlete`), as `live_athlete` names them."""
    athlete_id = set_row.get("athlete_id")
    number = set_row.get("athlete")
    card = (athlete_id, set_row.get("athlete_name") or "") if athlete_id is not None else None
    athlete, athlete_id = live_athlete(card, number, names_shown)
    return {"athlete": athlete, "athlete_id": athlete_id, "class_athlete": number}


def rep_payload(station: str, set_row: Mapping[str, Any], rep: RepResult,
                names_shown: bool = True) -> dict:
    """A scored rep: the analysis report's fields for it, with its ids, its set's and who did
    it (`result_athlete`)."""
    return {"v": SCHEMA, "id": rep_id(set_row["uid"], rep.index), "station": station,
            "set_id": set_row["uid"], **result_athlete(set_row, names_shown),
            "logged_at": _now(), **rep.to_dict()}


def _logged_rep(row: Mapping[str, Any]) -> dict:
    """A rep as the session log holds it, in the report's fields."""
    return {"index": row["idx"], "start": round(row["start_s"], 3),
            "end": round(row["end_s"], 3), "passed": bool(row["passed"]),
            "faults": list(row["faults"]), "cue": row["cue"], "metrics": dict(row["metrics"])}


def set_payload(station: str, set_row: Mapping[str, Any], reps: list[Mapping[str, Any]],
                names_shown: bool = True) -> dict:
    """A finished set: who did it (`result_athlete`), its summary (the report's), how it ended,
    and every rep."""
    passed = sum(1 for r in reps if r["passed"])
    return {"v": SCHEMA, "id": set_row["uid"], "station": station,
            "started_at": set_row["started_at"], **result_athlete(set_row, names_shown),
            "side": set_row.get("side"), "ended": set_row.get("ended"),
            "duration_s": set_row.get("duration_s"), "main_fault": set_row.get("main_fault"),
            "summary": {"reps": len(reps), "passed": passed, "failed": len(reps) - passed},
            "reps": [_logged_rep(r) for r in reps], "logged_at": _now()}


class ResultMessages:
    """The session log's outbox formatter: each rep and set as its message; `names_shown`
    False ([web] names_need_pin) names a card's athlete "#<id>", as the live state does."""

    def __init__(self, topics: Topics, names_shown: bool = True) -> None:
        self.topics = topics
        self.names_shown = names_shown

    def rep_message(self, set_row: dict, rep: RepResult) -> OutboxMessage:
        body = rep_payload(self.topics.station_id, set_row, rep, self.names_shown)
        return OutboxMessage(body["id"], self.topics.rep, _dump(body))

    def set_message(self, set_row: dict, reps: list[dict]) -> OutboxMessage:
        body = set_payload(self.topics.station_id, set_row, reps, self.names_shown)
        return OutboxMessage(body["id"], self.topics.set, _dump(body))


def health_payload(station: str, parts: Mapping[str, PartHealth]) -> str:
    return _dump({"v": SCHEMA, "station": station, "at": _now(),
                  "parts": {name: {"ok": p.ok, "reason": p.reason}
                            for name, p in parts.items()}})


def live_payload(station: str, live: LiveState) -> str:
    return _dump({"v": SCHEMA, "station": station, "at": _now(), "screen": live.screen,
                  "athlete": live.athlete, "athlete_id": live.athlete_id,
                  "class_athlete": live.class_athlete, "reps": live.reps,
                  "passed": live.passed, "set_id": live.set_id})


def today_payload(station: str, day: DayCounts) -> str:
    return _dump({"v": SCHEMA, "station": station, "at": _now(), "date": day.date,
                  "sets": day.sets, "reps": day.reps, "passed": day.passed})


# -- reading them back (station fleet) -------------------------------------------------------
# Each JSON reader takes the station its topic names: the topic names the station, and a
# payload that says it is another one is not read (MalformedPayload).

def _object(payload: bytes, station: str | None = None) -> dict:
    """The payload's JSON object, of this schema; with `station` (the station its topic
    names: the topic names the station) a "station" field, if any, must name the same."""
    try:
        obj = json.loads(payload.decode("utf-8"))
    except UnicodeDecodeError:
        raise MalformedPayload("not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise MalformedPayload(f"not JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(obj, dict):
        raise MalformedPayload(f"a JSON {type(obj).__name__}, not an object")
    if obj.get("v") != SCHEMA:
        raise MalformedPayload(f"schema version {obj.get('v')!r}, not {SCHEMA}")
    if station is not None and "station" in obj and obj["station"] != station:
        raise MalformedPayload(f"'station' is {obj['station']!r}, not {station!r} as its "
                               "topic says")
    return obj


def _field(obj: dict, key: str, kinds: tuple[type, ...], optional: bool = False) -> Any:
    value = obj.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        names = " or ".join(k.__name__ for k in kinds)
        raise MalformedPayload(f"{key!r} is {value!r}, not {names}")
    return value


def read_status(payload: bytes) -> bool:
    """True for `online`, False for `offline`."""
    text = payload.decode("utf-8", "replace").strip()
    if text not in (ONLINE, OFFLINE):
        raise MalformedPayload(f"{text[:40]!r} is neither {ONLINE!r} nor {OFFLINE!r}")
    return text == ONLINE


def read_health(payload: bytes, station: str | None = None) -> dict[str, PartHealth]:
    obj = _object(payload, station)
    parts = _field(obj, "parts", (dict,))
    out = {}
    for name, part in parts.items():
        if not isinstance(part, dict):
            raise MalformedPayload(f"part {name!r} is {part!r}, not an object")
        out[str(name)] = PartHealth(_field(part, "ok", (bool,)),
                                    str(part.get("reason") or ""))
    return out


def read_live(payload: bytes, station: str | None = None) -> LiveState:
    obj = _object(payload, station)
    athlete = _field(obj, "athlete", (str, int), True)
    if isinstance(athlete, int):  # a station that says class mode's number alone
        athlete = f"#{athlete}"
    return LiveState(_field(obj, "screen", (str,)), athlete,
                     _field(obj, "reps", (int,)), _field(obj, "passed", (int,)),
                     _field(obj, "set_id", (str,), True),
                     _field(obj, "athlete_id", (int,), True),
                     _field(obj, "class_athlete", (int,), True))


def read_today(payload: bytes, station: str | None = None) -> DayCounts:
    obj = _object(payload, station)
    return DayCounts(_field(obj, "date", (str,)), _field(obj, "sets", (int,)),
                     _field(obj, "reps", (int,)), _field(obj, "passed", (int,)))


def read_rep(payload: bytes, station: str | None = None) -> LastResult:
    obj = _object(payload, station)
    faults = _field(obj, "faults", (list,))
    # A rep counted without a verdict has "passed": null (and "judged": false).
    passed = _field(obj, "passed", (bool,), optional=obj.get("judged") is False)
    return LastResult("rep", str(_field(obj, "logged_at", (str,))), _field(obj, "index", (int,)),
                      None if passed is None else int(passed), tuple(str(f) for f in faults))


def read_set(payload: bytes, station: str | None = None) -> LastResult:
    obj = _object(payload, station)
    summary = _field(obj, "summary", (dict,))
    main = _field(obj, "main_fault", (str,), True)
    return LastResult("set", str(_field(obj, "logged_at", (str,))),
                      _field(summary, "reps", (int,)), _field(summary, "passed", (int,)),
                      (main,) if main else ())
