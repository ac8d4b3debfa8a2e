"""`station run`: the kiosk on the real camera, load cell, buzzer, button and screen.

Under systemd (the appliance) a broken settings file does not stop it: the error goes to the
journal and onto the screen, and the station starts once the file is fixed. Run by hand, a
broken file is one line and exit status 2, as for every command.
"""

from __future__ import annotations

import argparse
import os

from station.config import Config
from station.errors import ConfigError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace, config: Config) -> int:
    from station.live.wiring import run_station

    return run_station(config)


def on_config_error(args: argparse.Namespace, error: ConfigError) -> int:
    """Under systemd: show the error, keep the watchdog fed, start when the file is fixed."""
    if not os.environ.get("NOTIFY_SOCKET"):
        raise error
    from station.live.wiring import wait_for_fixed_config

    return run(args, wait_for_fixed_config(args.config, error))
