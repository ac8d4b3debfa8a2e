"""Class mode: the menu steps through the rotations on offer; each turn that ends brings the
next athlete on."""

from __future__ import annotations

from station.flow.class_mode import ClassMode


def test_the_menu_steps_from_the_configured_rotation_to_longer_ones_then_off():
    mode = ClassMode(configured_s=120.0)
    assert not mode.on and mode.label() == "OFF" and mode.left_s(0.0) is None
    assert mode.step(10.0) == "Class mode: 2 min per athlete"
    assert mode.athlete == 1 and mode.left_s(10.0) == 120.0
    assert [mode.step(10.0) for _ in range(3)] == [
        "Class mode: 3 min per athlete", "Class mode: 5 min per athlete", "Class mode off"]
    assert not mode.on


def test_a_turn_ends_on_time_and_a_missed_turn_is_skipped_not_made_up():
    mode = ClassMode(configured_s=120.0)
    mode.step(0.0)
    assert not mode.rotate(119.9)
    assert mode.rotate(120.0) and mode.athlete == 2 and mode.left_s(120.0) == 120.0
    assert mode.rotate(610.0)  # three turns and a bit late: one athlete on, on the beat
    assert mode.athlete == 3 and mode.left_s(610.0) == 110.0
