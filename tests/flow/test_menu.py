"""The coach menu: its rows, muting the buzzer, class mode's rotations, calibrating."""

from __future__ import annotations

import pytest

from station.config import Config
from station.flow.flow import StationFlow
from station.flow.view import Input
from station.hardware.buzzer import AlertBuzzer


def test_menu_mutes_the_buzzer_and_turns_class_mode_on():
    buzzer = AlertBuzzer(None)
    flow = StationFlow(Config(), buzzer, None)
    flow.on_input(Input.MENU, 0.0)
    assert [m.key for m in flow.view.menu] == ["calibrate", "mute", "class", "close"]
    flow.on_input(Input.DOWN, 0.1)
    flow.on_input(Input.SELECT, 0.2)
    assert buzzer.muted and flow.view.menu[1].value == "MUTED"
    flow.tick(0.3)
    assert flow.view.badge("buzzer").reason == "muted"
    flow.on_input(Input.SELECT, 0.4, row=2)  # a tap on "Class mode"
    assert flow.view.menu[2].value == "2 min" and flow.view.toast.startswith("Class mode")
    flow.on_input(Input.SELECT, 0.5, row=0)
    assert flow.view.toast == "No load cell to calibrate"
    flow.on_input(Input.BACK, 0.6)
    assert flow.view.menu is None
    flow.tick(60.0)
    assert flow.view.rotation_left_s == pytest.approx(60.4)  # on at 0.4 s, 2 min
