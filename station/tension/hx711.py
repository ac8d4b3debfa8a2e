"""The HX711 24-bit load-cell ADC, bit-banged over two GPIO pins through gpiozero.

The chip has no bus: it pulls DOUT low when a conversion is ready, and the host clocks the
24 data bits out, MSB first, with high pulses on PD_SCK, then 1-3 more pulses that choose the
input and gain of the *next* conversion (25: channel A gain 128, 26: channel B gain 32,
27: channel A gain 64). Data are two's complement.

Keeping each PD_SCK high pulse short on Linux
--------------------------------------------
A PD_SCK high pulse longer than 60 us powers the chip down, and the datasheet allows at most
50 us. A user-space program on Linux cannot guarantee that: the scheduler, an interrupt, the
garbage collector or (in a threaded program) the GIL can stall it at any instruction.
So the driver (1) writes the rising and the falling edge back to back and reads DOUT only
after the falling edge, keeping the high time to two pin writes; (2) turns off the garbage
collector for the 25-27 pulses of a read; (3) times every pulse with `time.perf_counter_ns`
from before the rising write to after the falling write (an upper bound of the high time) and,
when any pulse ran over `max_pulse_us`, discards the reading; when one ran over 60 us, it also
power-cycles the chip into a known state (it may have powered down mid-read and reset to gain
128) and waits out the settling time. (`pulse_scale` stretches those limits for the emulated
chip on gpiozero's mock pins, whose every write costs Python tens of microseconds; a real chip
keeps 1.) The tension sensor reads the chip in a process of its own with raised scheduling
priority (`station.tension.reader`), so pulses rarely run long at all.

A stall with the clock low is harmless to the chip, but one long enough for the next
conversion to finish mid-read (the read took over 0.8 of a period, or DOUT fell again during
the gain pulses) may mix two conversions and hand the gain pulses to the new one: that
reading is discarded too (status LATE) and, when gain pulses were sent, the chip power-cycled.

Settling: after power-up, a reset, or a gain change the chip needs 50 ms (80 SPS) or 400 ms
(10 SPS) before its output is valid. The driver sleeps that long and then discards one more
reading, which may have been converted before the deadline.
"""

from __future__ import annotations

import contextlib
import gc
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from enum import Enum

from gpiozero import Device

from station.config import HX711Config
from station.errors import ConfigError, StationError

#: PD_SCK pulses per read for each gain (24 data bits plus 1-3 that select the next input).
GAIN_PULSES: dict[int, int] = {128: 25, 32: 26, 64: 27}
#: Output settling time in seconds after power-up, reset or a gain change, per data rate.
SETTLING_S: dict[int, float] = {10: 0.4, 80: 0.05}
#: A PD_SCK high pulse longer than this powers the chip down (datasheet), in microseconds.
POWER_DOWN_US = 60.0
_POWER_DOWN_NS = int(POWER_DOWN_US * 1000)
#: How long the driver holds PD_SCK high to power the chip down, in seconds (> 60 us).
POWER_DOWN_HOLD_S = 0.0002

SATURATED_HIGH = 0x7FFFFF
SATURATED_LOW = 0x800000
ALL_ONES = 0xFFFFFF


class HX711Error(StationError):
    """The HX711 did not answer, or answered with nothing a live chip could send."""


class ReadStatus(Enum):
    """What became of one attempt to read a conversion."""

    OK = "ok"
    NOT_READY = "not_ready"  # DOUT never went low in time: no chip, no power, or unplugged
    LONG_PULSE = "long_pulse"  # a PD_SCK pulse ran over the limit: the reading was discarded
    SATURATED = "saturated"  # 0x7FFFFF or 0x800000: the input is beyond the ADC's range
    ALL_ONES = "all_ones"  # 0xFFFFFF: DOUT floated high while clocking (chip unplugged)
    STUCK_LOW = "stuck_low"  # all zeros and DOUT still low after the pulses: not a live chip
    LATE = "late"  # the read was stalled past the next conversion: the data may be mixed


@dataclass(frozen=True, slots=True)
class Reading:
    """One read attempt: when DOUT went low (monotonic seconds), the counts, and its status.

    `counts` is the signed conversion (-8388608..8388607) for OK and SATURATED readings, else
    None. `word` is the raw 24-bit word as clocked out, `longest_pulse_ns` the longest PD_SCK
    high pulse the read took, as timed by the driver.
    """

    t: float
    counts: int | None
    status: ReadStatus
    word: int | None = None
    longest_pulse_ns: int = 0

    @property
    def ok(self) -> bool:
        return self.status is ReadStatus.OK


def decode(word: int, dout_high_after: bool = True) -> tuple[ReadStatus, int | None]:
    """Classify a clocked-out 24-bit word and decode its two's complement value."""
    if word == ALL_ONES:
        return ReadStatus.ALL_ONES, None
    if word == 0 and not dout_high_after:  # (DOUT low after a real word: the next conversion)
        return ReadStatus.STUCK_LOW, None
    counts = word - (1 << 24) if word & 0x800000 else word
    if word in (SATURATED_HIGH, SATURATED_LOW):
        return ReadStatus.SATURATED, counts
    return ReadStatus.OK, counts


def check_hx711_config(cfg: HX711Config) -> None:
    """Raise ConfigError for settings the chip cannot do (config.py checks ranges only)."""
    if cfg.gain not in GAIN_PULSES:
        raise ConfigError(f"[hx711] gain = {cfg.gain} is not a gain the HX711 has "
                          "(choose 128, 64 or 32)")
    if cfg.rate_sps not in SETTLING_S:
        raise ConfigError(f"[hx711] rate_sps = {cfg.rate_sps} is not a rate the HX711 has "
                          "(choose 80 for RATE high or 10 for RATE low)")
    if cfg.dout_pin == cfg.pd_sck_pin:
        raise ConfigError(f"[hx711] dout_pin and pd_sck_pin are both GPIO{cfg.dout_pin}")


class HX711(Device):
    """An HX711 ADC on a DOUT input and a PD_SCK output pin from gpiozero's pin factory.

    `read()` waits for a conversion and returns a `Reading`; `value` is the counts of a fresh
    reading. The chip is power-cycled on open, so its gain and settling are known.

    :param dout_pin: GPIO of the chip's DOUT (data out, input here).
    :param pd_sck_pin: GPIO of the chip's PD_SCK (clock and power-down, output here).
    :param gain: 128 or 64 (channel A) or 32 (channel B).
    :param rate_sps: the data rate as wired: 80 (RATE high) or 10 (RATE low).
    :param max_pulse_us: readings with a longer PD_SCK high pulse are discarded.
    :param pulse_scale: how many times the datasheet's pulse times this chip runs on: 1 for a
        real HX711; an emulated one on mock pins says its own (`HX711Emulator.driver`).
    """

    def __init__(self, dout_pin: int, pd_sck_pin: int, *, gain: int = 128, rate_sps: int = 80,
                 max_pulse_us: float = 50.0, pulse_scale: float = 1.0,
                 pin_factory=None) -> None:
        self._dout = None
        self._sck = None
        super().__init__(pin_factory=pin_factory)
        if gain not in GAIN_PULSES:
            raise ValueError(f"gain must be 128, 64 or 32, not {gain}")
        if rate_sps not in SETTLING_S:
            raise ValueError(f"rate_sps must be 80 or 10, not {rate_sps}")
        if not 0 < max_pulse_us < POWER_DOWN_US:
            raise ValueError(f"max_pulse_us must be under {POWER_DOWN_US}, not {max_pulse_us}")
        if pulse_scale < 1:
            raise ValueError(f"pulse_scale must be 1 or more, not {pulse_scale}")
        self.pin_factory.reserve_pins(self, dout_pin, pd_sck_pin)
        self._gain = gain
        self._pulses = GAIN_PULSES[gain]
        self._rate_sps = rate_sps
        self._period_s = 1.0 / rate_sps
        self._poll_s = self._period_s / 25.0
        self._settling_s = SETTLING_S[rate_sps]
        self._max_pulse_ns = int(max_pulse_us * 1000 * pulse_scale)
        self._power_down_ns = int(_POWER_DOWN_NS * pulse_scale)
        self._power_down_hold_s = POWER_DOWN_HOLD_S * pulse_scale
        self._late_s = 0.8 / rate_sps  # a read stalled this long may span a conversion
        self._chip_gain = 128
        self._settled_at = 0.0
        self._discard_next = True
        self._last_ready = 0.0
        self._powered = False
        self.long_pulses = 0
        sck = self.pin_factory.pin(pd_sck_pin)
        sck.function = "output"
        self._sck = sck
        dout = self.pin_factory.pin(dout_pin)
        dout.function = "input"
        dout.pull = "up"  # an unplugged chip then reads as DOUT stuck high: never ready
        self._dout = dout
        self.power_down()
        self.power_up()

    @classmethod
    def from_config(cls, cfg: HX711Config, *, pulse_scale: float = 1.0,
                    pin_factory=None) -> HX711:
        """The HX711 as the [hx711] config section wires it."""
        check_hx711_config(cfg)
        return cls(cfg.dout_pin, cfg.pd_sck_pin, gain=cfg.gain, rate_sps=cfg.rate_sps,
                   max_pulse_us=cfg.max_pulse_us, pulse_scale=pulse_scale,
                   pin_factory=pin_factory)

    def close(self) -> None:
        sck = getattr(self, "_sck", None)
        dout = getattr(self, "_dout", None)
        super().close()
        if sck is not None:
            with contextlib.suppress(Exception):  # closing must never fail
                sck.state = True  # leave the chip powered down: it draws under 1 uA that way
        for pin in (dout, sck):
            if pin is not None:
                self.pin_factory.release_pins(self, pin.info.name)
                pin.close()
        self._dout = None
        self._sck = None

    @property
    def closed(self) -> bool:
        return getattr(self, "_sck", None) is None

    @property
    def gain(self) -> int:
        return self._gain

    @property
    def rate_sps(self) -> int:
        return self._rate_sps

    @property
    def settling_s(self) -> float:
        """Seconds the chip needs after power-up or a gain change at this data rate."""
        return self._settling_s

    @property
    def value(self) -> int | None:
        """The counts of a fresh reading (None unless it is valid: not ready, saturated ...)."""
        reading = self.read(timeout=max(1.0, 2 * self._settling_s + 4 * self._period_s))
        return reading.counts if reading.ok else None

    def power_down(self) -> None:
        """Hold PD_SCK high past 60 us: the chip stops converting and draws under 1 uA."""
        self._check_open()
        self._sck.state = True
        time.sleep(self._power_down_hold_s)
        self._powered = False

    def power_up(self) -> None:
        """Bring PD_SCK low: the chip resets to channel A gain 128 and starts settling."""
        self._check_open()
        self._sck.state = False
        self._powered = True
        self._chip_gain = 128
        self._start_settling()

    def _start_settling(self) -> None:
        self._settled_at = time.monotonic() + self._settling_s
        self._discard_next = True

    def read(self, timeout: float = 1.0) -> Reading:
        """Wait up to `timeout` seconds for a conversion and clock it out.

        Waits out any settling first and discards the reading that may predate its end.
        Returns a Reading whose status says whether it can be trusted.
        """
        self._check_open()
        if not self._powered:
            self.power_up()
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            if self._settled_at > now:
                if self._settled_at >= deadline:
                    time.sleep(max(0.0, deadline - now))
                    return Reading(time.monotonic(), None, ReadStatus.NOT_READY)
                time.sleep(self._settled_at - now)
            if not self._wait_ready(deadline):
                return Reading(time.monotonic(), None, ReadStatus.NOT_READY)
            t = time.monotonic()
            self._last_ready = t
            word, longest, dout_high = self._shift(self._pulses)
            took = time.monotonic() - t
            if longest > self._power_down_ns:
                # The chip may have powered down mid-read and reset (gain 128): restart it.
                self.long_pulses += 1
                self.power_down()
                self.power_up()
                return Reading(t, None, ReadStatus.LONG_PULSE, word, longest)
            if took > self._late_s or (self._pulses > 25 and not dout_high and word != 0):
                # Stalled so long that the next conversion may have come mid-read: the data
                # may be mixed, and the gain pulses may have gone to the new conversion.
                if self._pulses > 25:
                    self.power_down()
                    self.power_up()
                return Reading(t, None, ReadStatus.LATE, word, longest)
            if self._chip_gain != self._gain:
                # That conversion ran at the old gain; the pulses just sent change it.
                self._chip_gain = self._gain
                self._start_settling()
                continue
            if self._discard_next:
                self._discard_next = False
                continue
            if longest > self._max_pulse_ns:
                # Over the datasheet's limit, yet under 60 us: the chip stayed up and took
                # the whole read, but its data are not to be trusted.
                self.long_pulses += 1
                return Reading(t, None, ReadStatus.LONG_PULSE, word, longest)
            status, counts = decode(word, dout_high)
            return Reading(t, counts, status, word, longest)

    def _wait_ready(self, deadline: float) -> bool:
        """Poll DOUT until it goes low (data ready) or the deadline passes."""
        dout = self._dout
        now = time.monotonic()
        # Sleep through most of the conversion period instead of polling it.
        early = self._last_ready + self._period_s - 2 * self._poll_s - now
        if early > 0 and now + early < deadline:
            time.sleep(early)
        while dout.state:
            now = time.monotonic()
            if now >= deadline:
                return False
            time.sleep(min(self._poll_s, deadline - now))
        return True

    def _shift(self, pulses: int) -> tuple[int, int, bool]:
        """Clock out 24 bits MSB first plus the gain pulses.

        Returns the word, the longest high pulse in ns, and whether DOUT was high afterwards.
        Stops early on a pulse over 60 us (the chip may have powered down: the rest is
        garbage); a shorter long pulse leaves the chip up, so the read is finished.
        """
        sck = self._sck
        dout = self._dout
        clock = time.perf_counter_ns
        limit = self._power_down_ns
        word = 0
        longest = 0
        gc_enabled = gc.isenabled()
        gc.disable()
        try:
            for i in range(pulses):
                t0 = clock()
                sck.state = True
                sck.state = False
                high = clock() - t0
                if high > longest:
                    longest = high
                    if high > limit:
                        break
                if i < 24:
                    word = (word << 1) | dout.state
            dout_high = bool(dout.state)
        finally:
            if gc_enabled:
                gc.enable()
        return word, longest, dout_high


def read_timeout(hx: HX711) -> float:
    """How long one read may wait: settling, a discarded reading and a spare period.

    At least 0.5 s, so a chip wired for 10 SPS (RATE low) under an 80 SPS config still
    answers every read, slowly (even the one after a power-cycle, which waits for two
    conversions, 200 ms), instead of looking unplugged.
    """
    return max(0.5, hx.settling_s + 4.0 / hx.rate_sps)


@dataclass(frozen=True)
class Measurement:
    """What `measure` saw: the valid readings' counts and how every read ended."""

    counts: tuple[int, ...]
    outcomes: dict[str, int]  # read status value -> how many
    seconds: float

    @property
    def reads_per_s(self) -> float:
        """Reads the chip answered per second, rejected ones included: its real data rate."""
        answered = sum(n for status, n in self.outcomes.items()
                       if status != ReadStatus.NOT_READY.value)
        return answered / self.seconds if self.seconds > 0 else 0.0

    @property
    def median(self) -> float:
        return float(statistics.median(self.counts)) if self.counts else float("nan")

    @property
    def noise_counts(self) -> float:
        """Standard deviation of the valid readings (of a steady load: the noise)."""
        return statistics.pstdev(self.counts) if len(self.counts) > 1 else 0.0


def measure(hx: HX711, seconds: float, *, min_readings: int = 0, patience: float = 10.0,
            timeout: float | None = None) -> Measurement:
    """Read the chip for `seconds`, and on until `min_readings` valid readings (at most
    `patience` s more), keeping every valid reading's counts and every read's outcome."""
    if timeout is None:
        timeout = read_timeout(hx)
    counts: list[int] = []
    outcomes: Counter[str] = Counter()
    started = time.monotonic()
    limit = started + seconds + patience
    while True:
        now = time.monotonic()
        if now - started >= seconds and (len(counts) >= min_readings or now >= limit):
            break
        reading = hx.read(timeout)
        outcomes[reading.status.value] += 1
        if reading.ok:
            counts.append(reading.counts)
    return Measurement(tuple(counts), dict(outcomes), time.monotonic() - started)
