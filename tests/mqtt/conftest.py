"""Fixtures of the MQTT tests: a real Mosquitto on a free loopback port, stopped after."""

from __future__ import annotations

import pytest

from tests.mqtt.broker import Mosquitto


@pytest.fixture
def broker(tmp_path):
    b = Mosquitto(tmp_path / "broker").start()
    yield b
    b.stop()


@pytest.fixture
def stations():
    """Stations a test starts, closed after it whatever happens."""
    made = []
    yield made
    for st in made:
        st.close()
