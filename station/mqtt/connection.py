"""A paho-mqtt client made from the config: the broker's address, TLS, the password, the will.

`BrokerSettings.from_config` resolves and reads every file the connection needs (CA,
client certificate, credentials), so a bad one is one ConfigError naming its key before
anything connects. `describe_failure` turns what went wrong into one line for a person.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from station.config import Config
from station.errors import ConfigError
from station.mqtt.credentials import Credentials, read_credentials
from station.mqtt.messages import OFFLINE
from station.mqtt.topics import Topics, station_id_for

# CONNACK reason codes that mean the broker would not take this user or password.
_AUTH_CODES = {134, 135, 4, 5}  # v5: bad user name or password, not authorised; v3: 4, 5


@dataclass(frozen=True)
class BrokerSettings:
    """Everything a connection needs, files read and checked."""

    host: str
    port: int
    keepalive_s: int
    reconnect_max_s: float
    topics: Topics
    tls: bool
    ca_file: Path | None
    cert_file: Path | None
    key_file: Path | None
    credentials: Credentials | None

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    @classmethod
    def from_config(cls, config: Config, uid: int | None = None) -> BrokerSettings:
        m = config.mqtt
        if m is None:
            raise ConfigError(f"{config.source or 'the built-in settings'}: no [mqtt] section "
                              "(the broker's host and this station's id)")

        def existing(key: str) -> Path | None:
            value = getattr(m, key)
            if not value:
                return None
            path = config.resolve(value)
            if not path.is_file():
                raise ConfigError(f"{path}: [mqtt] {key} not found")
            return path

        creds = (read_credentials(config.resolve(m.credentials_file), uid)
                 if m.credentials_file else None)
        settings = cls(m.host, m.port, m.keepalive_s, m.reconnect_max_s,
                       Topics(m.prefix, station_id_for(m)), m.tls, existing("ca_file"),
                       existing("cert_file"), existing("key_file"), creds)
        if settings.tls:
            settings.tls_context()  # a bad file is a ConfigError now, not at connect time
        return settings

    def tls_context(self) -> ssl.SSLContext:
        """The TLS context: the CA (or the system's), and the client certificate if any."""
        try:
            ctx = ssl.create_default_context(
                cafile=str(self.ca_file) if self.ca_file else None)
        except (ssl.SSLError, OSError) as exc:
            raise ConfigError(f"{self.ca_file}: [mqtt] ca_file is not a PEM CA certificate "
                              f"({_ssl_reason(exc)})") from None
        if self.cert_file is not None:
            try:
                ctx.load_cert_chain(str(self.cert_file),
                                    str(self.key_file) if self.key_file else None)
            except (ssl.SSLError, OSError) as exc:
                raise ConfigError(
                    f"{self.cert_file}: [mqtt] cert_file / key_file are not a PEM "
                    f"certificate and its key ({_ssl_reason(exc)})") from None
        return ctx


def _ssl_reason(exc: BaseException) -> str:
    return getattr(exc, "reason", None) or getattr(exc, "strerror", None) or str(exc)


def make_client(settings: BrokerSettings, client_id: str, will: bool = True,
                max_inflight: int = 64) -> mqtt.Client:
    """A paho client (MQTT 5) for `settings`; with `will`, the broker marks the station
    offline (retained) when it vanishes without saying goodbye."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                         protocol=mqtt.MQTTv5)
    if settings.credentials is not None:
        client.username_pw_set(settings.credentials.username, settings.credentials.password)
    if settings.tls:
        client.tls_set_context(settings.tls_context())
    if will:
        client.will_set(settings.topics.status, OFFLINE, qos=1, retain=True)
    client.reconnect_delay_set(1, max(1, int(settings.reconnect_max_s)))
    client.max_inflight_messages_set(max_inflight)
    return client


def stamped(at: str) -> Properties:
    """A PUBLISH's properties saying when its news happened (a user property `at`, UTC ISO
    8601): the status carries it, so a reader knows since when a station is online."""
    props = Properties(PacketTypes.PUBLISH)
    props.UserProperty = ("at", at)
    return props


def stamp_of(msg: mqtt.MQTTMessage) -> str | None:
    """The `at` a message was stamped with, or None."""
    props = getattr(msg, "properties", None)
    for key, value in getattr(props, "UserProperty", None) or []:
        if key == "at":
            return str(value)
    return None


def is_auth_failure(reason: ReasonCode | int) -> bool:
    value = reason.value if isinstance(reason, ReasonCode) else int(reason)
    return value in _AUTH_CODES


def describe_failure(settings: BrokerSettings, exc: BaseException | None = None,
                     reason: ReasonCode | None = None) -> str:
    """One line for what went wrong reaching the broker (never the password)."""
    where = settings.where
    if reason is not None:
        if is_auth_failure(reason):
            who = settings.credentials.username if settings.credentials else "no user name"
            return f"broker {where} refused the login ({reason}; user {who!r})"
        return f"broker {where} refused the connection ({reason})"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"broker {where}: its TLS certificate is not trusted ({exc.verify_message})"
    if isinstance(exc, ssl.SSLError):
        return f"broker {where}: TLS failed ({_ssl_reason(exc)})"
    if isinstance(exc, socket.gaierror):
        return f"broker {where}: no such host ({exc.strerror})"
    if isinstance(exc, ConnectionRefusedError):
        return f"broker {where}: nothing listens there (connection refused)"
    if isinstance(exc, TimeoutError | socket.timeout):
        return f"broker {where}: no answer (timed out)"
    if isinstance(exc, OSError):
        return f"broker {where}: cannot connect ({exc.strerror or exc})"
    if exc is not None:
        return f"broker {where}: {type(exc).__name__}: {exc}"
    return f"broker {where}: not reached"


def describe_hangup(settings: BrokerSettings, reason: object) -> str:
    """One line for a broker that hung up before it answered the login."""
    text = f"broker {settings.where} hung up before answering the login ({reason})"
    if settings.tls and settings.cert_file is None:
        text += ": does it ask for a client certificate ([mqtt] cert_file)?"
    return text
