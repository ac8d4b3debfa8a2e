"""`station fleet`: every station on the gym's broker, live, as a table (or `--json`).

It reads the retained state each station keeps on the broker (`[mqtt]` in the config names
the broker and the prefix): online or not, the athlete and the set's reps, and the health
of each part. A payload that cannot be read is one line on stderr; the rest of the table
still shows.
"""

from __future__ import annotations

import argparse
import json
import sys

from station.config import Config
from station.errors import InputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the table as JSON")
    parser.add_argument("--wait", type=float, default=3.0, metavar="SECONDS",
                        help="longest wait for the broker's answer (default 3)")


def run(args: argparse.Namespace, config: Config) -> int:
    from station.mqtt.connection import BrokerSettings
    from station.mqtt.fleet import format_table
    from station.mqtt.watch import read_fleet

    if config.mqtt is None:
        raise InputError(f"{config.source or 'the built-in settings'}: no [mqtt] section: "
                         "name the gym's broker there (docs/mqtt.md)")
    if not 0.1 <= args.wait <= 60:
        raise InputError(f"--wait {args.wait}: choose 0.1 to 60 seconds")
    fleet = read_fleet(BrokerSettings.from_config(config), wait_s=args.wait)
    for line in fleet.problems:
        print(f"station fleet: {line}", file=sys.stderr)
    if args.json:
        print(json.dumps([row.to_dict() for row in fleet.rows.values()], indent=2))
    else:
        print(format_table(fleet))
    return 0
