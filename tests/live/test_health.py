"""How the live station judges a part's health: the camera's status cut short for its badge,
a load cell trusted only once it has stayed healthy, and why a load cell is not used."""

from __future__ import annotations

from station.flow.view import PartHealth
from station.hardware.reconnect import CameraStatus
from station.live.health import (
    TENSION_TRUST_AFTER_S,
    LoadCellTrust,
    camera_health,
    load_cell_health,
)
from station.tension.filter import Health, TensionStatus


def status(health: Health, calibrated: bool = True) -> TensionStatus:
    return TensionStatus(health, "", calibrated, 0.0, 0.0, 0.0, 0, None, {})


def test_the_camera_badge_is_short_and_the_error_stays_in_the_journal():
    lost = CameraStatus(False, "lost: retrying in 4 s (OSError: camera unplugged)", 3, 1)
    assert camera_health(lost) == PartHealth(False, "lost: retry in 4 s")
    assert camera_health(CameraStatus(True)) == PartHealth(True)


def test_a_load_cell_is_trusted_once_it_has_stayed_healthy():
    trust = LoadCellTrust()
    assert not trust.update(status(Health.OK), 10.0)
    assert not trust.update(status(Health.NOISY), 10.5)  # a flap starts the wait again
    assert not trust.update(status(Health.OK), 11.0)
    assert trust.update(status(Health.OK), 11.0 + TENSION_TRUST_AFTER_S)
    assert not trust.update(status(Health.OK, calibrated=False), 20.0)


def test_the_load_cell_badge_says_why_it_is_not_used():
    assert load_cell_health(status(Health.OK), trusted=True) == PartHealth(True)
    assert load_cell_health(status(Health.OK), trusted=False).reason == "settling"
    assert load_cell_health(status(Health.NOISY), trusted=False).reason == "noisy"
    assert load_cell_health(status(Health.OK, calibrated=False),
                            trusted=False).reason == "not calibrated"
    assert load_cell_health(status(Health.DISCONNECTED, calibrated=False),
                            trusted=False).reason == "disconnected"
