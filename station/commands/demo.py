"""`station demo`: the station on the built-in simulated athlete.

`--headless` coaches a simulated set without a window and prints each rep, its verdict and
each buzz, beside what the simulated athlete really did. Without it the kiosk opens (a window
where there is a desktop, full screen on a Pi's console) on one simulated athlete after
another. `--headless --screenshots DIR` walks the kiosk through every screen on simulated
time and writes a PNG of each. An option the chosen way ignores (`--log` with `--headless`,
`--json` or `--reps` with the tour) is refused with one line, not dropped unsaid.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from station.config import Config
from station.errors import InputError

DEFAULT_REPS = 10

# The three ways the demo runs, as an error names them.
_MODES = {"kiosk": "the kiosk (no --headless)", "headless": "--headless",
          "tour": "the tour (--headless --screenshots)"}
# Each option that only some of them take: the modes it applies to.
_APPLIES = {"--reps": ("kiosk", "headless"), "--json": ("headless",),
            "--save": ("headless",), "--log": ("kiosk",), "--size": ("kiosk", "tour")}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--headless", action="store_true", help="no window: print the reps")
    parser.add_argument("--reps", type=int, default=None,
                        help=f"reps in a set (default {DEFAULT_REPS}; not with --screenshots)")
    parser.add_argument("--seed", type=int, default=1, help="which simulated athlete (default 1)")
    parser.add_argument("--json", action="store_true",
                        help="with --headless (no --screenshots): print the report as JSON")
    parser.add_argument("--save", metavar="DIR",
                        help="with --headless (no --screenshots): also write the set as "
                             "pose.npz, tension.csv and truth.json")
    parser.add_argument("--screenshots", metavar="DIR",
                        help="with --headless: tour every kiosk screen, a PNG of each in DIR "
                             "(and the tour's sets in DIR/sessions.sqlite3)")
    parser.add_argument("--log", action="store_true",
                        help="with the kiosk (no --headless): log the sets to [store] path as "
                             "the station does, so `station web` shows the demo live")
    parser.add_argument("--size", metavar="WxH", type=_size, default=None,
                        help="kiosk size in pixels, windowed, or the tour's screenshots' "
                             "(default: [kiosk] in the config)")


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give WIDTHxHEIGHT, e.g. 800x480") from None
    if not (320 <= w <= 3840 and 240 <= h <= 2160):
        raise argparse.ArgumentTypeError(f"{text!r}: 320x240 to 3840x2160")
    return w, h


MAX_SEED = 2**32 - 1


def mode_of(args: argparse.Namespace) -> str:
    """Which way the demo runs: "kiosk", "headless" or "tour"."""
    if args.screenshots and not args.headless:
        raise InputError("--screenshots needs --headless")
    return "tour" if args.screenshots else "headless" if args.headless else "kiosk"


def check_options(args: argparse.Namespace, mode: str) -> None:
    """InputError naming each option given that `mode` would ignore (and, for one, the ways
    it is for)."""
    given = {"--reps": args.reps is not None, "--json": args.json,
             "--save": args.save is not None, "--log": args.log, "--size": args.size is not None}
    ignored = [o for o, modes in _APPLIES.items() if given[o] and mode not in modes]
    if len(ignored) > 1:
        raise InputError(f"{', '.join(ignored)} do not apply to {_MODES[mode]} (see station "
                         "demo --help)")
    if ignored:
        uses = " or ".join(_MODES[m] for m in _APPLIES[ignored[0]])
        raise InputError(f"{ignored[0]} does not apply to {_MODES[mode]}: it is for {uses}")


def run(args: argparse.Namespace, config: Config) -> int:
    mode = mode_of(args)
    check_options(args, mode)
    reps = DEFAULT_REPS if args.reps is None else args.reps
    if not 1 <= reps <= 1000:
        raise InputError(f"--reps {reps}: choose 1 to 1000")
    if not 0 <= args.seed <= MAX_SEED:
        raise InputError(f"--seed {args.seed}: choose 0 to {MAX_SEED}")
    if mode == "tour":
        from station.demo.tour import check_tour_folder

        check_tour_folder(config, Path(args.screenshots))
        from station.demo.tour import run_tour

        for path in run_tour(config, Path(args.screenshots), seed=args.seed, size=args.size):
            print(path)
        return 0
    if mode == "kiosk":
        from station.demo.live import run_live_demo

        return run_live_demo(config, seed=args.seed, reps=reps, size=args.size, log=args.log)
    from station.demo.headless import coach_simulated_set

    demo = coach_simulated_set(config, args.seed, reps,
                               save=Path(args.save) if args.save else None)
    print(demo.to_json() if args.json else demo.to_text())
    return 0
