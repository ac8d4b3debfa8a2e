"""The guided calibration of the load cell: tare, scale with a known mass, save.

Three steps: read the chip with the band slack (the tare), read it with a known mass hanging
from the load cell (the scale), show the result with its noise and save it on confirmation
(atomically, to the [tension] calibration_file). A `Rig` stands in for the chip and for the
person at the load cell: it opens an emulated chip and hangs the mass when asked
(`station.sim.load_cell.SimulatedRig`, wired in by `station calibrate --simulate`).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Protocol

from station.config import Config, HX711Config
from station.errors import InputError
from station.hardware.gpio import open_gpio
from station.tension.calibration import (
    STANDARD_GRAVITY,
    Calibration,
    from_readings,
    save_calibration,
)
from station.tension.hx711 import HX711, HX711Error, ReadStatus, measure, read_timeout
from station.tension.reader import raise_priority

NO_CHIP_TIMEOUT_S = 2.0
_GONE = (ReadStatus.NOT_READY, ReadStatus.ALL_ONES, ReadStatus.STUCK_LOW)


class Rig(Protocol):
    """A stand-in for the chip and the load on it: opens the chip, moves the load."""

    def open(self, hx711: HX711Config) -> HX711:
        """The driver on the stand-in chip, wired as `hx711` says."""
        ...

    def slack(self) -> None:
        """Nothing pulls on the load cell."""
        ...

    def hang(self, mass_kg: float) -> None:
        """`mass_kg` hangs from the load cell."""
        ...


def calibrate(config: Config, *, rig: Rig | None = None, seconds: float = 2.0,
              mass_kg: float | None = None) -> int:
    """Open the chip (on the Pi's pins, or the rig's) and run the guided steps on it.

    Returns 0 when a calibration was saved, 1 when none was; raises HX711Error when the chip
    cannot be opened or stops answering, with the one line to show.
    """
    if rig is None:
        # Like the tension sensor's reader: fewer clock pulses preempted, fewer discarded.
        raise_priority(config.tension.realtime_priority)
        hx, why = open_gpio(lambda: HX711.from_config(config.hx711))
        if hx is None:
            raise HX711Error(f"cannot open the HX711 on GPIO{config.hx711.dout_pin}/"
                             f"GPIO{config.hx711.pd_sck_pin} ({why}); without a Pi, try "
                             "--simulate")
    else:
        hx = rig.open(config.hx711)
    with hx:
        return CalibrationFlow(hx, config, rig=rig, seconds=seconds, mass_kg=mass_kg).run()


class CalibrationFlow:
    """The guided steps, reading answers with `ask` (input) and writing with `say` (print)."""

    def __init__(self, hx: HX711, config: Config, *, rig: Rig | None = None,
                 seconds: float = 2.0, mass_kg: float | None = None,
                 ask: Callable[[str], str] = input, say: Callable[[str], None] = print) -> None:
        self.hx = hx
        self.config = config
        self.rig = rig
        self.seconds = seconds
        self.mass_kg = mass_kg
        self.ask = ask
        self.say = say
        self.path = config.resolve(config.tension.calibration_file)

    def run(self) -> int:
        hw = self.config.hx711
        say = self.say
        say(f"Load cell calibration: HX711 on DOUT GPIO{hw.dout_pin}, PD_SCK GPIO{hw.pd_sck_pin}"
            f", gain {hw.gain}, {hw.rate_sps} SPS" + (" (simulated)" if self.rig else ""))
        self._first_contact()
        try:
            say("\nStep 1 of 3: let the band go slack (nothing pulling on the load cell).")
            self.ask("Press Enter when it is slack. ")
            if self.rig:
                self.rig.slack()
            slack = self._collect("band slack")
            say("\nStep 2 of 3: hang a known mass from the load cell (or pull it to a known "
                "force).")
            mass = self.mass_kg if self.mass_kg is not None else self._ask_mass()
            self.ask(f"Press Enter when the {mass:g} kg hangs still. ")
            if self.rig:
                self.rig.hang(mass)
            loaded = self._collect(f"{mass:g} kg")
            calibration = self._compute(slack, loaded, mass)
            self._show(calibration, slack, loaded, mass)
            answer = self.ask(f"\nStep 3 of 3: save this calibration to {self.path}? [Y/n] ")
        except EOFError:
            say("\nInput ended: nothing saved.")
            return 1
        if answer.strip().lower() not in ("", "y", "yes"):
            say("Not saved; the old calibration (if any) stays.")
            return 1
        save_calibration(self.path, calibration)
        say(f"Saved to {self.path}.")
        return 0

    def _first_contact(self) -> None:
        reading = self.hx.read(timeout=NO_CHIP_TIMEOUT_S)
        if reading.status in _GONE:
            hw = self.config.hx711
            raise HX711Error(
                f"no HX711 answered on DOUT GPIO{hw.dout_pin} / PD_SCK GPIO{hw.pd_sck_pin} "
                f"within {NO_CHIP_TIMEOUT_S:g} s ({reading.status.value}): check its power "
                "(VCC, GND), the two data wires, and [hx711] dout_pin / pd_sck_pin")

    def _ask_mass(self) -> float:
        default = self.config.tension.calibration_mass_kg
        for _ in range(3):
            text = self.ask(f"Known mass in kg [{default:g}]: ").strip()
            if not text:
                return default
            try:
                mass = float(text)
            except ValueError:
                self.say(f"  {text!r} is not a number of kilograms.")
                continue
            if 0 < mass <= 200:
                return mass
            self.say(f"  {mass:g} kg is out of range (over 0 up to 200 kg).")
        raise InputError("calibrate: no valid known mass given (a number of kg, 0 to 200)")

    def _collect(self, what: str) -> list[int]:
        """Readings for `seconds`; fails on a chip that vanishes or saturates."""
        hx = self.hx
        got = measure(hx, self.seconds, min_readings=8, timeout=read_timeout(hx))
        outcomes = got.outcomes
        if hx.rate_sps == 80 and 0 < got.reads_per_s < 20:
            self.say("  The chip converts about 10 times a second: its RATE pin is tied low. "
                     "Set [hx711] rate_sps = 10, or wire RATE high for 80 (see the README).")
        if outcomes.get(ReadStatus.SATURATED.value):
            raise HX711Error(f"the load cell saturates the ADC with {what}: use a lighter "
                             "mass, or a lower [hx711] gain")
        gone = {s.value: outcomes[s.value] for s in _GONE if outcomes.get(s.value)}
        if gone:
            raise HX711Error(f"the HX711 stopped answering ({', '.join(gone)}) while "
                             f"reading {what}: check its wiring")
        rejected = sum(outcomes.values()) - len(got.counts)
        if len(got.counts) < 8:
            raise HX711Error(f"most readings were discarded ({outcomes}): the clock pulses "
                             "run too long on this machine")
        extra = f", {rejected} discarded" if rejected else ""
        self.say(f"  {len(got.counts)} readings with {what} at {got.reads_per_s:.0f}/s: "
                 f"median {got.median:.0f} counts{extra}")
        return list(got.counts)

    def _compute(self, slack: list[int], loaded: list[int], mass: float) -> Calibration:
        noise = statistics.pstdev(slack)
        delta = statistics.median(loaded) - statistics.median(slack)
        if abs(delta) < max(100.0, 20.0 * noise):
            raise HX711Error(f"the reading moved only {delta:.0f} counts with the mass (noise "
                             f"{noise:.0f} counts): is the mass hanging from the load cell?")
        hw = self.config.hx711
        return from_readings(statistics.median(slack), statistics.median(loaded), mass,
                             gain=hw.gain, rate_sps=hw.rate_sps, noise_counts=noise)

    def _show(self, cal: Calibration, slack: list[int], loaded: list[int], mass: float) -> None:
        spread = abs((max(loaded) - min(loaded)) * cal.newtons_per_count)
        self.say("\nResult")
        self.say(f"  tare (band slack)  {cal.offset_counts:.0f} counts")
        self.say(f"  scale              {1 / cal.newtons_per_count:.1f} counts per newton"
                 + ("  (load cell wired in reverse: handled)" if cal.newtons_per_count < 0
                    else ""))
        self.say(f"  known mass         {mass:g} kg = {mass * STANDARD_GRAVITY:.2f} N "
                 f"(readings with it span {spread:.2f} N)")
        self.say(f"  noise              {cal.noise_n:.3f} N rms per reading at "
                 f"{cal.rate_sps} SPS (what the coach reads the band against)")
