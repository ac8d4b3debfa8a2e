"""`station calibrate` (not built yet: see the issue that builds it)."""

from __future__ import annotations

import argparse

from station.config import Config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace, config: Config) -> int:
    print("station calibrate: not built yet")
    return 1
