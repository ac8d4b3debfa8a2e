"""The buzzer on gpiozero's mock pins: its patterns, and when it sounds."""

from __future__ import annotations

import threading

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory, MockPWMPin

from station.config import BuzzerConfig
from station.domain import Fault, FaultDetected, RepResult, RepScored
from station.hardware.buzzer import (
    FAULT_PATTERN,
    PASS_PATTERN,
    AlertBuzzer,
    open_buzzer,
)


class RecordingPWMPin(MockPWMPin):
    """A mock PWM pin that also remembers every frequency it was set to."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.frequencies: list[float] = []

    def _set_frequency(self, value):
        super()._set_frequency(value)
        if value is not None:
            self.frequencies.append(value)


@pytest.fixture
def factory():
    f = MockFactory(pin_class=RecordingPWMPin)
    yield f
    f.reset()
    Device.pin_factory = None


def wait_quiet(buzzer: AlertBuzzer) -> None:
    """Wait (up to 5 s) until the buzzer's pattern has finished."""
    done = threading.Event()
    for _ in range(500):
        if not buzzer.player.busy:
            done.set()
            break
        done.wait(0.01)
    assert done.is_set()


def rises(pin) -> int:
    """How many times the pin went from silent to sounding."""
    values = [s.state for s in pin.states]
    return sum(1 for a, b in zip(values[:-1], values[1:], strict=True) if not a and b)


def fault(index: int, f: Fault = Fault.HIPS_STOPPED, t: float = 1.0) -> FaultDetected:
    return FaultDetected(t, index, f, True, "Push your hips back, not down")


def test_fault_is_three_high_beeps_and_a_pass_one_low_blip(factory):
    buzzer = AlertBuzzer.from_config(BuzzerConfig(pin=18, kind="tonal"), pin_factory=factory)
    assert buzzer.ok
    pin = factory.pin(18)
    pin.frequencies.clear()  # gpiozero's PWM default (100 Hz) set when the device opened
    assert buzzer.on_event(fault(1))
    wait_quiet(buzzer)
    assert rises(pin) == 3
    assert set(pin.frequencies) == {880.0}
    pin.clear_states()
    pin.frequencies.clear()
    rep = RepResult(2, 0.0, 2.0, (), "Good hinge. Same again.")
    assert buzzer.on_event(RepScored(2.0, rep))
    wait_quiet(buzzer)
    assert rises(pin) == 1
    assert pin.frequencies == [330.0]
    assert pin.state == 0  # silent after each pattern
    buzzer.close()


def test_active_buzzer_plays_the_same_rhythms(factory):
    factory.pin_class = RecordingPWMPin
    player, reason = open_buzzer(BuzzerConfig(pin=18, kind="active"), pin_factory=factory)
    assert reason == ""
    buzzer = AlertBuzzer(player)
    buzzer.on_event(fault(1))
    wait_quiet(buzzer)
    assert rises(factory.pin(18)) == sum(1 for n in FAULT_PATTERN if n.hz) == 3
    assert len(PASS_PATTERN) == 1
    buzzer.close()


def test_one_alert_per_fault_event_and_none_when_muted(factory):
    buzzer = AlertBuzzer.from_config(BuzzerConfig(pin=18), pin_factory=factory)
    assert buzzer.on_event(fault(1))
    wait_quiet(buzzer)
    assert not buzzer.on_event(fault(1, t=1.2))  # the same fault again in the same rep
    assert not buzzer.on_event(FaultDetected(1.3, 1, Fault.SHALLOW, False, "deeper"))  # not live
    assert buzzer.on_event(fault(2))  # the next rep's fault is a new event
    wait_quiet(buzzer)
    buzzer.muted = True
    assert not buzzer.on_event(fault(3))
    assert buzzer.alerts == 2
    buzzer.reset()  # a new set: rep 1 may buzz again
    buzzer.muted = False
    assert buzzer.on_event(fault(1))
    buzzer.close()


def test_a_second_fault_while_the_first_still_sounds_is_one_alert(factory):
    buzzer = AlertBuzzer.from_config(BuzzerConfig(pin=18), pin_factory=factory)
    assert buzzer.on_event(fault(1, Fault.HIPS_STOPPED))
    assert not buzzer.on_event(fault(1, Fault.KNEE_BEND, t=1.05))  # a squat: one alert
    wait_quiet(buzzer)
    assert rises(factory.pin(18)) == 3
    buzzer.close()


def test_no_buzzer_is_a_reason_not_a_crash():
    buzzer = AlertBuzzer(None, reason="no GPIO")
    assert not buzzer.ok and buzzer.reason == "no GPIO"
    assert not buzzer.on_event(fault(1))
