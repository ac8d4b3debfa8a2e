"""`station check`: the hardware self-test, one row per part, exit 1 when any part fails.

Run it on the Pi as the station's user with the service stopped (the service holds the
camera and the screen):
    sudo systemctl stop station
    sudo -u station /opt/station/venv/bin/station check --config /etc/station/station.toml

The checks are `station.appliance.selftest`.
"""

from __future__ import annotations

import argparse

from station.appliance.selftest import PARTS, format_table, run_checks, summary
from station.config import Config
from station.errors import InputError

_NAMES = {p.replace(" ", "-"): p for p in PARTS}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--only", metavar="PARTS", default=None,
                        help=f"comma-separated parts to check ({', '.join(_NAMES)}; "
                             "default all)")


def parse_parts(text: str | None) -> tuple[str, ...]:
    if text is None:
        return PARTS
    wanted = [w.strip() for w in text.split(",") if w.strip()]
    unknown = [w for w in wanted if w not in _NAMES]
    if unknown or not wanted:
        raise InputError(f"--only {text!r}: choose from {', '.join(_NAMES)}")
    return tuple(_NAMES[w] for w in wanted)


def run(args: argparse.Namespace, config: Config) -> int:
    results = run_checks(config, parse_parts(args.only))
    print(format_table(results))
    print(summary(results))
    return 1 if any(r.status.failed for r in results) else 0
