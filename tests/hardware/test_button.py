"""The button on gpiozero's mock pins: a press, a hold, and no button at all."""

from __future__ import annotations

import threading

from gpiozero.pins.mock import MockFactory

from station.config import ButtonConfig
from station.hardware.button import StationButton


def test_button_press_and_hold():
    factory = MockFactory()
    presses, holds = [], []
    held = threading.Event()
    button, reason = StationButton.open(
        ButtonConfig(pin=17, bounce_s=0.0, hold_s=0.5),
        on_press=lambda: presses.append(1), on_hold=lambda: (holds.append(1), held.set()),
        pin_factory=factory)
    assert reason == "" and button is not None
    pin = factory.pin(17)
    pin.drive_low()  # pressed: the button pulls the pin to ground
    pin.drive_high()
    assert presses == [1] and holds == []
    pin.drive_low()
    assert held.wait(5.0)  # held past hold_s: the menu, not a press
    pin.drive_high()
    assert presses == [1] and holds == [1]
    button.close()
    factory.reset()


def test_disabled_button():
    button, reason = StationButton.open(ButtonConfig(enabled=False), lambda: None, lambda: None)
    assert button is None and reason == "disabled"
