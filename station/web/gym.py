"""The coach page's gym view: every station on the gym's broker, as the page shows it.

`gym_for(config)` makes the page's one broker subscription (`station.mqtt.watch`) when the
settings have `[mqtt]`, or says why there is none. `gym_state` turns the watcher's snapshot
into what the Gym page and `/api/gym` show: one line for the broker, one row per station.
Nothing here waits on the network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from station.config import Config
from station.errors import ConfigError
from station.mqtt.connection import BrokerSettings
from station.mqtt.fleet import FleetRow
from station.mqtt.topics import station_id_for
from station.mqtt.watch import FleetWatcher, Link

DOCS = "docs/mqtt.md"
NOT_ON_BROKER = ("This station is not on a broker: add an [mqtt] section to its settings "
                 "to see every station of the gym here")


@dataclass(frozen=True)
class Gym:
    """The page's view of the broker: its watcher, or why there is none (`note`)."""

    watcher: FleetWatcher | None = None
    note: str = NOT_ON_BROKER
    here: str = ""  # this station's id on the broker

    def start(self) -> Gym:
        if self.watcher is not None:
            self.watcher.start()
        return self

    def stop(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()


def gym_for(config: Config) -> Gym:
    """The gym view under `config`: no [mqtt], a settings file the broker cannot be
    reached with (one line), or a watcher (not yet started)."""
    if config.mqtt is None:
        return Gym()
    here = station_id_for(config.mqtt)
    try:
        settings = BrokerSettings.from_config(config)
    except ConfigError as exc:
        return Gym(None, str(exc), here)
    return Gym(FleetWatcher(settings), "", here)


def _badges(row: FleetRow) -> list[dict[str, Any]]:
    if row.health is None:
        return []
    return [{"name": n, "ok": p.ok, "reason": p.reason} for n, p in row.health.items()]


def _last(row: FleetRow, local: Callable[[str | None, str], str]) -> str:
    r = row.last
    if r is None:
        return ""
    if r.kind == "rep":
        verdict = "NO VERDICT" if r.passed is None else "PASS" if r.passed else (
            "FAIL " + ", ".join(r.faults).replace("_", " "))
        return f"Rep {r.reps}: {verdict.strip()} · {local(r.at, '%H:%M')}"
    fault = f" · {r.faults[0].replace('_', ' ')}" if r.faults else ""
    return f"Set: {r.passed}/{r.reps} passed{fault} · {local(r.at, '%H:%M')}"


def station_row(row: FleetRow, here: str, local: Callable[[str | None, str], str]
                ) -> dict[str, Any]:
    """One station as the page shows it."""
    live = row.live
    state = {True: "online", False: "offline", None: "unknown"}[row.online]
    # An offline station's screen and athlete are the past: its last figures stay, greyed.
    doing = live if live is not None and row.online is not False else None
    return {
        "station": row.station, "here": row.station == here, "state": state,
        "since": local(row.since, "%H:%M") if row.since else "",
        "screen": doing.screen if doing else "", "athlete": (doing.athlete or "") if doing
        else "",
        "reps": live.reps if live else None, "passed": live.passed if live else None,
        "badges": _badges(row), "last": _last(row, local),
        "unreadable": "unreadable message" if row.unreadable else "",
        "unreadable_detail": "; ".join(f"{t}: {why}" for t, why in row.unreadable.items()),
    }


def gym_state(gym: Gym, local: Callable[[str | None, str], str]) -> dict[str, Any]:
    """The Gym page's content: the broker's state in one line, and every station."""
    if gym.watcher is None:
        return {"broker": "off", "line": gym.note, "docs": DOCS, "stations": [],
                "online": 0, "stale": False, "prefix": ""}
    snap = gym.watcher.snapshot()
    rows = [station_row(r, gym.here, local) for r in snap.rows]
    if snap.link is Link.CONNECTED:
        line = f"On the broker {gym.watcher.settings.where} since {local(snap.since, '%H:%M')}"
    elif snap.link is Link.CONNECTING:
        line = f"Reaching the broker {gym.watcher.settings.where}…"
    else:
        line = snap.error or f"broker {gym.watcher.settings.where}: not reached"
        if rows:
            line += f". The stations as last heard, at {local(snap.since, '%H:%M')}"
    return {"broker": snap.link.value, "line": line, "docs": DOCS, "stations": rows,
            "online": sum(1 for r in rows if r["state"] == "online"),
            "stale": snap.link is not Link.CONNECTED,
            "prefix": gym.watcher.settings.topics.prefix}
