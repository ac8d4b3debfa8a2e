"""The broker's user name and password, from a file only root and the station's user may read.

The file is TOML with two keys, `username` and `password`. It is refused, with one line
naming the file and `[mqtt] credentials_file`, when anyone else may read or change it (any
permission for others, or write permission for the group) or when it belongs to a user
other than root or the one running the station. The password never appears in an error,
a log line or a repr.
"""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from station.errors import ConfigError

KEY = "[mqtt] credentials_file"


@dataclass(frozen=True)
class Credentials:
    """A user name and its password (kept out of repr, so out of any traceback or log)."""

    username: str
    password: str = field(repr=False)


def check_mode(path: Path, st: os.stat_result, uid: int | None = None) -> None:
    """Raise ConfigError when the file's owner or mode lets others read or change it."""
    uid = os.geteuid() if uid is None else uid
    mode = stat.S_IMODE(st.st_mode)
    if not stat.S_ISREG(st.st_mode):
        raise ConfigError(f"{path}: {KEY} is not a regular file")
    if mode & 0o007 or mode & 0o020:
        raise ConfigError(
            f"{path}: {KEY} has mode {mode:04o}, which lets other users "
            f"{'read' if mode & 0o004 else 'change'} the broker's password: "
            f"chmod 0640 (owner root, group station) or 0600")
    if st.st_uid not in (0, uid):
        raise ConfigError(f"{path}: {KEY} belongs to uid {st.st_uid}, neither root nor the "
                          f"station's user (uid {uid}): chown root:station, then chmod 0640")


def read_credentials(path: Path, uid: int | None = None) -> Credentials:
    """The credentials in `path`, after checking who may read it."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        raise ConfigError(f"{path}: {KEY} not found") from None
    except PermissionError:
        raise ConfigError(f"{path}: {KEY} cannot be read by this user (run as root or as "
                          "the station's user)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: {KEY} cannot be read ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as f:
        check_mode(path, os.fstat(f.fileno()), uid)
        raw = f.read(65536)
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        # The parser's message may quote the file, and the file holds the password.
        raise ConfigError(f"{path}: {KEY} is not valid TOML (expected username = \"...\" "
                          "and password = \"...\")") from None
    unknown = sorted(set(data) - {"username", "password"})
    if unknown:
        raise ConfigError(f"{path}: {KEY}: unknown key {unknown[0]!r} (known: username, "
                          "password)")
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not username:
        raise ConfigError(f"{path}: {KEY}: username missing or not text")
    if not isinstance(password, str):
        raise ConfigError(f"{path}: {KEY}: password missing or not text")
    return Credentials(username, password)
