"""The `station` command: parses arguments, loads the config, runs one subcommand.

Each subcommand lives in its own module under `station/commands/` with two functions:
`add_arguments(parser)` and `run(args, config) -> int`. Bad input anywhere (a missing or
malformed file, a bad config key) becomes one line on stderr and exit status 2. SIGTERM stops
any command cleanly: its `finally` blocks run (a set in progress is closed in the log), and
it exits with 143, as a process killed by the signal would.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shlex
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from station import __version__
from station.config import DEFAULT_PATHS, find_config, load_config
from station.errors import ConfigError, StationError

TERMINATED_STATUS = 128 + signal.SIGTERM
# pygame greets on stdout when imported, before any command can stop it: not in a report.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

# Subcommand name -> (module under station.commands, one-line help).
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("run", "the kiosk on real hardware"),
    "demo": ("demo", "the kiosk on the built-in simulated athlete"),
    "analyze": ("analyze", "coach a recorded pose stream (.npz) and tension CSV"),
    "replay": ("replay", "run pose on a video file, then coach it"),
    "calibrate": ("calibrate", "tare and scale the load cell"),
    "check": ("check", "hardware self-test"),
    "web": ("web", "the coach page: the station's sets and settings on a phone"),
    "log": ("log", "list, show and export the session log's sets"),
    "cards": ("cards", "print QR cards for a roster of athletes"),
    "fleet": ("fleet", "every station on the gym's MQTT broker, as a table"),
}


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one line (its default prints the whole usage first)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with `only`, the other subcommands' modules are not imported (their
    names and help still list): `station web` then runs without numpy and the coach's
    imports, in a fraction of the memory."""
    parser = _Parser(prog="station", description="Hinge Station: teaches the hip hinge.")
    parser.add_argument("--version", action="version", version=f"station {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--config", metavar="PATH", default=None,
                       help="settings file (default ./config/station.toml, "
                            "then /etc/station/station.toml)")
        if only is None or only == name:
            importlib.import_module(f"station.commands.{module}").add_arguments(p)
    return parser


class Terminated(BaseException):
    """SIGTERM arrived: unwinds the command like Ctrl-C does (a BaseException, so no
    `except Exception` on the way swallows it), running every `finally` on the way out."""


def _on_sigterm(signum: int, frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the cleanup runs once, undisturbed
    raise Terminated


@contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """While a command runs, SIGTERM raises `Terminated` (a command that handles SIGTERM
    itself, as `station run` does, installs its own handler meanwhile)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def one_line(text: str) -> str:
    """`text` as one line: a character that would break it or not show (a newline in a key
    name, a control character from a file) is written as its escape, \\n, \\x1e."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def _say_defaults(path: str | None) -> None:
    """With no settings file found, say so once on stderr: the defaults are in use."""
    if path is None and find_config() is None:
        tried = ", ".join(str(p) for p in DEFAULT_PATHS)
        print(f"station: no settings file ({tried}): using the built-in defaults",
              file=sys.stderr)


BROKEN_PIPE_STATUS = 141  # 128 + SIGPIPE, as a shell reports a command cut off by `head`


def main(argv: Sequence[str] | None = None) -> int:
    """The `station` command: run one subcommand and return its exit status."""
    try:
        return _command(list(sys.argv[1:] if argv is None else argv))
    except BrokenPipeError:
        # The reader went away (`station log | head`): not an error of ours. Python would
        # still flush stdout at exit and fail again, so it goes to /dev/null first.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return BROKEN_PIPE_STATUS


def _config_before_command(argv: list[str]) -> str | None:
    """The one line for `station --config X demo`: --config is each command's option, so
    argparse took X for the command ("invalid choice: 'X'"). None when it is not so placed."""
    for i, arg in enumerate(argv):
        if arg in COMMANDS:
            return None
        if arg == "--config" or arg.startswith("--config="):
            path = arg.partition("=")[2] if "=" in arg else (
                argv[i + 1] if i + 1 < len(argv) else "PATH")
            rest = argv[i + (1 if "=" in arg else 2):]
            command = next((a for a in rest if a in COMMANDS), "COMMAND")
            return (f"--config goes after the command: station {command} --config "
                    f"{shlex.quote(path)}")
    return None


def _command(argv: list[str]) -> int:
    misplaced = _config_before_command(argv)
    if misplaced is not None:
        _Parser(prog="station").error(misplaced)
    chosen = next((a for a in argv if not a.startswith("-")), None)
    args = build_parser(chosen if chosen in COMMANDS else None).parse_args(argv)
    module = importlib.import_module(f"station.commands.{COMMANDS[args.command][0]}")
    try:
        with _sigterm_unwinds():
            try:
                _say_defaults(args.config)
                config = load_config(args.config)
            except ConfigError as exc:
                # A command may handle a broken settings file itself (`run` under systemd
                # shows it on the screen and waits for the fix); the others exit 2 with the
                # one line.
                handler = getattr(module, "on_config_error", None)
                if handler is None:
                    raise
                return int(handler(args, exc) or 0)
            return int(module.run(args, config) or 0)
    except StationError as exc:
        print(f"station: error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Terminated:
        print("station: stopped (SIGTERM)", file=sys.stderr)
        return TERMINATED_STATUS


if __name__ == "__main__":
    sys.exit(main())
