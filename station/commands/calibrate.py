"""`station calibrate`: tare and scale the load cell in a guided terminal flow.

Three steps: read the chip with the band slack (the tare), read it with a known mass hanging
from the load cell (the scale), show the result with its noise and save it on confirmation
(atomically, to the [tension] calibration_file). With `--simulate` the same flow runs against
the pin-level HX711 emulator, which hangs the mass when asked to.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass

from station.config import Config
from station.errors import InputError
from station.hardware.gpio import open_gpio
from station.tension.calibration import (
    STANDARD_GRAVITY,
    Calibration,
    from_readings,
    save_calibration,
)
from station.tension.hx711 import (
    HX711,
    HX711Error,
    ReadStatus,
    check_hx711_config,
    measure,
    read_timeout,
)
from station.tension.sensor import raise_priority

NO_CHIP_TIMEOUT_S = 2.0
_GONE = (ReadStatus.NOT_READY, ReadStatus.ALL_ONES, ReadStatus.STUCK_LOW)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--simulate", nargs="?", const="ok", choices=("ok", "unplugged"),
                        metavar="FAULT",
                        help="use the pin-level HX711 emulator instead of the chip "
                             "(FAULT 'unplugged' shows what happens with no chip)")
    parser.add_argument("--mass", type=float, default=None, metavar="KG",
                        help="the known mass in kg (default: ask, offering "
                             "[tension] calibration_mass_kg)")
    parser.add_argument("--seconds", type=float, default=2.0, metavar="S",
                        help="seconds of readings for each step (default 2)")


@dataclass
class SimulatedRig:
    """The emulated chip behind a 50 kg load cell: slack at first, loaded when asked.

    2 mV/V at gain 128 gives about 7000 counts per newton; the offset is what an unloaded
    cell typically reads; the noise is the HX711's at 80 SPS.
    """

    offset_counts: float = 84_211.0
    counts_per_newton: float = 7_034.0
    noise_counts: float = 60.0

    def attach(self, emulator) -> None:
        self.emulator = emulator
        emulator.noise_counts = self.noise_counts
        self.slack()

    def slack(self) -> None:
        self.emulator.counts = self.offset_counts

    def hang(self, mass_kg: float) -> None:
        self.emulator.counts = (self.offset_counts
                                + mass_kg * STANDARD_GRAVITY * self.counts_per_newton)


def run(args: argparse.Namespace, config: Config) -> int:
    check_hx711_config(config.hx711)
    if not 0.1 <= args.seconds <= 60:
        raise InputError(f"--seconds {args.seconds:g} is out of range (0.1 to 60)")
    if args.mass is not None and not 0 < args.mass <= 200:
        raise InputError(f"--mass {args.mass:g} is out of range (over 0 up to 200 kg)")
    rig = None
    if args.simulate is None:
        # Like the tension sensor's reader: fewer clock pulses preempted, fewer discarded.
        raise_priority(config.tension.realtime_priority)
        hx, why = open_gpio(lambda: HX711.from_config(config.hx711))
        if hx is None:
            print(f"station: error: cannot open the HX711 on GPIO{config.hx711.dout_pin}/"
                  f"GPIO{config.hx711.pd_sck_pin} ({why}); without a Pi, try --simulate",
                  file=sys.stderr)
            return 1
    else:
        hx, rig = _simulated(config, args.simulate)
    with hx:
        try:
            flow = CalibrationFlow(hx, config, rig=rig, seconds=args.seconds, mass_kg=args.mass)
            return flow.run()
        except HX711Error as exc:
            print(f"station: error: {exc}", file=sys.stderr)
            return 1


def _simulated(config: Config, fault: str) -> tuple[HX711, SimulatedRig]:
    from gpiozero.pins.mock import MockFactory

    from station.sim.hx711_emulator import HX711Emulator

    factory = MockFactory()
    emulator = HX711Emulator(config.hx711.dout_pin, config.hx711.pd_sck_pin,
                             pin_factory=factory, rate_sps=config.hx711.rate_sps)
    rig = SimulatedRig()
    rig.attach(emulator)
    emulator.unplugged = fault == "unplugged"
    return emulator.driver(config.hx711), rig


class CalibrationFlow:
    """The guided steps, reading answers with `ask` (input) and writing with `say` (print)."""

    def __init__(self, hx: HX711, config: Config, *, rig: SimulatedRig | None = None,
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
