"""`station web [--host H] [--port P] [--set-pin]`: the coach page on the gym's network."""

from __future__ import annotations

import argparse

from station.config import Config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=None, help="address to listen on ([web] host)")
    parser.add_argument("--port", type=int, default=None, help="TCP port ([web] port)")
    parser.add_argument("--set-pin", action="store_true",
                        help="set the page's PIN (asked on the terminal, or one line of "
                             "standard input) and exit")


def run(args: argparse.Namespace, config: Config) -> int:
    if args.set_pin:
        from station.web.pin import ask_pin, write_pin_hash

        path = config.resolve(config.web.pin_file)
        write_pin_hash(path, ask_pin())
        print(f"PIN set: {path}")
        return 0
    from station.web.gym import gym_for
    from station.web.server import serve, site_for

    serve(site_for(config), args.host or config.web.host, args.port or config.web.port,
          gym=gym_for(config))
    return 0
