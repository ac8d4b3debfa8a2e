"""The `station` command: parses arguments, loads the config, runs one subcommand.

Each subcommand lives in its own module under `station/commands/` with two functions:
`add_arguments(parser)` and `run(args, config) -> int`. Bad input anywhere (a missing or
malformed file, a bad config key) becomes one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from station import __version__
from station.config import load_config
from station.errors import ConfigError, StationError

# Subcommand name -> (module under station.commands, one-line help).
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("run", "the kiosk on real hardware"),
    "demo": ("demo", "the kiosk on the built-in simulated athlete"),
    "analyze": ("analyze", "coach a recorded pose stream (.npz) and tension CSV"),
    "replay": ("replay", "run pose on a video file, then coach it"),
    "calibrate": ("calibrate", "tare and scale the load cell"),
    "check": ("check", "hardware self-test"),
    "fleet": ("fleet", "every station on the gym's MQTT broker, as a table"),
}


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one line (its default prints the whole usage first)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="station", description="Hinge Station: teaches the hip hinge.")
    parser.add_argument("--version", action="version", version=f"station {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--config", metavar="PATH", default=None,
                       help="settings file (default ./config/station.toml, "
                            "then /etc/station/station.toml)")
        importlib.import_module(f"station.commands.{module}").add_arguments(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    module = importlib.import_module(f"station.commands.{COMMANDS[args.command][0]}")
    try:
        try:
            config = load_config(args.config)
        except ConfigError as exc:
            # A command may handle a broken settings file itself (`run` under systemd shows it
            # on the screen and waits for the fix); the others exit 2 with the one line.
            handler = getattr(module, "on_config_error", None)
            if handler is None:
                raise
            return int(handler(args, exc) or 0)
        return int(module.run(args, config) or 0)
    except StationError as exc:
        print(f"station: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
