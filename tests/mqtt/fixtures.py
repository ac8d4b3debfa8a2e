"""The broker and the stations an MQTT test starts, stopped after it whatever happens: used
by the MQTT tests and the coach page's Gym tests alike."""

from __future__ import annotations

import pytest

from tests.mqtt.broker import Mosquitto
from tests.mqtt.station_kit import Station


@pytest.fixture
def broker(tmp_path):
    """A real Mosquitto on a free loopback port with its own config file."""
    b = Mosquitto(tmp_path / "broker").start()
    yield b
    b.stop()


@pytest.fixture
def stations():
    """Stations a test starts, closed after it whatever happens."""
    made: list[Station] = []
    yield made
    for st in made:
        st.close()
