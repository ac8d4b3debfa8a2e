"""`station calibrate`: tare and scale the load cell in a guided terminal flow.

The steps live in `station.tension.calibrate`. With `--simulate` the same flow runs against
the pin-level HX711 emulator (`station.sim.load_cell.SimulatedRig`), which hangs the mass when
asked to.
"""

from __future__ import annotations

import argparse
import sys

from station.config import Config
from station.errors import InputError
from station.tension.calibrate import calibrate
from station.tension.hx711 import HX711Error, check_hx711_config


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


def run(args: argparse.Namespace, config: Config) -> int:
    check_hx711_config(config.hx711)
    if not 0.1 <= args.seconds <= 60:
        raise InputError(f"--seconds {args.seconds:g} is out of range (0.1 to 60)")
    if args.mass is not None and not 0 < args.mass <= 200:
        raise InputError(f"--mass {args.mass:g} is out of range (over 0 up to 200 kg)")
    rig = None
    if args.simulate is not None:
        from station.sim.load_cell import SimulatedRig

        rig = SimulatedRig(unplugged=args.simulate == "unplugged")
    try:
        return calibrate(config, rig=rig, seconds=args.seconds, mass_kg=args.mass)
    except HX711Error as exc:
        print(f"station: error: {exc}", file=sys.stderr)
        return 1
