"""Stand-ins for the load cell: the pin-level HX711 emulator with a load on it.

`SimulatedLoad` is a fixed load with faults to inject, opened by the tension sensor's reader
process in place of the chip (`TensionSensor(..., simulate=SimulatedLoad(...))`).
`SimulatedRig` is the load cell of `station calibrate --simulate`: slack at first, a known
mass hanging from it when the calibration asks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gpiozero.pins.mock import MockFactory

from station.config import HX711Config
from station.sim.hx711_emulator import HX711Emulator
from station.tension.calibration import STANDARD_GRAVITY
from station.tension.hx711 import HX711


def _emulator(hx711: HX711Config, **kwargs) -> HX711Emulator:
    """An emulated chip on a fresh MockFactory, on the pins and at the rate `hx711` names."""
    return HX711Emulator(hx711.dout_pin, hx711.pd_sck_pin, pin_factory=MockFactory(),
                         rate_sps=hx711.rate_sps, **kwargs)


@dataclass(frozen=True)
class SimulatedLoad:
    """A pin-level emulated HX711 (hx711_emulator) in place of the chip, with this input.

    Picklable: it crosses to the reader process, which calls `open`.
    """

    counts: float = 0.0
    noise_counts: float = 0.0
    unplugged: bool = False
    spike_every: int = 0
    stuck_value: int | None = None
    long_pulses: int = 0  # the first reads that get a pulse held too long
    steps: tuple[tuple[float, float], ...] = ()  # (monotonic s, counts added from then on)
    seed: int = 0

    def open(self, hx711: HX711Config) -> HX711:
        """The driver on the emulated chip, wired as `hx711` says."""
        emulator = _emulator(hx711, counts=self.counts, noise_counts=self.noise_counts,
                             seed=self.seed)
        emulator.unplugged = self.unplugged
        emulator.spike_every = self.spike_every
        emulator.stuck_value = self.stuck_value
        if self.long_pulses:
            emulator.stretch_pulse(pulse=12, us=80.0, reads=self.long_pulses)
        for t, delta in self.steps:
            emulator.step_at(t, delta)
        return emulator.driver(hx711)


@dataclass
class SimulatedRig:
    """The emulated chip behind a 50 kg load cell: slack at first, loaded when asked.

    2 mV/V at gain 128 gives about 7000 counts per newton; the offset is what an unloaded
    cell typically reads; the noise is the HX711's at 80 SPS. `unplugged` leaves the chip
    unanswering (what the calibration does with no chip).
    """

    offset_counts: float = 84_211.0
    counts_per_newton: float = 7_034.0
    noise_counts: float = 60.0
    unplugged: bool = False
    emulator: HX711Emulator | None = field(default=None, init=False, repr=False,
                                           compare=False)

    def open(self, hx711: HX711Config) -> HX711:
        """The driver on a fresh emulated chip behind this rig, wired as `hx711` says."""
        emulator = _emulator(hx711)
        self.attach(emulator)
        emulator.unplugged = self.unplugged
        return emulator.driver(hx711)

    def attach(self, emulator: HX711Emulator) -> None:
        """Put this rig's load cell behind `emulator`, slack."""
        self.emulator = emulator
        emulator.noise_counts = self.noise_counts
        self.slack()

    def slack(self) -> None:
        self.emulator.counts = self.offset_counts

    def hang(self, mass_kg: float) -> None:
        self.emulator.counts = (self.offset_counts
                                + mass_kg * STANDARD_GRAVITY * self.counts_per_newton)
