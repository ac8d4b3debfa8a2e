"""Opening the files a user hands the station: regular files only, and never more than a bound.

A settings file, a pose stream, a tension CSV, a calibration or a video may be named by
anyone, and the name may be a pipe that never ends (`/dev/stdin`, a FIFO), a device that
never runs dry (`/dev/zero`, `/dev/urandom`), a folder or a file far bigger than any real
one. Each is refused with one line naming the path and what it is, before a byte is read:
nothing waits on a writer that never comes, nothing reads without end.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from pathlib import Path
from typing import BinaryIO

from station.errors import StationError

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def kind_of(mode: int) -> str:
    """What a file of this `st_mode` is, in a few words ("a regular file", "a folder", ...)."""
    if stat.S_ISREG(mode):
        return "a regular file"
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def size_text(n: int) -> str:
    """A byte count for a person: 512 bytes, 64 KB, 200 MB, 2 GB."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} bytes"


def open_regular(path: str | Path, what: str, limit: int,
                 error: type[StationError]) -> BinaryIO:
    """`path` opened for reading in binary, once it is known to be a regular file of at most
    `limit` bytes; otherwise `error` with one line naming the path (`what` names the file's
    role: "config file", "pose file")."""
    path = Path(path)
    try:
        # O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise error(f"{path}: {what} not found") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        raise error(f"{path}: cannot open the {what} ({_why(exc)})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise error(f"{path}: the {what} is {kind_of(st.st_mode)}, not a regular file")
        if st.st_size > limit:
            raise error(f"{path}: the {what} is {size_text(st.st_size)}, more than the "
                        f"{size_text(limit)} one may be")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str | Path, what: str, limit: int,
                 error: type[StationError]) -> bytes:
    """The bytes of a regular file of at most `limit` bytes (see `open_regular`); a file that
    grows past `limit` while it is read is refused too."""
    with open_regular(path, what, limit, error) as f:
        try:
            data = f.read(limit + 1)
        except OSError as exc:
            raise error(f"{Path(path)}: cannot read the {what} ({_why(exc)})") from None
    if len(data) > limit:
        raise error(f"{Path(path)}: the {what} is more than the {size_text(limit)} one may be")
    return data


def read_regular_text(path: str | Path, what: str, limit: int,
                      error: type[StationError]) -> str:
    """The text of a regular UTF-8 file of at most `limit` bytes (see `read_regular`), less
    the byte-order mark a spreadsheet may put first (Excel's "CSV UTF-8" does); text that is
    not UTF-8 is `error` naming the path."""
    data = read_regular(path, what, limit, error)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"{Path(path)}: cannot read the {what} ({exc})") from None


def check_regular(path: str | Path, what: str, limit: int,
                  error: type[StationError]) -> Path:
    """`path`, once it is known to name a regular file of at most `limit` bytes (for readers
    that open the file themselves, such as a video decoder)."""
    open_regular(path, what, limit, error).close()
    return Path(path)


_NEW_FILE_TRIES = 100  # random names tried before giving up (mkstemp tries 10,000)


def new_file(folder: str | Path, prefix: str = "", suffix: str = "") -> tuple[int, Path]:
    """A file made in `folder` under a name of its own (`prefix`, random letters, `suffix`),
    open for writing: its descriptor and path, for a writer that fills it and renames it into
    place. Its mode is 0666 less the umask, as `open()` makes a file (0644 under the usual
    022), where `tempfile.mkstemp` makes it 0600: a file written by root (`sudo station
    calibrate`) must stay readable by the station's own user."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    for _ in range(_NEW_FILE_TRIES):
        path = Path(folder) / f"{prefix}{secrets.token_hex(6)}{suffix}"
        try:
            return os.open(path, flags, 0o666), path
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free name for a new file", str(folder))


def same_file(a: str | Path, b: str | Path) -> bool:
    """`a` and `b` name one file (through a symlink, a hard link, `..`), or would."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # one does not exist (yet): compare where they would be
        return Path(a).resolve() == Path(b).resolve()


def _why(exc: BaseException) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
