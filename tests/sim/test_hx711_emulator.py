"""The pin-level HX711 emulator against the datasheet, clocked by hand through MockFactory pins.

These check the emulator itself, so that the driver tests against it mean something.
"""

from __future__ import annotations

import time

import pytest
from gpiozero.pins.mock import MockFactory

from station.sim.hx711_emulator import HX711Emulator


@pytest.fixture
def rig():
    """An emulated chip on GPIO5/6 and the two pins as a host sees them."""
    factory = MockFactory()
    emu = HX711Emulator(5, 6, pin_factory=factory, counts=0x123456)
    sck = factory.pin(6)
    sck.function = "output"
    sck.state = False
    dout = factory.pin(5)
    return emu, sck, dout


def _wait_low(dout, timeout: float = 1.0) -> None:
    end = time.monotonic() + timeout
    while dout.state:
        assert time.monotonic() < end, "DOUT never went low"
        time.sleep(0.0005)


def _clock(sck, dout, pulses: int) -> list[int]:
    """Clock `pulses` pulses by hand; DOUT level after each falling edge."""
    levels = []
    for _ in range(pulses):
        sck.state = True
        sck.state = False
        levels.append(int(dout.state))
    return levels


def _read(emu, sck, dout, pulses: int) -> list[int]:
    """A whole read by hand, again if a busy machine held a pulse past 60 us (a power-down)."""
    for _ in range(10):
        downs = emu.power_downs
        _wait_low(dout)
        levels = _clock(sck, dout, pulses)
        if emu.power_downs == downs:
            return levels
        time.sleep(0.075)  # reset: let it settle again
    raise AssertionError("every read was cut by a power-down")


def test_dout_stays_high_until_the_first_conversion():
    factory = MockFactory()
    emu = HX711Emulator(5, 6, pin_factory=factory, rate_sps=10)  # first one 100 ms in
    dout = factory.pin(5)
    assert dout.state
    assert emu.conversions == 0
    _wait_low(dout)
    assert emu.conversions >= 1


def test_bits_come_out_msb_first_one_per_rising_edge_then_dout_goes_high(rig):
    emu, sck, dout = rig
    time.sleep(emu._settling_ns / 1e9)  # past settling: the full value
    levels = _read(emu, sck, dout, 25)
    expected = [(0x123456 >> (23 - i)) & 1 for i in range(24)]
    assert levels[:24] == expected
    assert levels[24] == 1  # the 25th pulse pulls DOUT high
    assert dout.state  # and it stays high until the next conversion


def test_conversions_before_settling_read_low():
    factory = MockFactory()
    emu = HX711Emulator(5, 6, pin_factory=factory, counts=0x123456, rate_sps=10)
    sck, dout = factory.pin(6), factory.pin(5)
    sck.function = "output"
    sck.state = False
    # At 10 SPS the first conversion is 100 ms in; settling takes 400 ms.
    bits = _read(emu, sck, dout, 25)[:24]
    word = int("".join(map(str, bits)), 2)
    assert 0 < word < 0x123456


@pytest.mark.parametrize(("pulses", "gain", "value"), [(25, 128, 4000), (26, 32, 777),
                                                       (27, 64, 2000)])
def test_extra_pulses_select_gain_and_channel(pulses, gain, value):
    factory = MockFactory()
    emu = HX711Emulator(5, 6, pin_factory=factory, counts=4000, channel_b_counts=777)
    sck, dout = factory.pin(6), factory.pin(5)
    sck.function = "output"
    sck.state = False
    for _ in range(5):
        downs = emu.power_downs
        _read(emu, sck, dout, pulses)
        time.sleep(0.075)  # settling (50 ms) and one more conversion at the new gain
        bits = _read(emu, sck, dout, pulses)[:24]
        if emu.power_downs == downs:  # (a busy machine's power-down resets the gain)
            break
    assert emu.gain == gain
    assert int("".join(map(str, bits)), 2) == value


def test_pd_sck_high_over_60us_powers_down_and_low_resets_to_gain_128(rig):
    emu, sck, dout = rig
    _read(emu, sck, dout, 27)  # gain 64
    _wait_low(dout)
    assert emu.gain == 64
    sck.state = True
    time.sleep(2 * emu.power_down_us / 1e6)
    assert not emu.powered
    assert dout.state  # powered down: DOUT high
    sck.state = False
    assert emu.powered
    assert emu.gain == 128
    assert emu.power_downs >= 1
    assert not emu.settled


def test_unplugged_reads_high_and_ignores_the_clock(rig):
    emu, sck, dout = rig
    emu.unplugged = True
    time.sleep(0.03)
    assert dout.state
    assert _clock(sck, dout, 25) == [1] * 25


def test_stretched_pulse_holds_the_clock_high_and_powers_the_chip_down(rig):
    emu, sck, dout = rig
    _wait_low(dout)
    emu.stretch_pulse(pulse=3, us=80.0)
    t0 = time.perf_counter_ns()
    _clock(sck, dout, 3)
    assert time.perf_counter_ns() - t0 >= 80_000 * emu.pulse_scale
    assert emu.power_downs >= 1
    assert emu.shifts[-1].powered_down


def test_a_load_step_shows_in_the_conversions_after_it():
    factory = MockFactory()
    emu = HX711Emulator(5, 6, pin_factory=factory, counts=1000)
    sck, dout = factory.pin(6), factory.pin(5)
    sck.function = "output"
    sck.state = False
    time.sleep(0.075)  # settled
    step = time.monotonic() + 0.5  # (room for a retried read on a busy machine)
    emu.step_at(step, 5000)
    before = int("".join(map(str, _read(emu, sck, dout, 25)[:24])), 2)
    time.sleep(max(0.0, step - time.monotonic()) + 0.03)
    after = int("".join(map(str, _read(emu, sck, dout, 25)[:24])), 2)
    assert (before, after) == (1000, 6000)
