"""The station's voice on the gym's broker: one thread beside the session log's outbox.

The kiosk's loop never waits on the network: it hands the live state and the health badges
over with `set_live` and `set_health` (a value under a lock), and results reach the outbox
through the session log's own thread (`StoreWriter(outbox=ResultMessages(...),
on_outbox=publisher.wake)`). This thread does the rest, with paho's network loop in a
thread of its own (`loop_start`):

- Results (reps, sets) go out of the outbox in order, QoS 1, at most `window` awaiting the
  broker's PUBACK at once. A row is marked sent only on its PUBACK (paho's `on_publish`
  with its mid). When the connection drops, paho sends the ones awaiting a PUBACK again, in
  order, as soon as it is back, and no newer row is handed over until they are acknowledged,
  so the order holds. A station stopped with rows unsent sends them when it starts again:
  a message the broker took but whose PUBACK was lost then goes twice, with the same id.
- The retained state (status, health, live, today's counts) goes out when it changes, and
  again on each new connection. `status` is `online` while connected; the last will makes
  it `offline` when the station vanishes, and a clean stop says `offline` itself.
- What went wrong (a wrong host, a refused password, an untrusted certificate) is one line
  in `status().error`, and the station coaches and queues on.
"""

from __future__ import annotations

import collections
import sqlite3
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from station.errors import ConfigError
from station.mqtt import discovery
from station.mqtt.connection import (
    BrokerSettings,
    describe_failure,
    describe_hangup,
    is_auth_failure,
    make_client,
    stamped,
)
from station.mqtt.messages import (
    OFFLINE,
    ONLINE,
    DayCounts,
    LiveState,
    PartHealth,
    health_payload,
    live_payload,
    today_payload,
)
from station.store import SessionLog

# Seconds before a message the broker refused (a PUBACK with a failure code) is tried again.
REFUSED_RETRY_S = 60.0


@dataclass(frozen=True)
class PublisherStatus:
    """The broker as the publisher sees it: for `station check`, the status strip, a log."""

    connected: bool
    authorised: bool | None  # None: no answer from the broker yet
    error: str               # what went wrong last, in one line ("" while all is well)
    outbox: int              # results waiting for the broker's acknowledgement
    sent: int                # results acknowledged since start


@dataclass
class _Inflight:
    """A message handed to paho and not yet acknowledged: its outbox seq (None for the
    retained state) and its topic."""

    seq: int | None
    topic: str


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def local_midnight_utc(now: datetime | None = None) -> tuple[str, str]:
    """(today's local date, its local midnight as a UTC ISO 8601 time)."""
    local = (now or datetime.now(UTC)).astimezone()
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return local.date().isoformat(), midnight.astimezone(UTC).isoformat(timespec="seconds")


class Publisher:
    """Publishes one station's results and state to the broker (see the module's doc)."""

    def __init__(self, settings: BrokerSettings, log_path: str | Path, *,
                 outbox_max: int = 100_000, live_interval_s: float = 1.0,
                 homeassistant: bool = False, discovery_prefix: str = "homeassistant",
                 window: int = 64, poll_s: float = 0.5, client_id: str | None = None) -> None:
        self.settings = settings
        self.log_path = Path(log_path)
        self.outbox_max = outbox_max
        self.live_interval_s = live_interval_s
        self.homeassistant = homeassistant
        self.discovery_prefix = discovery_prefix
        self.window = window
        self.poll_s = poll_s
        self.client_id = client_id or f"hinge-{settings.topics.station_id}"
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()  # the fields below, shared with callers and paho
        self._health: dict[str, PartHealth] = {}
        self._live: LiveState | None = None
        # Each change of screen, kept until said: a screen shown for less than
        # live_interval_s (a short setup or summary) still reaches the broker.
        self._screens: collections.deque[LiveState] = collections.deque(maxlen=16)
        self._connected = False
        self._generation = 0  # counts successful connections
        self._authorised: bool | None = None
        self._error = ""
        self._outbox = -1  # not counted yet
        self._sent = 0
        # paho's thread appends (mid, ok, reason); only this thread reads. Never a lock
        # there: paho calls on_publish holding its own lock, which publish() also takes.
        self._acks: collections.deque[tuple[int, bool, str]] = collections.deque()
        self._thread = threading.Thread(target=self._run, name="mqtt", daemon=True)

    # -- what other threads call (no I/O) ----------------------------------------------------

    def start(self) -> Publisher:
        self._thread.start()
        return self

    def wake(self) -> None:
        """New rows in the outbox (the session log's thread calls this after a commit)."""
        self._wake.set()

    def set_health(self, parts: Mapping[str, PartHealth]) -> None:
        with self._lock:
            if dict(parts) == self._health:
                return
            self._health = dict(parts)
        self._wake.set()

    def set_live(self, live: LiveState) -> None:
        with self._lock:
            if live == self._live:
                return
            if self._live is None or live.screen != self._live.screen:
                self._screens.append(live)
            self._live = live
        self._wake.set()

    def status(self) -> PublisherStatus:
        with self._lock:
            return PublisherStatus(self._connected, self._authorised, self._error,
                                   self._outbox, self._sent)

    def stop(self, timeout: float = 5.0) -> None:
        """Say `offline`, disconnect, and end the thread (unsent results stay in the log)."""
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    # -- paho's callbacks (its network thread) ----------------------------------------------

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any,
                    properties: Any) -> None:
        with self._lock:
            if reason.is_failure:
                self._connected = False
                self._authorised = False if is_auth_failure(reason) else self._authorised
                self._error = describe_failure(self.settings, reason=reason)
            else:
                self._connected = True
                self._authorised = True
                self._generation += 1
                self._error = ""
        self._wake.set()

    def _on_connect_fail(self, client: Any, userdata: Any) -> None:
        # paho calls this inside its `except OSError:` block: the exception is at hand.
        exc = sys.exc_info()[1]
        with self._lock:
            self._connected = False
            self._error = describe_failure(self.settings, exc=exc)

    def _on_disconnect(self, client: Any, userdata: Any, flags: Any, reason: Any,
                       properties: Any) -> None:
        with self._lock:
            was = self._connected
            self._connected = False
            if self._stopping.is_set():
                pass
            elif was:
                self._error = f"lost the broker {self.settings.where} ({reason})"
            elif not self._error:
                self._error = describe_hangup(self.settings, reason)
        self._wake.set()

    def _on_publish(self, client: Any, userdata: Any, mid: int, reason: Any,
                    properties: Any) -> None:
        self._acks.append((mid, not reason.is_failure, str(reason)))
        self._wake.set()

    # -- this thread -----------------------------------------------------------------------

    def _run(self) -> None:
        log = None
        while log is None:
            try:
                log = SessionLog(self.log_path, outbox_max=self.outbox_max)
            except (sqlite3.Error, OSError) as exc:  # a disk that may come back: try again
                self._set_error(f"outbox {self.log_path}: {exc}")
                if self._stopping.wait(5.0):
                    return
        try:
            client = make_client(self.settings, self.client_id, max_inflight=self.window)
        except (ConfigError, ValueError, OSError) as exc:
            self._set_error(str(exc))
            log.close()
            return
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        client.connect_async(self.settings.host, self.settings.port, self.settings.keepalive_s)
        client.loop_start()
        try:
            self._loop(client, log)
        finally:
            self._goodbye(client)
            log.close()

    def _set_error(self, text: str) -> None:
        with self._lock:
            self._error = text

    def _loop(self, client: Any, log: SessionLog) -> None:
        topics = self.settings.topics
        inflight: dict[int, _Inflight] = {}
        said: dict[str, object] = {}  # retained topic -> the value said on this connection
        cursor = 0                    # the newest outbox seq handed to paho
        done: list[int] = []          # acknowledged, not yet marked sent in the log
        seen_generation = 0           # the connection `said` belongs to
        resending = False             # paho is re-sending what the last connection left
        last_live = -1e9
        day_checked = -1e9
        refused_until = 0.0
        while not self._stopping.is_set():
            wait = self.poll_s
            if self._live_due(said):
                wait = min(wait, max(0.0, last_live + self.live_interval_s - time.monotonic()))
            self._wake.wait(wait)
            self._wake.clear()
            now = time.monotonic()

            # PUBACKs: mark their rows sent; a refusal puts the row back in line, later.
            while self._acks:
                mid, ok, why = self._acks.popleft()
                item = inflight.pop(mid, None)
                if item is None or item.seq is None:
                    continue
                if ok:
                    done.append(item.seq)
                else:
                    self._set_error(f"broker {self.settings.where} refused a message on "
                                    f"{item.topic} ({why}): check its access rules")
                    cursor = min(cursor, item.seq - 1)
                    refused_until = now + REFUSED_RETRY_S
            marked = len(done)
            try:
                log.mark_sent(done)
                done.clear()
            except sqlite3.Error as exc:  # kept, and marked on the next round
                self._set_error(f"outbox {self.log_path}: {exc}")
                marked = 0
            with self._lock:
                self._sent += marked
                connected, generation = self._connected, self._generation

            if generation != seen_generation:  # a new connection: say everything again
                seen_generation = generation
                resending = bool(inflight)
                said.clear()
                day_checked = -1e9
            if resending and not inflight:
                resending = False
            if connected and not resending:
                if topics.status not in said:
                    self._say(client, inflight, said, topics.status, ONLINE, ONLINE,
                              stamped(_now_iso()))
                    if self.homeassistant:
                        for topic, payload in discovery.configs(topics, self.discovery_prefix):
                            self._say(client, inflight, said, topic, payload, payload)
                with self._lock:
                    health, live = dict(self._health), self._live
                if health and said.get(topics.health) != health:
                    self._say(client, inflight, said, topics.health,
                              health_payload(topics.station_id, health), health)
                with self._lock:
                    screens = list(self._screens)
                    self._screens.clear()
                for change in screens[:-1] if screens and screens[-1] == live else screens:
                    self._say(client, inflight, said, topics.live,
                              live_payload(topics.station_id, change), change)
                if screens:
                    last_live = -1e9  # the newest state goes out at once after a change
                if self._live_due(said) and now - last_live >= self.live_interval_s:
                    assert live is not None
                    self._say(client, inflight, said, topics.live,
                              live_payload(topics.station_id, live), live)
                    last_live = now
                if now >= refused_until:
                    cursor = self._hand_rows(client, log, inflight, cursor, bool(done))
                if marked or now - day_checked > 60.0:
                    self._say_day(client, log, inflight, said)
                    day_checked = now
            try:
                count = log.outbox_length()
            except sqlite3.Error:
                count = -1
            with self._lock:
                self._outbox = count

    def _live_due(self, said: dict[str, object]) -> bool:
        with self._lock:
            live = self._live
        return live is not None and said.get(self.settings.topics.live) != live

    def _say(self, client: Any, inflight: dict[int, _Inflight], said: dict[str, object],
             topic: str, payload: str, value: object, properties: Any = None) -> None:
        """Publish retained state, and remember what was said on this connection."""
        info = client.publish(topic, payload, qos=1, retain=True, properties=properties)
        inflight[info.mid] = _Inflight(None, topic)
        said[topic] = value

    def _say_day(self, client: Any, log: SessionLog, inflight: dict[int, _Inflight],
                 said: dict[str, object]) -> None:
        date, since = local_midnight_utc()
        try:
            counts = log.day_counts(since)
        except sqlite3.Error:
            return
        day = DayCounts(date, counts["sets"], counts["reps"], counts["passed"])
        if said.get(self.settings.topics.today) != day:
            self._say(client, inflight, said, self.settings.topics.today,
                      today_payload(self.settings.topics.station_id, day), day)

    def _hand_rows(self, client: Any, log: SessionLog, inflight: dict[int, _Inflight],
                   cursor: int, unmarked: bool = False) -> int:
        """Hand the next unsent rows to paho while the window has room; the new cursor.
        `unmarked`: some acknowledged rows wait to be marked sent (never hand them again)."""
        room = self.window - len(inflight)
        if room <= 0:
            return cursor
        try:
            rows = log.pending(after=cursor, limit=room)
        except sqlite3.Error as exc:
            self._set_error(f"outbox {self.log_path}: {exc}")
            return cursor
        if not rows and not inflight and not unmarked and cursor and log.outbox_length():
            # Unsent rows behind the cursor with none in flight (their PUBACK came on a
            # connection that dropped before paho sent them again): hand them once more.
            cursor = 0
            rows = log.pending(after=0, limit=room)
        waiting = {item.seq for item in inflight.values()}
        for row in rows:
            if row.seq in waiting:  # handed before a refusal rewound the cursor
                cursor = row.seq
                continue
            info = client.publish(row.topic, row.payload, qos=1, retain=False)
            inflight[info.mid] = _Inflight(row.seq, row.topic)
            cursor = row.seq
        return cursor

    def _goodbye(self, client: Any) -> None:
        """A clean stop: `offline` (retained) while still connected, then disconnect."""
        with self._lock:
            connected = self._connected
        if connected:
            info = client.publish(self.settings.topics.status, OFFLINE, qos=1, retain=True,
                                  properties=stamped(_now_iso()))
            deadline = time.monotonic() + 2.0
            while not info.is_published() and time.monotonic() < deadline:
                time.sleep(0.01)
        client.disconnect()
        client.loop_stop()
        with self._lock:
            self._connected = False


def publisher_for(config: Any, log_path: str | Path | None = None) -> Publisher:
    """The publisher a station runs with its [mqtt] settings (ConfigError on a bad file)."""
    settings = BrokerSettings.from_config(config)
    m = config.mqtt
    return Publisher(settings, log_path or config.resolve(config.store.path),
                     outbox_max=m.outbox_max, live_interval_s=m.live_interval_s,
                     homeassistant=m.homeassistant, discovery_prefix=m.discovery_prefix)

