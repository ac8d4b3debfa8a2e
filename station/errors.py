"""Errors a user can fix: each carries one line naming the file, key or value at fault.

The command line prints that line and exits with status 2; nothing else is shown.
"""


class StationError(Exception):
    """Bad input the user can correct (exit status 2)."""


class ConfigError(StationError):
    """A config file is missing, malformed, or has an unknown key or a bad value."""


class InputError(StationError):
    """An input file (pose stream, tension CSV, video) is missing or malformed."""
