"""`station web [--host H] [--port P] [--set-pin]`: the coach page on the gym's network."""

from __future__ import annotations

import argparse
import socket

from station.config import Config, check_setting
from station.errors import InputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=None,
                        help="address to listen on ([web] host; 0.0.0.0: all)")
    parser.add_argument("--port", type=int, default=None, help="TCP port, 1 to 65535 ([web] port)")
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

    host, port = listen_address(args, config)
    serve(site_for(config), host, port, gym=gym_for(config))
    return 0


def listen_address(args: argparse.Namespace, config: Config) -> tuple[str, int]:
    """The host and port to listen on: the options', else the settings' ([web] host, port);
    a port out of range or a host no address can be found for is one line naming it."""
    port = (config.web.port if args.port is None
            else check_setting("web", "port", args.port, "--port"))
    key = f"{config.source}: [web] host" if config.source else "[web] host"
    host, where = (config.web.host, key) if args.host is None else (args.host, "--host")
    check_host(host, port, where)
    return host, port


def check_host(host: str, port: int, where: str) -> None:
    """InputError naming `where` (the option or the key it came from) and `host` when the
    web server could not listen there: no address for it on this machine's resolver."""
    try:  # looked up as waitress looks it up (its failure there is a ValueError traceback)
        socket.getaddrinfo(None if host == "*" else host, port, socket.AF_UNSPEC,
                           socket.SOCK_STREAM, socket.IPPROTO_TCP, socket.AI_PASSIVE)
    except (OSError, UnicodeError, ValueError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError(f"{where} = {host!r}: not an address to listen on ({why}); give an "
                         "IP address of this machine, 0.0.0.0 for all, or a host name that "
                         "resolves") from None
