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


def test_calibrating_is_refused_during_a_set():
    """Zeroing the load cell while an athlete pulls on the band would take the pull for
    slack: the menu's row says so during a set, as the coach page does."""
    zeroed = []
    flow = StationFlow(Config(), AlertBuzzer(None), None,
                       calibrate=lambda: zeroed.append(1) or "Load cell zeroed (band slack)")
    flow.on_input(Input.PRESS, 0.0)
    flow.on_input(Input.PRESS, 0.1)  # coaching
    flow.on_input(Input.MENU, 0.2)
    flow.on_input(Input.SELECT, 0.3, row=0)
    assert flow.view.toast == "Not during a set: calibrate between sets, nobody on the band"
    assert zeroed == []
    flow.on_input(Input.BACK, 0.4)
    flow.on_input(Input.PRESS, 0.5)  # next athlete: the set ends
    flow.on_input(Input.MENU, 0.6)
    flow.on_input(Input.SELECT, 0.7, row=0)
    assert flow.view.toast == "Load cell zeroed (band slack)" and zeroed == [1]
