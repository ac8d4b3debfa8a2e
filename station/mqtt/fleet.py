"""The gym's view: every station as its messages on the broker tell it, and the table.

`Fleet.take` parses each message on a station's topic (`station.mqtt.watch` subscribes:
`read_fleet` once for `station fleet`, `FleetWatcher` for as long as the coach page runs).
A payload that is not what its topic carries (a JSON payload naming another station than
its topic's included: the topic names the station) is one line in `problems`, kept on its
station's row, and that field shows `?`; a field never published shows `-`, and so does an
offline station's athlete. The rest of the table stands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from station.mqtt.messages import (
    DayCounts,
    LastResult,
    LiveState,
    MalformedPayload,
    PartHealth,
    read_health,
    read_live,
    read_rep,
    read_set,
    read_status,
    read_today,
)
from station.mqtt.topics import STATE_TOPICS, split_topic


@dataclass
class FleetRow:
    """One station as the broker last heard of it (None: not heard, or unreadable).

    `since` is when its status last changed (UTC ISO 8601), where that is known: the
    station says it with its status, or the reader saw the change happen. `unreadable`
    holds, per topic, why its newest payload could not be read; `last` is its newest rep or
    set seen (only a reader that stays subscribed, the coach page's, sees them).
    """

    station: str
    online: bool | None = None
    live: LiveState | None = None
    health: dict[str, PartHealth] | None = None
    today: DayCounts | None = None
    since: str | None = None
    last: LastResult | None = None
    unreadable: dict[str, str] = field(default_factory=dict)

    @property
    def problems(self) -> list[str]:
        """The parts that are down, with their reasons."""
        if self.health is None:
            return []
        return [f"{name}: {p.reason}" if p.reason else name
                for name, p in self.health.items() if not p.ok]

    def unread(self, what: str) -> bool:
        """Whether the newest payload on this station's `what` topic could not be read."""
        return any(topic.rsplit("/", 1)[-1] == what for topic in self.unreadable)

    @property
    def empty(self) -> bool:
        return (self.online is None and self.live is None and self.health is None
                and self.today is None and self.last is None and not self.unreadable)

    def to_dict(self) -> dict[str, Any]:
        return {"station": self.station, "online": self.online, "since": self.since,
                "screen": self.live.screen if self.live else None,
                "athlete": self.live.athlete if self.live else None,
                "athlete_id": self.live.athlete_id if self.live else None,
                "class_athlete": self.live.class_athlete if self.live else None,
                "reps": self.live.reps if self.live else None,
                "passed": self.live.passed if self.live else None,
                "health": ({n: asdict(p) for n, p in self.health.items()}
                           if self.health is not None else None),
                "today": asdict(self.today) if self.today else None,
                "last": asdict(self.last) if self.last else None,
                "unreadable": dict(self.unreadable)}


_READERS: dict[str, tuple[str, Callable[..., Any]]] = {  # (payload[, station]) -> value
    "status": ("online", read_status), "health": ("health", read_health),
    "live": ("live", read_live), "today": ("today", read_today),
    "rep": ("last", read_rep), "set": ("last", read_set)}


@dataclass
class Fleet:
    """The table's rows by station id; every payload that could not be read is kept on its
    station's row (`problems` lists them, one line each)."""

    rows: dict[str, FleetRow] = field(default_factory=dict)

    @property
    def problems(self) -> list[str]:
        return [f"{topic}: {reason}" for row in self.rows.values()
                for topic, reason in row.unreadable.items()]

    def take(self, topic: str, payload: bytes, prefix: str, changed_at: str | None = None
             ) -> None:
        """One message on a station's topic. `changed_at`: when a status change happened,
        if known. An empty payload (a retained message cleared) forgets that field, and a
        station with nothing left goes from the table."""
        where = split_topic(prefix, topic)
        if where is None or where[1] not in _READERS:
            return
        station, what = where
        attr, reader = _READERS[what]
        row = self.rows.setdefault(station, FleetRow(station))
        if not payload:
            if what in STATE_TOPICS:
                setattr(row, attr, None)
            row.unreadable.pop(topic, None)
            if row.empty:
                del self.rows[station]
            return
        try:
            value = reader(payload) if what == "status" else reader(payload, station)
        except MalformedPayload as exc:
            row.unreadable[topic] = str(exc)
            return
        row.unreadable.pop(topic, None)
        if what == "status" and value != row.online:
            row.since = changed_at
        setattr(row, attr, value)


def _row_cells(row: FleetRow) -> tuple[str, ...]:
    """A station's cells: `?` where its newest payload could not be read, `-` where nothing
    was published (or, offline, for who was on)."""
    live = row.live
    online = ("?" if row.unread("status") else
              {True: "yes", False: "no", None: "-"}[row.online])
    if row.unread("live"):
        athlete = reps = passed = "?"
    elif live is None:
        athlete = reps = passed = "-"
    else:  # offline: its last figures stand, but nobody is on it
        athlete = "-" if row.online is False or live.athlete is None else live.athlete
        reps, passed = str(live.reps), str(live.passed)
    health = ("?" if row.unread("health") else "-" if row.health is None else
              "ok" if not row.problems else "; ".join(row.problems))
    return (row.station, online, athlete, reps, passed, health)


def format_table(fleet: Fleet) -> str:
    """The gym's table: station, online, athlete, reps, passed, health."""
    head = ("station", "online", "athlete", "reps", "passed", "health")
    lines = [head, *(_row_cells(row) for row in fleet.rows.values())]
    widths = [max(len(line[i]) for line in lines) for i in range(len(head) - 1)]
    out = []
    for line in lines:
        cells = [c.ljust(w) for c, w in zip(line[:-1], widths, strict=True)]
        out.append("  ".join([*cells, line[-1]]).rstrip())
    if not fleet.rows:
        out.append("(no station has published under this prefix)")
    return "\n".join(out)
