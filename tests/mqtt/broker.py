"""A real Mosquitto for the tests: started on a free 127.0.0.1 port with a config file the
test writes (never the system-wide broker or its service), killed, paused and restarted at
will; a CA and certificates made with `cryptography`; a recording subscriber.
"""

from __future__ import annotations

import datetime
import getpass
import ipaddress
import json
import os
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from tests.support import tool

MOSQUITTO = "/usr/sbin/mosquitto"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(predicate, timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


@dataclass
class Mosquitto:
    """One broker process on 127.0.0.1:`port`, its files in `workdir`."""

    workdir: Path
    port: int = field(default_factory=free_port)
    password_file: Path | None = None
    tls: tuple[Path, Path, Path] | None = None  # CA, server certificate, server key
    require_certificate: bool = False
    persistence: bool = False
    proc: subprocess.Popen | None = None

    def config_text(self) -> str:
        lines = [f"listener {self.port} 127.0.0.1",
                 f"user {getpass.getuser()}",  # as root: stay root, read the test's files
                 f"allow_anonymous {'false' if self.password_file else 'true'}",
                 "max_queued_messages 0",  # a persistent subscriber misses nothing
                 f"log_dest file {self.workdir / 'mosquitto.log'}",
                 "log_type error", "log_type warning", "log_type notice",
                 "log_type information"]
        if self.password_file:
            lines.append(f"password_file {self.password_file}")
        if self.tls:
            ca, cert, key = self.tls
            lines += [f"cafile {ca}", f"certfile {cert}", f"keyfile {key}",
                      f"require_certificate {'true' if self.require_certificate else 'false'}"]
        if self.persistence:
            lines += ["persistence true", f"persistence_location {self.workdir}/",
                      "autosave_interval 1"]
        return "\n".join(lines) + "\n"

    def start(self) -> Mosquitto:
        tool(MOSQUITTO)
        self.workdir.mkdir(parents=True, exist_ok=True)
        conf = self.workdir / "mosquitto.conf"
        conf.write_text(self.config_text())
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 10.0
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {self.proc.stderr.read()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def kill(self) -> None:
        """SIGKILL: the broker dies as a power cut would take it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()  # a stopped process dies too, without running another step
            self.proc.wait()
        self.paused = False

    paused: bool = False

    def pause(self) -> None:
        """SIGSTOP: the broker hangs, its socket still open (messages pile in its buffer)."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGSTOP)
        self.paused = True

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            if self.paused:
                os.kill(self.proc.pid, signal.SIGCONT)
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and self.proc.stderr is not None:
            self.proc.stderr.close()

    def log(self) -> str:
        path = self.workdir / "mosquitto.log"
        return path.read_text() if path.exists() else ""


def make_password_file(path: Path, users: dict[str, str]) -> Path:
    """A Mosquitto password file (hashed by mosquitto_passwd)."""
    passwd = tool("mosquitto_passwd")
    path.unlink(missing_ok=True)
    for i, (user, password) in enumerate(users.items()):
        args = [passwd, "-b"] + (["-c"] if i == 0 else []) + [str(path), user, password]
        subprocess.run(args, check=True, capture_output=True)
    path.chmod(0o600)
    return path


# -- certificates ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Issued:
    cert: Path
    key: Path


def _key():
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1())


def _write(dir_: Path, name: str, cert, key) -> Issued:
    from cryptography.hazmat.primitives import serialization

    dir_.mkdir(parents=True, exist_ok=True)
    c, k = dir_ / f"{name}.pem", dir_ / f"{name}.key"
    c.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    k.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.TraditionalOpenSSL,
                                    serialization.NoEncryption()))
    k.chmod(0o600)
    return Issued(c, k)


class TestCA:
    """A certificate authority of the test's own, and the certificates it signs."""

    __test__ = False  # not a pytest class

    def __init__(self, dir_: Path, name: str = "Test CA") -> None:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.x509.oid import NameOID

        self.dir = dir_
        self.key = _key()
        self.name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.datetime.now(datetime.UTC)
        self.cert = (x509.CertificateBuilder().subject_name(self.name).issuer_name(self.name)
                     .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                     .not_valid_before(now - datetime.timedelta(days=1))
                     .not_valid_after(now + datetime.timedelta(days=30))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
                     .add_extension(x509.KeyUsage(False, False, False, False, False, True, True,
                                                  False, False), True)
                     .sign(self.key, hashes.SHA256()))
        self.files = _write(dir_, name.lower().replace(" ", "-"), self.cert, self.key)

    def issue(self, name: str, server: bool) -> Issued:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

        key = _key()
        now = datetime.datetime.now(datetime.UTC)
        b = (x509.CertificateBuilder()
             .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
             .issuer_name(self.name).public_key(key.public_key())
             .serial_number(x509.random_serial_number())
             .not_valid_before(now - datetime.timedelta(days=1))
             .not_valid_after(now + datetime.timedelta(days=30))
             .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
             .add_extension(x509.ExtendedKeyUsage(
                 [ExtendedKeyUsageOID.SERVER_AUTH if server else
                  ExtendedKeyUsageOID.CLIENT_AUTH]), False))
        if server:
            b = b.add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                 x509.DNSName("localhost")]), False)
        return _write(self.dir, name, b.sign(self.key, hashes.SHA256()), key)


# -- a subscriber that records -----------------------------------------------------------------

@dataclass(frozen=True)
class Received:
    topic: str
    payload: bytes
    retain: bool

    def json(self) -> dict:
        return json.loads(self.payload)


class Recorder:
    """A paho subscriber on 127.0.0.1:`port` that keeps every message in order.

    `persistent` keeps its session on the broker (MQTT 5, an hour's expiry): QoS 1 messages
    published while it is away wait for it.
    """

    def __init__(self, port: int, filters: list[str], client_id: str = "recorder",
                 persistent: bool = False, username: str | None = None,
                 password: str | None = None) -> None:
        self.messages: list[Received] = []
        self._lock = threading.Lock()
        self.subscribed = threading.Event()
        self.filters = filters
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                                  protocol=mqtt.MQTTv5)
        if username:
            self.client.username_pw_set(username, password)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *a: self.subscribed.set()
        self.client.reconnect_delay_set(0.1, 0.5)
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = 3600 if persistent else 0
        self.client.connect_async("127.0.0.1", port, 10, clean_start=not persistent,
                                  properties=props)
        self.client.loop_start()
        wait_for(self.subscribed.is_set, 10, "the recorder's subscription")

    def _on_connect(self, client, userdata, flags, reason, properties) -> None:
        if not reason.is_failure:
            client.subscribe([(f, 1) for f in self.filters])

    def _on_message(self, client, userdata, msg) -> None:
        with self._lock:
            self.messages.append(Received(msg.topic, bytes(msg.payload), bool(msg.retain)))

    def on(self, topic: str) -> list[Received]:
        with self._lock:
            return [m for m in self.messages if m.topic == topic]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
