"""Telling systemd how the station is doing: READY=1, WATCHDOG=1 and STATUS= over sd_notify.

systemd starts the station with `Type=notify` and `WatchdogSec=`: it waits for READY=1, then
kills and restarts the process if WATCHDOG=1 stops arriving. The kiosk loop calls `ping()`
once per frame, so only a loop that really runs keeps the station alive; a hung loop, a
stuck driver or a deadlock gets restarted. Outside systemd (no $NOTIFY_SOCKET) every call
does nothing, so the same code runs on a desktop and in the tests.

The protocol is one datagram of newline-separated KEY=VALUE lines to the AF_UNIX socket
named in $NOTIFY_SOCKET ("@" at its start means the abstract namespace); see sd_notify(3).
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Mapping


class Watchdog:
    """The station's line to systemd: readiness, liveness pings and a one-line status.

    `environ` and `clock` are injectable for tests; by default they are `os.environ` and
    `time.monotonic`. Pings are sent at most twice per watchdog interval, however often
    `ping()` is called.
    """

    def __init__(self, environ: Mapping[str, str] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        env = os.environ if environ is None else environ
        self._address = _socket_address(env.get("NOTIFY_SOCKET", ""))
        self._clock = clock
        self._interval_s = _watchdog_interval(env)
        self._last_ping: float | None = None
        self._last_status: str | None = None
        self._sock: socket.socket | None = None

    @property
    def enabled(self) -> bool:
        """True when running under systemd with a notify socket."""
        return self._address is not None

    @property
    def interval_s(self) -> float | None:
        """The watchdog timeout systemd set (WatchdogSec=), or None when it set none."""
        return self._interval_s

    def ready(self, status: str | None = None) -> None:
        """Tell systemd the station has started (the kiosk loop is about to run)."""
        self._send("READY=1" + (f"\nSTATUS={status}" if status else ""))
        if status:
            self._last_status = status

    def ping(self) -> None:
        """Say "still alive"; call it from the loop that must not hang, once per turn."""
        if self._interval_s is None:
            return
        now = self._clock()
        if self._last_ping is not None and now - self._last_ping < self._interval_s / 2:
            return
        self._last_ping = now
        self._send("WATCHDOG=1")

    def status(self, text: str) -> None:
        """Set the one line `systemctl status station` shows (sent only when it changes)."""
        if text == self._last_status:
            return
        self._last_status = text
        self._send(f"STATUS={text}")

    def stopping(self) -> None:
        """Tell systemd the station is shutting down on purpose."""
        self._send("STOPPING=1")

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _send(self, message: str) -> None:
        if self._address is None:
            return
        try:
            if self._sock is None:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
                # Never block the kiosk loop: a full socket drops the message instead.
                self._sock.setblocking(False)
            self._sock.sendto(message.encode("utf-8"), self._address)
        except BlockingIOError:
            pass  # systemd is behind; the next ping goes through when it catches up
        except OSError:
            # systemd gone: the station keeps coaching regardless; a watchdog that really
            # stops arriving is what gets it restarted.
            self.close()


def _socket_address(value: str) -> str | bytes | None:
    if not value or value[0] not in "/@":
        return None
    if value[0] == "@":
        return b"\0" + value[1:].encode("utf-8")
    return value


def _watchdog_interval(env: Mapping[str, str]) -> float | None:
    """WATCHDOG_USEC in seconds, when it is meant for this process (WATCHDOG_PID)."""
    try:
        usec = int(env.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    pid = env.get("WATCHDOG_PID")
    if pid is not None and pid != str(os.getpid()):
        return None
    return usec / 1e6 if usec > 0 else None
