"""`station run`: the kiosk on the real camera, load cell, buzzer, button and screen.

Under systemd (the appliance) a broken settings file does not stop it: the error goes to the
journal and onto the screen, and the station starts once the file is fixed. Run by hand, a
broken file is one line and exit status 2, as for every command.
"""

from __future__ import annotations

import argparse
import os
import sys

from station.config import Config
from station.errors import ConfigError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace, config: Config) -> int:
    from station.live.supervisor import run_station

    return run_station(config)


def on_config_error(args: argparse.Namespace, error: ConfigError) -> int:
    """Under systemd: show the error, keep the watchdog fed, start when the file is fixed."""
    if not os.environ.get("NOTIFY_SOCKET"):
        raise error
    from station.appliance.config_wait import NoticeScreen, wait_for_config
    from station.appliance.watchdog import Watchdog

    watchdog = Watchdog()
    screen = None
    try:
        screen = NoticeScreen()
    except Exception as exc:  # no screen: the journal still says it
        print(f"station: cannot show the error on the screen ({exc})", file=sys.stderr)

    def draw(message: str) -> None:
        if screen is not None:
            screen.draw(args.config, message)

    try:
        config = wait_for_config(args.config, error, watchdog, draw)
    finally:
        if screen is not None:
            screen.close()
    assert config is not None
    return run(args, config)
