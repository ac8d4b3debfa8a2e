"""`station log [SET] [--athlete A] [--since WHEN] [--csv | --json]`: the session log's sets."""

from __future__ import annotations

import argparse

from station.config import Config
from station.errors import InputError
from station.logbook.report import log_report

MAX_LIMIT = 1_000_000  # the most sets a log holds ([store] max_sets at its highest)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("set", nargs="?", metavar="SET",
                        help="show this set and its reps (the first characters of its id)")
    parser.add_argument("--athlete", metavar="A",
                        help="only this athlete's sets (roster number, name or card id)")
    parser.add_argument("--since", metavar="WHEN",
                        help="only sets since a day: YYYY-MM-DD, 'today' or 7d")
    parser.add_argument("--limit", type=int, default=50, metavar="N",
                        help=f"list at most N sets, 1 to {MAX_LIMIT:,} (default 50; exports "
                             "hold all)")
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print JSON")
    fmt.add_argument("--csv", action="store_true", help="print CSV")


def run(args: argparse.Namespace, config: Config) -> int:
    if not 1 <= args.limit <= MAX_LIMIT:
        raise InputError(f"--limit {args.limit}: choose 1 to {MAX_LIMIT}")
    fmt = "json" if args.json else "csv" if args.csv else "text"
    print(log_report(config.resolve(config.store.path), set_uid=args.set,
                     athlete=args.athlete, since=args.since, limit=args.limit, fmt=fmt))
    return 0
