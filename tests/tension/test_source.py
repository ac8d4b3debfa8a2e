"""The tension source: the live sensor and a recording both satisfy it."""

from __future__ import annotations

import numpy as np

from station.config import HX711Config, TensionConfig
from station.domain import TensionStream
from station.tension.replay import TensionReplay
from station.tension.sensor import TensionSensor
from station.tension.source import TensionSource


def test_the_sensor_and_a_replay_are_tension_sources():
    sensor = TensionSensor(HX711Config(), TensionConfig())  # not started: no reader process
    replay = TensionReplay(TensionStream(np.array([0.0, 0.0125]), np.array([1.0, 2.0])))
    assert isinstance(sensor, TensionSource)
    assert isinstance(replay, TensionSource)
