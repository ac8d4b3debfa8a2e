"""The broker's user name and password, from a file only root and the station's user may read.

The file is TOML with two keys, `username` and `password`. It is refused, with one line
naming the file and `[mqtt] credentials_file`, when anyone else may read or change it (any
permission for others, or write permission for the group) or when it belongs to a user
other than root or the one running the station. Each refusal is a CredentialsError whose
`fix` says what makes the file usable. The password never appears in an error, a log line
or a repr.
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


class CredentialsError(ConfigError):
    """A password file the station cannot use; `fix` is the one line that makes it usable."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.fix = fix


def _owner_fix(path: Path) -> str:
    return f"sudo chown root:station {path} && sudo chmod 0640 {path}"


def _edit_fix(path: Path) -> str:
    return f'sudoedit {path}: username = "..." and password = "...", nothing else'


def check_mode(path: Path, st: os.stat_result, uid: int | None = None) -> None:
    """Raise CredentialsError when the file's owner or mode lets others read or change it."""
    uid = os.geteuid() if uid is None else uid
    mode = stat.S_IMODE(st.st_mode)
    if not stat.S_ISREG(st.st_mode):
        raise CredentialsError(f"{path}: {KEY} is not a regular file",
                               f"make {path} a file (not a link), then {_edit_fix(path)}")
    if mode & 0o007 or mode & 0o020:
        raise CredentialsError(
            f"{path}: {KEY} has mode {mode:04o}, which lets other users "
            f"{'read' if mode & 0o004 else 'change'} the broker's password: "
            f"chmod 0640 (owner root, group station) or 0600", _owner_fix(path))
    if st.st_uid not in (0, uid):
        raise CredentialsError(
            f"{path}: {KEY} belongs to uid {st.st_uid}, neither root nor the "
            f"station's user (uid {uid}): chown root:station, then chmod 0640", _owner_fix(path))


def read_credentials(path: Path, uid: int | None = None) -> Credentials:
    """The credentials in `path`, after checking who may read it."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        raise CredentialsError(
            f"{path}: {KEY} not found",
            f"sudo install -m 0640 -o root -g station /dev/null {path}, then "
            f"{_edit_fix(path)}") from None
    except PermissionError:
        raise CredentialsError(f"{path}: {KEY} cannot be read by this user (run as root or as "
                               "the station's user)",
                               f"run it as root (sudo) or as the station's user; "
                               f"{_owner_fix(path)}") from None
    except OSError as exc:
        raise CredentialsError(f"{path}: {KEY} cannot be read ({exc.strerror})",
                               _owner_fix(path)) from None
    with os.fdopen(fd, "rb") as f:
        check_mode(path, os.fstat(f.fileno()), uid)
        raw = f.read(65536)
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        # The parser's message may quote the file, and the file holds the password.
        raise CredentialsError(f"{path}: {KEY} is not valid TOML (expected username = "
                               "\"...\" and password = \"...\")", _edit_fix(path)) from None
    unknown = sorted(set(data) - {"username", "password"})
    if unknown:
        raise CredentialsError(f"{path}: {KEY}: unknown key {unknown[0]!r} (known: username, "
                               "password)", _edit_fix(path))
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not username:
        raise CredentialsError(f"{path}: {KEY}: username missing or not text", _edit_fix(path))
    if not isinstance(password, str):
        raise CredentialsError(f"{path}: {KEY}: password missing or not text", _edit_fix(path))
    return Credentials(username, password)
