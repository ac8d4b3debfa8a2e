"""station.appliance.watchdog: sd_notify datagrams on a real AF_UNIX socket, as systemd
receives them."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from station.appliance.watchdog import Watchdog


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def notify_socket(tmp_path: Path):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    path = tmp_path / "notify"
    sock.bind(str(path))
    sock.setblocking(False)
    yield sock, str(path)
    sock.close()


def received(sock: socket.socket) -> list[str]:
    messages = []
    while True:
        try:
            messages.append(sock.recv(4096).decode())
        except BlockingIOError:
            return messages


def test_ready_status_and_pings_at_most_twice_per_interval(notify_socket) -> None:
    sock, path = notify_socket
    clock = Clock()
    dog = Watchdog({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "10000000",
                    "WATCHDOG_PID": str(os.getpid())}, clock=clock)
    assert dog.enabled and dog.interval_s == 10.0
    dog.ready("coaching")
    for t in (100.0, 101.0, 104.9, 105.0, 105.1, 109.0, 110.1):
        clock.t = t
        dog.ping()
    dog.status("coaching")  # unchanged: not sent again
    dog.status("camera lost: reconnecting")
    dog.stopping()
    assert received(sock) == ["READY=1\nSTATUS=coaching", "WATCHDOG=1", "WATCHDOG=1",
                              "WATCHDOG=1", "STATUS=camera lost: reconnecting", "STOPPING=1"]
    dog.close()


def test_abstract_socket_address() -> None:
    name = f"station-test-{os.getpid()}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(b"\0" + name.encode())
    try:
        Watchdog({"NOTIFY_SOCKET": "@" + name}).ready()
        assert sock.recv(100) == b"READY=1"
    finally:
        sock.close()


def test_watchdog_meant_for_another_process_is_not_pinged(notify_socket) -> None:
    sock, path = notify_socket
    dog = Watchdog({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "10000000",
                    "WATCHDOG_PID": str(os.getpid() + 1)})
    assert dog.interval_s is None
    dog.ping()
    dog.status("x")
    assert received(sock) == ["STATUS=x"]


def test_outside_systemd_everything_is_a_no_op() -> None:
    dog = Watchdog({})
    assert not dog.enabled and dog.interval_s is None
    dog.ready("x")
    dog.ping()
    dog.status("y")
    dog.stopping()


def test_a_vanished_socket_never_raises(tmp_path: Path) -> None:
    dog = Watchdog({"NOTIFY_SOCKET": str(tmp_path / "gone"), "WATCHDOG_USEC": "1000000"})
    dog.ready()
    dog.ping()
    dog.status("still coaching")
