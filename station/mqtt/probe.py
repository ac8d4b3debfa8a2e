"""The broker's row of `station check`: reached, authorised, and the outbox's length.

It connects once with a client id of its own (the running station keeps its connection),
waits for the broker's answer to the login, and reads the outbox from the session log. A
file of [mqtt] it cannot use (the password file, a certificate) stops it before it tries
the network: that check says so (`tried` False) with what makes the file usable.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from dataclasses import dataclass
from typing import Any

from station.config import Config
from station.errors import ConfigError
from station.mqtt.connection import BrokerSettings, describe_failure, make_client
from station.mqtt.credentials import CredentialsError
from station.store import SessionLog


@dataclass(frozen=True)
class BrokerCheck:
    """What `station check` reports of the broker."""

    reached: bool
    authorised: bool
    detail: str   # one line: where, and what went wrong if anything
    outbox: int   # unsent results in the session log (-1: the log cannot be read)
    tried: bool = True  # False: a file of [mqtt] cannot be used, nothing connected
    fix: str = ""       # with tried False: what makes the file usable ("" if not known)


def outbox_length(config: Config) -> int:
    path = config.resolve(config.store.path)
    if not path.exists():
        return 0
    try:
        log = SessionLog(path)
    except (sqlite3.Error, OSError):
        return -1
    try:
        return log.outbox_length()
    finally:
        log.close()


def check_broker(config: Config, timeout_s: float = 5.0) -> BrokerCheck:
    outbox = outbox_length(config)
    try:
        settings = BrokerSettings.from_config(config)
    except CredentialsError as exc:
        return BrokerCheck(False, False, str(exc), outbox, tried=False, fix=exc.fix)
    except ConfigError as exc:
        return BrokerCheck(False, False, str(exc), outbox, tried=False)
    answered = threading.Event()
    verdict: dict[str, Any] = {}

    def on_connect(client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        verdict["reason"] = reason
        answered.set()

    client = make_client(settings, f"hinge-{settings.topics.station_id}-check-{os.getpid()}",
                         will=False)
    client.on_connect = on_connect
    try:
        client.connect(settings.host, settings.port, settings.keepalive_s)
    except (OSError, ValueError) as exc:
        return BrokerCheck(False, False, describe_failure(settings, exc=exc), outbox)
    client.loop_start()
    try:
        if not answered.wait(timeout_s):
            return BrokerCheck(True, False, f"broker {settings.where}: no answer to the login "
                               f"in {timeout_s:g} s", outbox)
    finally:
        client.disconnect()
        client.loop_stop()
    reason = verdict["reason"]
    if reason.is_failure:
        return BrokerCheck(True, False, describe_failure(settings, reason=reason), outbox)
    how = "TLS" if settings.tls else "plain TCP"
    who = f"user {settings.credentials.username!r}" if settings.credentials else "no password"
    return BrokerCheck(True, True, f"{settings.where} ({how}, {who}) as "
                       f"{settings.topics.prefix}/{settings.topics.station_id}", outbox)
