"""The topics a station publishes on: `<prefix>/<station_id>/<what>`.

| what | retained | payload |
| --- | --- | --- |
| status | yes (and the last will) | `online` or `offline` |
| health | yes | JSON: each part's ok and reason |
| live | yes | JSON: screen, athlete, reps, passed |
| today | yes | JSON: the day's sets, reps and passed reps |
| rep | no, from the outbox | JSON: a scored rep, with its unique id |
| set | no, from the outbox | JSON: a finished set with its reps, with its unique id |
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass

from station.config import MqttConfig

STATE_TOPICS = ("status", "health", "live", "today")
RESULT_TOPICS = ("rep", "set")


def station_id_for(config: MqttConfig, hostname: str | None = None) -> str:
    """The configured station id, or the machine's host name made fit for a topic level."""
    if config.station_id:
        return config.station_id
    name = re.sub(r"[^A-Za-z0-9_.-]", "-", hostname or socket.gethostname())[:64]
    return name or "station"


@dataclass(frozen=True)
class Topics:
    """Every topic of one station."""

    prefix: str
    station_id: str

    def of(self, what: str) -> str:
        return f"{self.prefix}/{self.station_id}/{what}"

    @property
    def status(self) -> str:
        return self.of("status")

    @property
    def health(self) -> str:
        return self.of("health")

    @property
    def live(self) -> str:
        return self.of("live")

    @property
    def today(self) -> str:
        return self.of("today")

    @property
    def rep(self) -> str:
        return self.of("rep")

    @property
    def set(self) -> str:
        return self.of("set")


def fleet_filters(prefix: str) -> list[str]:
    """The subscriptions that read every station's retained state under `prefix`."""
    return [f"{prefix}/+/{what}" for what in STATE_TOPICS]


def split_topic(prefix: str, topic: str) -> tuple[str, str] | None:
    """(station_id, what) of a topic under `prefix`, or None for any other topic."""
    head = prefix + "/"
    if not topic.startswith(head):
        return None
    parts = topic[len(head):].split("/")
    if len(parts) != 2 or not parts[0]:
        return None
    return parts[0], parts[1]
