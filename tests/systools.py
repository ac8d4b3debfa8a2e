"""System tools some tests need (shellcheck, systemd-analyze): present in CI, optional here."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


def tool(name: str) -> str:
    """The path of `name`; skips the test where it is missing, fails in CI (CI=true).

    install.sh --dev installs them with apt-get when run as root, as CI does.
    """
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} missing in CI: install.sh --dev should have installed it")
        pytest.skip(f"{name} not installed (sudo apt-get install {name})")
    return path


class NotifyListener:
    """systemd's side of sd_notify for tests: a datagram socket read by its own thread, so
    the station's non-blocking sends never find it full."""

    def __init__(self, path) -> None:
        import socket
        import threading

        self.path = str(path)
        self.messages: list[str] = []
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.bind(self.path)
        self._sock.settimeout(0.05)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="notify-listener", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.messages.append(self._sock.recv(4096).decode())
            except TimeoutError:
                continue
            except OSError:
                return

    def received(self) -> list[str]:
        """Everything received so far (waits a moment for datagrams still in flight)."""
        import time

        time.sleep(0.1)
        return list(self.messages)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=1.0)
        self._sock.close()


@contextmanager
def notify_socket(path, monkeypatch, watchdog_usec: int) -> Iterator[NotifyListener]:
    """systemd's notify socket at `path` for the code under test, with a watchdog of
    `watchdog_usec` microseconds (the station pings at half of it)."""
    listener = NotifyListener(path)
    monkeypatch.setenv("NOTIFY_SOCKET", listener.path)
    monkeypatch.setenv("WATCHDOG_USEC", str(watchdog_usec))
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    try:
        yield listener
    finally:
        listener.close()
