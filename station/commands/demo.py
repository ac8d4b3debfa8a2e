"""`station demo`: the station on the built-in simulated athlete.

`--headless` coaches a simulated set without a window and prints each rep, its verdict and
each buzz, beside what the simulated athlete really did. Without it the kiosk opens (a window
where there is a desktop, full screen on a Pi's console) on one simulated athlete after
another. `--headless --screenshots DIR` walks the kiosk through every screen on simulated
time and writes a PNG of each.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from station.config import Config
from station.errors import InputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--headless", action="store_true", help="no window: print the reps")
    parser.add_argument("--reps", type=int, default=10, help="reps in the set (default 10)")
    parser.add_argument("--seed", type=int, default=1, help="which simulated athlete (default 1)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--save", metavar="DIR",
                        help="also write the set as pose.npz, tension.csv and truth.json")
    parser.add_argument("--screenshots", metavar="DIR",
                        help="with --headless: tour every kiosk screen, a PNG of each in DIR")
    parser.add_argument("--log", action="store_true",
                        help="with the kiosk: log the sets to [store] path as the station "
                             "does, so `station web` shows the demo live")
    parser.add_argument("--size", metavar="WxH", type=_size, default=None,
                        help="kiosk size in pixels, windowed (default: [kiosk] in the config)")


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give WIDTHxHEIGHT, e.g. 800x480") from None
    if not (320 <= w <= 3840 and 240 <= h <= 2160):
        raise argparse.ArgumentTypeError(f"{text!r}: 320x240 to 3840x2160")
    return w, h


MAX_SEED = 2**32 - 1


def run(args: argparse.Namespace, config: Config) -> int:
    if not 1 <= args.reps <= 1000:
        raise InputError(f"--reps {args.reps}: choose 1 to 1000")
    if not 0 <= args.seed <= MAX_SEED:
        raise InputError(f"--seed {args.seed}: choose 0 to {MAX_SEED}")
    if args.screenshots and not args.headless:
        raise InputError("--screenshots needs --headless")
    if args.screenshots:
        from station.demo.tour import check_tour_folder

        check_tour_folder(config, Path(args.screenshots))
        from station.demo.tour import run_tour

        for path in run_tour(config, Path(args.screenshots), seed=args.seed, size=args.size):
            print(path)
        return 0
    if not args.headless:
        from station.demo.live import run_live_demo

        return run_live_demo(config, seed=args.seed, reps=args.reps, size=args.size,
                             log=args.log)
    from station.demo.headless import coach_simulated_set

    demo = coach_simulated_set(config, args.seed, args.reps,
                               save=Path(args.save) if args.save else None)
    print(demo.to_json() if args.json else demo.to_text())
    return 0
