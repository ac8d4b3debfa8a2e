"""The HX711 driver against the pin-level emulator: bits, gains, settling, power, every fault."""

from __future__ import annotations

import time

import pytest
from gpiozero.exc import GPIOPinInUse
from gpiozero.pins.mock import MockFactory

from station.config import HX711Config
from station.errors import ConfigError
from station.sim.hx711_emulator import HX711Emulator
from station.tension.hx711 import HX711, ReadStatus, check_hx711_config, decode, measure


@pytest.fixture
def factory():
    return MockFactory()


def _pair(factory, gain: int = 128, counts: float = 0, **kw):
    """An emulated chip and the driver on its pins, its pulse limits scaled to the emulator."""
    emu = HX711Emulator(5, 6, pin_factory=factory, counts=counts, **kw)
    hx = HX711(5, 6, gain=gain, pulse_scale=emu.pulse_scale, pin_factory=factory)
    return emu, hx


def _good(hx, within: float = 20.0):
    """The next reading that was not discarded for a long pulse (a busy machine makes some,
    and in bursts; where it does not, this is the first reading)."""
    end = time.monotonic() + within
    while time.monotonic() < end:
        r = hx.read(timeout=1.0)
        if r.status is not ReadStatus.LONG_PULSE and r.status is not ReadStatus.LATE:
            return r
    raise AssertionError(f"every reading for {within:g} s had a long pulse")


@pytest.mark.parametrize(("word", "status", "counts"), [
    (0x000000, ReadStatus.OK, 0),
    (0x000001, ReadStatus.OK, 1),
    (0x7FFFFE, ReadStatus.OK, 8388606),
    (0x800001, ReadStatus.OK, -8388607),
    (0xFFFFFE, ReadStatus.OK, -2),
    (0x7FFFFF, ReadStatus.SATURATED, 8388607),
    (0x800000, ReadStatus.SATURATED, -8388608),
    (0xFFFFFF, ReadStatus.ALL_ONES, None),
])
def test_decode_twos_complement_and_impossible_words(word, status, counts):
    assert decode(word) == (status, counts)


def test_decode_all_zeros_with_dout_still_low_is_a_stuck_line():
    assert decode(0, dout_high_after=False) == (ReadStatus.STUCK_LOW, None)
    assert decode(5, dout_high_after=False) == (ReadStatus.OK, 5)  # the next conversion


def test_every_bit_position_reads_back_exactly(factory):
    emu, hx = _pair(factory)

    def after_change(value: int) -> int | None:
        emu.counts = value
        # A conversion finished before the change may be waiting, as on a real chip (a slow
        # read's last look at DOUT can find it): the reading after it is the new input's.
        _good(hx)
        return _good(hx).counts

    with hx:
        for k in range(23):
            assert after_change(1 << k) == 1 << k
            assert after_change(-(1 << k) - 1) == -(1 << k) - 1  # all ones but bit k


@pytest.mark.parametrize("value", [0, 123456, -123456, 0x555555, 0x2AAAAA, 8388606, -8388607])
def test_values_read_back_with_25_pulses(factory, value):
    emu, hx = _pair(factory, counts=value)
    with hx:
        r = _good(hx)
    assert r.status is ReadStatus.OK
    assert r.counts == value
    assert r.word == value & 0xFFFFFF
    assert emu.shifts[-1].pulses == 25
    assert 0 < r.longest_pulse_ns < 50_000 * emu.pulse_scale  # none over the (scaled) limit


@pytest.mark.parametrize(("gain", "pulses", "expected"), [(128, 25, 40000), (64, 27, 20000),
                                                          (32, 26, -777)])
def test_gain_is_set_by_the_extra_pulses(factory, gain, pulses, expected):
    emu, hx = _pair(factory, gain=gain, counts=40000, channel_b_counts=-777)
    with hx:
        r = _good(hx)
        assert r.counts == expected
        assert emu.gain == gain
        whole = [s for s in list(emu.shifts)[-3:] if not s.powered_down]  # not cut short
        assert {s.pulses for s in whole} == {pulses}


def test_first_reading_after_power_up_is_settled(factory):
    # Conversions during the 50 ms of settling read low (see the emulator tests); the driver
    # waits them out and discards the one that may predate the deadline.
    emu, hx = _pair(factory, counts=500000)
    with hx:
        assert _good(hx).counts == 500000
        hx.power_down()
        assert not emu.powered
        hx.power_up()
        assert _good(hx).counts == 500000


def test_power_up_reapplies_the_gain_the_reset_lost(factory):
    emu, hx = _pair(factory, gain=64, counts=40000)
    with hx:
        assert _good(hx).counts == 20000
        hx.power_down()
        hx.power_up()
        assert emu.gain == 128  # the reset
        assert _good(hx).counts == 20000
        assert emu.gain == 64


def test_long_pulse_discards_the_reading_and_recovers(factory):
    emu, hx = _pair(factory, gain=64, counts=40000)
    with hx:
        _good(hx)
        downs = emu.power_downs
        emu.stretch_pulse(pulse=12, us=80.0)
        r = hx.read(timeout=1.0)
        assert r.status is ReadStatus.LONG_PULSE
        assert r.counts is None
        assert r.longest_pulse_ns > 80_000 * emu.pulse_scale
        assert emu.power_downs > downs  # the chip did power down mid-read
        assert _good(hx).counts == 20000  # back, at its gain
        assert emu.gain == 64
        assert hx.long_pulses >= 1


def test_pulse_over_the_limit_but_under_power_down_is_still_discarded(factory):
    emu = HX711Emulator(5, 6, pin_factory=factory, counts=1000)
    with HX711(5, 6, max_pulse_us=40.0, pulse_scale=emu.pulse_scale, pin_factory=factory) as hx:
        _good(hx)
        downs = emu.power_downs
        emu.stretch_pulse(pulse=1, us=45.0)
        r = hx.read(timeout=1.0)
        assert r.status is ReadStatus.LONG_PULSE
        if r.longest_pulse_ns < emu.power_down_us * 1000:  # (a busy machine may stretch it)
            assert emu.power_downs == downs  # the chip stayed up: no power-cycle needed
            assert emu.shifts[-1].pulses == 25  # and the read was finished
        assert _good(hx).counts == 1000


def test_unplugged_chip_is_not_ready_within_the_timeout(factory):
    emu, hx = _pair(factory, counts=1000)
    with hx:
        emu.unplugged = True
        r = hx.read(timeout=0.2)
    assert r.status is ReadStatus.NOT_READY
    assert r.counts is None


def test_dout_stuck_low_reads_as_a_stuck_line(factory):
    emu, hx = _pair(factory, counts=1000)
    with hx:
        _good(hx)
        emu.dout_stuck_low = True
        assert _good(hx).status is ReadStatus.STUCK_LOW


@pytest.mark.parametrize(("stuck", "status", "counts"), [
    (0x7FFFFF, ReadStatus.SATURATED, 8388607),
    (0x800000, ReadStatus.SATURATED, -8388608),
    (0xFFFFFF, ReadStatus.ALL_ONES, None),
    (4242, ReadStatus.OK, 4242),
])
def test_stuck_and_impossible_values(factory, stuck, status, counts):
    emu, hx = _pair(factory, counts=1000)
    with hx:
        _good(hx)
        emu.stuck_value = stuck
        readings = [_good(hx) for _ in range(3)]
    assert {(r.status, r.counts) for r in readings} == {(status, counts)}


def test_overload_saturates(factory):
    emu, hx = _pair(factory, counts=1000)
    with hx:
        emu.counts = 20_000_000
        assert _good(hx).status is ReadStatus.SATURATED


def test_spikes_come_through_raw(factory):
    emu, hx = _pair(factory, counts=1000)
    emu.spike_every = 2
    emu.spike_counts = 300000
    with hx:
        values = {_good(hx).counts for _ in range(6)}
    assert values == {1000, 301000}


def test_readings_are_fresh_conversions(factory):
    emu, hx = _pair(factory, counts=1000, noise_counts=50.0)
    with hx:
        readings = [_good(hx) for _ in range(8)]
    assert len({r.counts for r in readings}) == 8
    assert all(b.t > a.t for a, b in zip(readings, readings[1:], strict=False))


def test_ten_samples_per_second_with_rate_pin_low(factory):
    emu = HX711Emulator(5, 6, pin_factory=factory, rate_sps=10, counts=-5000)
    with HX711(5, 6, rate_sps=10, pulse_scale=emu.pulse_scale, pin_factory=factory) as hx:
        assert hx.settling_s == 0.4
        before = emu.conversions
        assert _good(hx).counts == -5000
        assert emu.conversions - before >= 4  # 400 ms of settling at 100 ms a conversion


def test_pins_are_reserved_and_released(factory):
    _, hx = _pair(factory)
    with pytest.raises(GPIOPinInUse):
        HX711(5, 6, pin_factory=factory)
    hx.close()
    assert hx.closed
    HX711(5, 6, pin_factory=factory).close()


@pytest.mark.parametrize(("changes", "key"), [({"gain": 100}, "gain"),
                                               ({"rate_sps": 40}, "rate_sps"),
                                               ({"pd_sck_pin": 5}, "pd_sck_pin")])
def test_config_the_chip_cannot_do_names_the_key(changes, key):
    with pytest.raises(ConfigError, match=key):
        check_hx711_config(HX711Config(**changes))


def test_measure_counts_every_outcome_and_the_chips_rate(factory):
    emu, hx = _pair(factory, counts=2000, noise_counts=40.0)
    emu.spike_every = 5
    emu.stuck_value = None
    with hx:
        got = measure(hx, 0.3, min_readings=20)
    assert len(got.counts) >= 20
    assert got.outcomes.get("ok", 0) == len(got.counts)
    # The spikes are in the raw readings: every one the chip sent, but for those that fell
    # on a read the driver dropped (a long pulse on a busy machine).
    sent = emu.words_read // emu.spike_every
    dropped = sum(n for outcome, n in got.outcomes.items() if outcome != "ok")
    seen = sum(c > 100_000 for c in got.counts)
    assert sent >= 4 and seen >= max(1, sent - dropped)
    assert got.median == pytest.approx(2000, abs=60)
    assert got.reads_per_s <= 85  # never more than the chip converts (80 a second)


def test_measure_on_an_unplugged_chip_has_no_readings(factory):
    emu, hx = _pair(factory)
    emu.unplugged = True
    with hx:
        got = measure(hx, 0.3, min_readings=5, patience=0.3, timeout=0.1)
    assert got.counts == ()
    assert got.outcomes["not_ready"] >= 3
    assert got.reads_per_s == 0.0


def test_value_is_a_fresh_valid_reading_or_none(factory):
    emu, hx = _pair(factory, counts=31337)
    with hx:
        assert hx.value in (31337, None)  # None only if a busy machine stretched a pulse
        emu.counts = 20_000_000  # saturates
        assert hx.value is None


@pytest.mark.parametrize("gain", [128, 64])
def test_read_stalled_past_the_next_conversion_is_discarded_and_the_gain_kept(factory, gain):
    emu, hx = _pair(factory, gain=gain, counts=40000)
    expected = 40000 * gain // 128
    with hx:
        assert _good(hx).counts == expected
        for _ in range(20):  # (again if a busy machine stretched a pulse of that read)
            emu._stall.clear()
            _good(hx)  # settled, nothing pending
            emu.stall_after_pulse(24, ms=14.0)  # the next conversion comes before pulse 25
            r = hx.read(timeout=1.0)
            if r.status is not ReadStatus.LONG_PULSE:
                break
        assert r.status is ReadStatus.LATE
        assert _good(hx).counts == expected
        assert emu.gain == gain
