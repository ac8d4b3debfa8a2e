"""The files a command writes: checked before any work starts, written whole or not at all.

`check_output` refuses, before a long run begins, an output that would overwrite one of the
command's inputs, a name without the suffix its format needs, a folder that does not exist or
cannot be written to, and a name that is a folder. `replacing(path)` writes beside the
output and renames over it only once the file is complete, so a failure half way (a full
disk, a kill) never leaves half a file, and never costs the file that was there before.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from station.errors import InputError
from station.files import new_file, same_file

_TEMP_PREFIX = ".station-"


def check_output(path: str | Path, what: str,
                 inputs: Mapping[str, str | Path | None] | None = None,
                 suffix: str | tuple[str, ...] | None = None) -> Path:
    """`path` as an output file, or InputError naming it: the output would overwrite an
    input (`inputs`: each input's role -> its path), its name lacks `suffix` (or each of a
    tuple of them, the first the one to suggest), its folder is missing or not writable, or
    it names a folder."""
    out = Path(path)
    for role, source in (inputs or {}).items():
        if source is not None and same_file(out, Path(source)):
            raise InputError(f"{out}: the {what} would overwrite the {role} ({source}): "
                             "name another file")
    if suffix is not None:
        _check_suffix(out, what, (suffix,) if isinstance(suffix, str) else suffix)
    folder = out.parent
    if not folder.is_dir():
        raise InputError(f"{out}: cannot write the {what} (folder {folder} does not exist)")
    if out.is_dir():
        raise InputError(f"{out}: cannot write the {what} (it is a folder)")
    try:  # the one honest test: make a file there (as root, access() says yes to anything)
        fd, probe = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=".probe", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise InputError(f"{out}: cannot write the {what} in {folder} "
                         f"({exc.strerror or exc})") from None
    return out


def _check_suffix(out: Path, what: str, suffixes: tuple[str, ...]) -> None:
    """InputError naming `out` when its name ends in none of `suffixes` (lower case)."""
    if out.suffix.lower() in suffixes:
        return
    others = f" (or {', '.join(suffixes[1:])})" if len(suffixes) > 1 else ""
    raise InputError(f"{out}: the {what} is a {suffixes[0]} file{others}: name it "
                     f"{out.with_suffix(suffixes[0]).name}")


@contextlib.contextmanager
def replacing(path: str | Path, what: str) -> Iterator[Path]:
    """A temporary path beside `path` (same suffix: OpenCV picks the container by it) to
    write the whole file to; renamed over `path` when the block ends well, removed when it
    does not. The file's mode is as `open()` would make it (`new_file`). A failure to write
    is InputError naming `path`."""
    out = Path(path)
    try:
        fd, temp = new_file(out.parent, _TEMP_PREFIX, out.suffix)
        os.close(fd)
    except OSError as exc:
        raise InputError(f"{out}: cannot write the {what} ({exc.strerror or exc})") from None
    try:
        yield temp
        os.replace(temp, out)
    except OSError as exc:
        raise InputError(f"{out}: cannot write the {what} ({exc.strerror or exc})") from None
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()
