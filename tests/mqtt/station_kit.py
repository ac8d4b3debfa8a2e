"""A station as the MQTT tests run it: a config file naming the test's broker, the session
log's writer with its outbox, and the publisher; reps and sets logged as the flow logs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from station.config import load_config
from station.domain import Fault, RepResult
from station.mqtt.connection import BrokerSettings
from station.mqtt.messages import ResultMessages
from station.mqtt.publisher import Publisher
from station.store import SessionLog, SetEnd, StoreWriter
from tests.mqtt.broker import wait_for


def write_config(dir_: Path, port: int, station_id: str = "st1", **mqtt: object) -> Path:
    """A station.toml with an [mqtt] section for the broker on 127.0.0.1:`port`."""
    keys = {"host": "127.0.0.1", "port": port, "station_id": station_id, "prefix": "gym",
            "reconnect_max_s": 1.0, "keepalive_s": 5, "live_interval_s": 0.1, **mqtt}
    lines = ["[store]", 'path = "sessions.sqlite3"', "[mqtt]"]
    for k, v in keys.items():
        lines.append(f"{k} = {v!r}".replace("'", '"') if isinstance(v, str)
                     else f"{k} = {str(v).lower() if isinstance(v, bool) else v}")
    dir_.mkdir(parents=True, exist_ok=True)
    path = dir_ / "station.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def rep(i: int, faults: tuple[Fault, ...] = ()) -> RepResult:
    return RepResult(i, 2.0 * i, 2.0 * i + 1.5, faults, "Push your hips back" if faults else
                     "Good hinge", {"hip_travel": round(0.2 + i / 100, 4), "trunk_deg": 61.5})


@dataclass
class Station:
    """The log's writer and the publisher over one config file."""

    config_path: Path
    writer: StoreWriter = field(init=False)
    publisher: Publisher = field(init=False)

    def __post_init__(self) -> None:
        self.config = load_config(self.config_path)
        self.settings = BrokerSettings.from_config(self.config)
        self.log_path = self.config.resolve(self.config.store.path)
        self.publisher = Publisher(self.settings, self.log_path, live_interval_s=0.1,
                                   homeassistant=self.config.mqtt.homeassistant, poll_s=0.2)
        self.writer = StoreWriter(self.log_path, 1000, ResultMessages(self.settings.topics),
                                  on_outbox=self.publisher.wake)
        self.publisher.start()

    @property
    def topics(self):
        return self.settings.topics

    def log_set(self, uid: str, reps: list[RepResult], end: bool = True) -> None:
        self.writer.begin_set(uid, "2026-03-02T10:00:00+00:00", None)
        for r in reps:
            self.writer.add_rep(uid, r)
        if end:
            self.end_set(uid)

    def end_set(self, uid: str) -> None:
        self.writer.end_set(uid, SetEnd("left", None, "done", 30.0))
        assert self.writer.flush()

    def logged_ids(self) -> list[str]:
        log = SessionLog(self.log_path)
        try:
            return [r["msg_id"] for r in log.outbox_rows()]
        finally:
            log.close()

    def wait_connected(self, timeout: float = 10.0) -> None:
        wait_for(lambda: self.publisher.status().connected, timeout, "the station's connection")

    def unsent(self) -> int:
        """Rows the broker has not acknowledged, read from the log itself."""
        log = SessionLog(self.log_path)
        try:
            return log.outbox_length()
        finally:
            log.close()

    def wait_sent(self, timeout: float = 15.0) -> None:
        assert self.writer.flush()
        wait_for(lambda: self.unsent() == 0, timeout, "an empty outbox")

    def close(self) -> None:
        self.writer.close()
        self.publisher.stop()
