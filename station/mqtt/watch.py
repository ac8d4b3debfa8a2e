"""The gym's view from the broker: one subscription to every station under the prefix,
kept for the coach page's process (`FleetWatcher`), or read once (`read_fleet`, for
`station fleet`).

`FleetWatcher` keeps one read-only connection (paho's network loop in its own thread,
reconnecting by itself) to each station's retained state (`status`, `health`, `live`,
`today`) and its results (`rep`, `set`), parsed into a `Fleet` as `station fleet` parses
them. `snapshot()` copies what it knows under a lock: a page asking never waits on the
network. What goes wrong (the broker down, a refused password, an untrusted certificate)
is one line in the snapshot; the rows it had stay, marked as last heard.
"""

from __future__ import annotations

import copy
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import paho.mqtt.client as mqtt

from station.errors import InputError
from station.mqtt.connection import (
    BrokerSettings,
    describe_failure,
    describe_hangup,
    make_client,
    stamp_of,
)
from station.mqtt.fleet import Fleet, FleetRow
from station.mqtt.topics import RESULT_TOPICS, fleet_filters


class Link(StrEnum):
    """The watcher's connection to the broker."""

    CONNECTING = "connecting"  # no answer yet
    CONNECTED = "connected"
    DOWN = "down"              # lost, refused, or never reached: `error` says which


@dataclass(frozen=True)
class FleetSnapshot:
    """What the watcher knows at one instant: its link, since when, and every station."""

    link: Link
    error: str             # one line while the link is not up ("" when it is)
    since: str | None      # when the link last changed (UTC ISO 8601)
    rows: list[FleetRow] = field(default_factory=list)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class FleetWatcher:
    """One read-only subscription to every station on the broker (see the module's doc)."""

    def __init__(self, settings: BrokerSettings, client_id: str | None = None,
                 clock: Callable[[], str] = _now) -> None:
        self.settings = settings
        self.client_id = client_id or (f"hinge-{settings.topics.station_id}-web-"
                                       f"{socket.gethostname()}-{os.getpid()}")
        self.clock = clock
        self._lock = threading.Lock()
        self._fleet = Fleet()
        self._link = Link.CONNECTING
        self._error = ""
        self._since: str | None = clock()
        self._client: mqtt.Client | None = None
        self.subscribed = threading.Event()  # the broker took the subscription (once)
        self._heard = time.monotonic()  # the last message or subscription, monotonic

    def start(self) -> FleetWatcher:
        client = make_client(self.settings, self.client_id, will=False)
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        client.connect_async(self.settings.host, self.settings.port, self.settings.keepalive_s)
        client.loop_start()
        self._client = client
        return self

    def stop(self) -> None:
        if self._client is not None:
            self._client.disconnect()
            self._client.loop_stop()
            self._client = None

    def quiet_s(self) -> float:
        """Seconds since the last message (or the subscription) came."""
        with self._lock:
            return time.monotonic() - self._heard

    def snapshot(self) -> FleetSnapshot:
        with self._lock:
            rows = [copy.deepcopy(r) for _, r in sorted(self._fleet.rows.items())]
            return FleetSnapshot(self._link, self._error, self._since, rows)

    # -- paho's callbacks (its network thread) ----------------------------------------------

    def _set_link(self, link: Link, error: str) -> None:
        with self._lock:
            if link is not self._link:
                self._since = self.clock()
            self._link, self._error = link, error

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any,
                    properties: Any) -> None:
        if reason.is_failure:
            self._set_link(Link.DOWN, describe_failure(self.settings, reason=reason))
            return
        prefix = self.settings.topics.prefix
        client.subscribe([(f, 1) for f in fleet_filters(prefix)]
                         + [(f"{prefix}/+/{what}", 1) for what in RESULT_TOPICS])
        self._set_link(Link.CONNECTED, "")

    def _on_connect_fail(self, client: Any, userdata: Any) -> None:
        # paho calls this inside its `except OSError:` block: the exception is at hand.
        self._set_link(Link.DOWN, describe_failure(self.settings, exc=sys.exc_info()[1]))

    def _on_disconnect(self, client: Any, userdata: Any, flags: Any, reason: Any,
                       properties: Any) -> None:
        with self._lock:
            was, error = self._link, self._error
        if was is Link.CONNECTED:
            self._set_link(Link.DOWN, f"lost the broker {self.settings.where} ({reason})")
        elif not error:
            self._set_link(Link.DOWN, describe_hangup(self.settings, reason))

    def _on_subscribe(self, *args: Any) -> None:
        with self._lock:
            self._heard = time.monotonic()
        self.subscribed.set()

    def _on_message(self, client: Any, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        # A status change seen as it happens (not a retained copy) happened now; otherwise
        # the station's own stamp says when, if it gave one.
        at = stamp_of(msg) or (None if msg.retain else self.clock())
        with self._lock:
            self._fleet.take(msg.topic, bytes(msg.payload), self.settings.topics.prefix, at)
            self._heard = time.monotonic()


def read_fleet(settings: BrokerSettings, wait_s: float = 3.0, quiet_s: float = 0.3) -> Fleet:
    """Connect, take the retained state of every station under the prefix (it comes at
    once), and disconnect when nothing new has come for `quiet_s`.

    Raises InputError with one line when the broker cannot be reached or refuses us.
    """
    watcher = FleetWatcher(settings, f"hinge-fleet-{socket.gethostname()}-{os.getpid()}")
    watcher.start()
    try:
        deadline = time.monotonic() + wait_s
        while (snap := watcher.snapshot()).link is Link.CONNECTING:
            if time.monotonic() > deadline:
                raise InputError(f"broker {settings.where}: no answer to the login in "
                                 f"{wait_s:g} s")
            time.sleep(0.02)
        if snap.link is Link.DOWN:
            raise InputError(snap.error)
        if not watcher.subscribed.wait(max(0.0, deadline - time.monotonic())):
            raise InputError(f"broker {settings.where}: no answer to the subscription")
        deadline = time.monotonic() + wait_s
        while watcher.quiet_s() < quiet_s and time.monotonic() < deadline:
            time.sleep(0.02)
        rows = watcher.snapshot().rows
    finally:
        watcher.stop()
    return Fleet({row.station: row for row in rows})
