"""`station cards ROSTER.csv OUT`: QR cards for the roster's athletes (PDF, or PNG pages).

OUT.pdf is one PDF; a folder that exists gets PNG pages FOLDER/cards-01.png...; any other
name PNG pages OUT-01.png... (OUT.png as OUT-01.png...). The work is
`station.cards.printing`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from station.config import Config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("roster", type=Path, metavar="ROSTER.csv",
                        help="a CSV with a header: name (and optionally nickname, card)")
    parser.add_argument("out", type=Path, metavar="OUT",
                        help="OUT.pdf: one PDF; an existing folder: PNG pages "
                             "FOLDER/cards-01.png...; anything else: PNG pages OUT-01.png... "
                             "(OUT.png too)")
    parser.add_argument("--layout", choices=("a4", "a5"), default=None,
                        help="a4: one card a page (read at 2-2.5 m); a5: two (within 1.5 m); "
                             "default [cards] layout")


def run(args: argparse.Namespace, config: Config) -> int:
    from station.cards.printing import print_cards

    print(print_cards(args.roster, args.out, config.resolve(config.store.path),
                      args.layout or config.cards.layout, config.store.max_sets))
    return 0
