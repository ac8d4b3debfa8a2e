"""Fixtures of the MQTT tests: a real Mosquitto on a free loopback port, stopped after."""

from __future__ import annotations

from tests.mqtt.fixtures import broker, stations  # noqa: F401  (fixtures, found by name)
