"""A pin-level HX711 for tests and `--simulate`, living on gpiozero's MockFactory pins.

The emulator owns the two mock pins the driver later asks the factory for: the PD_SCK pin
reacts to every edge the driver writes, and the DOUT pin works out its level whenever it is
read, from the time on `time.perf_counter_ns` (no background thread). As the datasheet says:

- a conversion completes every 1/rate s (12.5 ms at 80 SPS, 100 ms at 10 SPS) and pulls DOUT
  low; an unread conversion is replaced by the next one;
- each PD_SCK rising edge shifts the next bit out on DOUT, MSB first; the 25th pulse pulls DOUT
  high; 25, 26 or 27 pulses select channel A gain 128, channel B gain 32, channel A gain 64
  for the following conversions;
- PD_SCK held high over 60 us powers the chip down (DOUT high); bringing it low again resets
  the chip to channel A gain 128;
- after power-up or a gain change the output needs 50 ms (80 SPS) or 400 ms (10 SPS) to
  settle: conversions before that read low, as the digital filter fills.

Faults to inject: `unplugged` (DOUT stuck high, clock ignored), `dout_stuck_low`,
`stuck_value` (every conversion the same word), `spike_every`/`spike_counts` (every Nth
conversion the host reads off by a large amount), `stretch_pulse()` (the next read's Nth pulse
held high too long, as when the driver's process is preempted mid-pulse) and
`stall_after_pulse()` (the clock held low so long after a pulse that the next conversion
finishes mid-read).

Pulse times run `pulse_scale` times slower than the datasheet's. On a Pi a pin write through
lgpio takes about a microsecond; on a MockFactory pin with this emulator behind it, it takes
tens of microseconds of Python (with a tail past 2 ms on a busy host), so a chip with the
datasheet's 60 us would judge the host's interpreter, not the driver. Everything
about pulse lengths is stretched by the same factor: the power-down threshold here, the
driver's limits (build it with `driver()`), and `stretch_pulse`. The conversion rate and the
settling times stay real.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, replace

import numpy as np
from gpiozero import Device
from gpiozero.exc import PinFixedPull, PinInvalidPull
from gpiozero.pins.mock import MockFactory, MockPin

from station.config import HX711Config
from station.tension.hx711 import GAIN_PULSES, HX711, POWER_DOWN_US, SETTLING_S

PULSE_GAIN: dict[int, int] = {pulses: gain for gain, pulses in GAIN_PULSES.items()}
MAX_COUNTS = 0x7FFFFF
MIN_COUNTS = -0x800000
_KEEP_PIN_STATES = 2000
#: How many times slower than the datasheet's the emulated chip's pulse times run (see above):
#: power-down past 3 ms, the driver's 50 us limit read as 2.5 ms. A read of 25-27 pulses still
#: takes a small part of the 12.5 ms between conversions.
MOCK_PULSE_SCALE = 50.0


@dataclass(frozen=True, slots=True)
class ShiftRecord:
    """One read as the emulated chip saw it: the word it shifted out and the pulses it got."""

    word: int
    pulses: int
    gain_after: int
    powered_down: bool = False


class _ClockPin(MockPin):
    """The PD_SCK mock pin: tells the emulator about every edge the driver writes."""

    def __init__(self, factory, info, emulator: HX711Emulator) -> None:
        self.emulator = emulator
        super().__init__(factory, info)

    def _set_state(self, value) -> None:
        super()._set_state(value)
        self.emulator._on_clock(bool(value))


class _DataPin(MockPin):
    """The DOUT mock pin: its level is the emulated chip's output, worked out when read."""

    def __init__(self, factory, info, emulator: HX711Emulator) -> None:
        self.emulator = emulator
        super().__init__(factory, info)

    def _get_state(self):
        self.emulator._stall_if_due()
        self.emulator._update()
        return self._state

    def _set_pull(self, value) -> None:
        # The chip drives DOUT, so the pull only matters when it is unplugged.
        if self.function != "input":
            raise PinFixedPull(f"cannot set pull on non-input pin {self!r}")
        if value not in ("floating", "up", "down"):
            raise PinInvalidPull("pull must be floating, up, or down")
        self._pull = value
        self.emulator._update()


class HX711Emulator:
    """An HX711 at the pin level on a MockFactory: the driver cannot tell it from a chip.

    :param dout_pin: GPIO the emulated DOUT is on.
    :param pd_sck_pin: GPIO the emulated PD_SCK is on.
    :param pin_factory: a MockFactory (default: `Device.pin_factory`, which must be one).
    :param rate_sps: 80 (RATE pin high) or 10 (RATE pin low).
    :param counts: the channel A input in counts at gain 128 (gain 64 gives half).
    :param channel_b_counts: the channel B input in counts at gain 32.
    :param noise_counts: standard deviation of Gaussian noise added to each conversion.
    :param seed: seed of the noise generator.
    :param pulse_scale: how many times the datasheet's pulse times this chip runs on.
    """

    def __init__(self, dout_pin: int = 5, pd_sck_pin: int = 6, *,
                 pin_factory: MockFactory | None = None, rate_sps: int = 80,
                 counts: float = 0.0, channel_b_counts: float = 0.0,
                 noise_counts: float = 0.0, seed: int = 0,
                 pulse_scale: float = MOCK_PULSE_SCALE) -> None:
        factory = pin_factory if pin_factory is not None else Device.pin_factory
        if not isinstance(factory, MockFactory):
            raise TypeError("HX711Emulator needs gpiozero's MockFactory as pin factory")
        if rate_sps not in SETTLING_S:
            raise ValueError(f"rate_sps must be 80 or 10, not {rate_sps}")
        self.counts = float(counts)
        self.channel_b_counts = float(channel_b_counts)
        self.noise_counts = float(noise_counts)
        self.rate_sps = rate_sps
        self.pulse_scale = float(pulse_scale)
        self._factory = factory
        self._pins = (dout_pin, pd_sck_pin)
        # Faults.
        self.unplugged = False
        self.dout_stuck_low = False
        self.stuck_value: int | None = None
        self.spike_every = 0
        self.spike_counts = 2_000_000
        self._stretch: list[tuple[int, int]] = []  # (pulse number, extra ns) for coming reads
        self._stall: list[tuple[int, float]] = []  # (pulse number, seconds low after it)
        self._steps: list[tuple[int, float]] = []  # (clock ns, counts added from then on)
        # Record of what happened, for tests.
        self.shifts: deque[ShiftRecord] = deque(maxlen=1000)
        self.conversions = 0
        self.words_read = 0  # conversions the host began to shift out
        self.power_downs = 0
        self.stray_pulses = 0
        self._rng = np.random.default_rng(seed)
        self._clock = time.perf_counter_ns
        self._period_ns = 1_000_000_000 // rate_sps
        self._settling_ns = int(SETTLING_S[rate_sps] * 1e9)
        self._power_down_ns = int(POWER_DOWN_US * 1000 * self.pulse_scale)
        self._high_since: int | None = None
        self._last_edge = 0
        self._reset(self._clock())
        self._sck = factory.pin(pd_sck_pin, pin_class=_ClockPin, emulator=self)
        self._dout = factory.pin(dout_pin, pin_class=_DataPin, emulator=self)
        for pin, cls in ((self._sck, _ClockPin), (self._dout, _DataPin)):
            if not isinstance(pin, cls) or pin.emulator is not self:
                raise ValueError(f"{pin!r} already exists in this factory: "
                                 "build the emulator before anything else uses its pins")

    def driver(self, cfg: HX711Config | None = None) -> HX711:
        """The real driver on this chip's pins, its pulse limits scaled to this chip.

        `cfg` gives the gain, rate and pulse limit (the pins are the emulator's); without it,
        the driver's defaults.
        """
        dout, sck = self._pins
        if cfg is None:
            return HX711(dout, sck, pulse_scale=self.pulse_scale, pin_factory=self._factory)
        return HX711.from_config(replace(cfg, dout_pin=dout, pd_sck_pin=sck),
                                 pulse_scale=self.pulse_scale, pin_factory=self._factory)

    @property
    def power_down_us(self) -> float:
        """How long PD_SCK must stay high to power this chip down, in microseconds."""
        return self._power_down_ns / 1000

    # -- state -----------------------------------------------------------------------------

    def _reset(self, now: int) -> None:
        """Power-on reset: channel A gain 128, settling from now, nothing to read yet."""
        self.gain = 128
        self._settle_start = now
        self._settled_at = now + self._settling_ns
        self._next_conversion = now + self._period_ns
        self._register: int | None = None  # a finished conversion waiting to be read
        self._word = 0
        self._pulses = 0  # pulses of the read in progress
        self._pending_gain = 128

    @property
    def powered(self) -> bool:
        """False while PD_SCK has been high for more than 60 us."""
        return not (self._high_since is not None
                    and self._clock() - self._high_since > self._power_down_ns)

    @property
    def settled(self) -> bool:
        return self._clock() >= self._settled_at

    def stretch_pulse(self, pulse: int = 12, us: float = 80.0, reads: int = 1) -> None:
        """Hold PD_SCK high `us` longer on pulse number `pulse` (1-27) of the next `reads`.

        `us` is in the datasheet's microseconds: 80 powers the chip down whatever its
        `pulse_scale` (it is held 80 x pulse_scale real microseconds).
        """
        self._stretch.extend([(pulse, int(us * 1000 * self.pulse_scale))] * reads)

    def stall_after_pulse(self, pulse: int = 24, ms: float = 14.0) -> None:
        """When the host next reads DOUT after pulse number `pulse`, stall `ms` first: the
        driver's process descheduled with the clock low. A conversion may finish mid-read."""
        self._stall.append((pulse, ms / 1000.0))

    def _stall_if_due(self) -> None:
        if self._stall and self._stall[0][0] == self._pulses and self._high_since is None:
            time.sleep(self._stall.pop(0)[1])

    def step_at(self, t: float, delta_counts: float) -> None:
        """From monotonic time `t` (s) on, the input is `delta_counts` higher: a load step
        whose arrival the tension sensor's latency can be measured against."""
        offset = self._clock() - time.monotonic_ns()
        self._steps.append((int(t * 1e9) + offset, float(delta_counts)))

    def _convert(self, t_ns: int) -> int:
        """One conversion finished at t_ns, as the 24-bit word the chip will shift out."""
        self.conversions += 1
        if self.stuck_value is not None:
            return self.stuck_value & 0xFFFFFF
        counts = self.counts + sum(d for t, d in self._steps if t_ns >= t)
        value = self.channel_b_counts if self.gain == 32 else counts * self.gain / 128
        if self.noise_counts:
            value += self._rng.normal(0.0, self.noise_counts)
        if t_ns < self._settled_at:  # the digital filter is still filling
            value *= max(0.0, (t_ns - self._settle_start) / self._settling_ns)
        counts = int(min(MAX_COUNTS, max(MIN_COUNTS, round(value))))
        return counts & 0xFFFFFF

    def _spiked(self, word: int) -> int:
        """The word about to be shifted out, with the spike if this read is every Nth.

        Counted over the words the host reads, not over conversions: a host that misses
        conversions (descheduled, or waiting out the settling after a power-cycle) must still
        see isolated spikes, else three in a median window of five would be the emulator's
        doing, not the chip's.
        """
        self.words_read += 1
        if not self.spike_every or self.stuck_value is not None \
                or self.words_read % self.spike_every:
            return word
        counts = word - (1 << 24) if word & 0x800000 else word
        counts = min(MAX_COUNTS, max(MIN_COUNTS, counts + self.spike_counts))
        return counts & 0xFFFFFF

    def _finish_shift(self, powered_down: bool = False) -> None:
        """The read in progress is over: its extra pulses set the gain for what follows."""
        if self._pulses == 0:
            return
        if self._pulses >= 25 and not powered_down and self._pending_gain != self.gain:
            self.gain = self._pending_gain
            self._settle_start = self._last_edge
            self._settled_at = self._last_edge + self._settling_ns
        self.shifts.append(ShiftRecord(self._word, self._pulses, self.gain, powered_down))
        self._pulses = 0
        for pin in (self._sck, self._dout):
            if len(pin.states) > _KEEP_PIN_STATES:
                pin.clear_states()

    def _update(self, now: int | None = None) -> None:
        """Bring DOUT up to date with the time."""
        if now is None:
            now = self._clock()
        if self.unplugged:
            self._drive(True)
            return
        if self.dout_stuck_low:
            self._drive(False)
            return
        if self._high_since is not None and now - self._high_since > self._power_down_ns:
            self._drive(True)  # powered down
            return
        if 0 < self._pulses < 25:
            return  # mid-read: DOUT holds the bit last shifted out
        if now >= self._next_conversion:
            self._finish_shift()
            missed = (now - self._next_conversion) // self._period_ns
            finished_at = self._next_conversion + missed * self._period_ns
            self.conversions += missed  # conversions nobody read were overwritten
            self._register = self._convert(finished_at)
            self._next_conversion = finished_at + self._period_ns
        self._drive(self._register is None or self._pulses > 0)

    def _drive(self, high: bool) -> None:
        dout = self._dout
        if dout._function != "input" or dout._state == high:
            return  # (cheap: this runs inside the driver's clock pulses)
        if high:
            dout.drive_high()
        else:
            dout.drive_low()

    def _on_clock(self, high: bool) -> None:
        now = self._clock()
        if high:
            self._on_rising(now)
        else:
            self._on_falling(now)

    def _on_rising(self, now: int) -> None:
        if self._pulses == 0:
            self._update(now)  # a read begins: is a conversion there to shift out?
        # Mid-read the chip only shifts: a conversion that came during the gain pulses is
        # worked out when DOUT is next read, outside the pulse (inside it, its bookkeeping
        # would stretch the pulse the driver times past 60 us on a slow machine).
        self._high_since = now
        self._last_edge = now
        if self.unplugged or self.dout_stuck_low:
            return
        if self._pulses >= 27:
            self._finish_shift()
        if self._pulses == 0:
            if self._register is None:
                self.stray_pulses += 1
                return
            self._word = self._spiked(self._register)
            self._register = None
        self._pulses += 1
        k = self._pulses
        if k <= 24:
            self._drive(bool((self._word >> (24 - k)) & 1))
        else:
            self._pending_gain = PULSE_GAIN[k]
            self._drive(True)
        if self._stretch and self._stretch[0][0] == k:
            _, extra = self._stretch.pop(0)
            end = self._clock() + extra
            while self._clock() < end:  # the driver's process, preempted mid-pulse
                pass

    def _on_falling(self, now: int) -> None:
        high_since, self._high_since = self._high_since, None
        self._last_edge = now
        if high_since is not None and now - high_since > self._power_down_ns:
            # It was powered down; PD_SCK low again means power-up and reset.
            self.power_downs += 1
            self._finish_shift(powered_down=True)
            self._reset(now)
            self._update(now)
