"""The coach page's PIN: stored only as a salted PBKDF2 hash, in a file the installer writes.

`python -m station.web.pin FILE` reads a PIN from standard input (or asks for it on a
terminal) and writes its hash to FILE (mode 0640), which is what `install.sh --web-pin`
runs; `station web --set-pin` does the same for the configured file.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import os
import secrets
import sys
from pathlib import Path

from station.errors import InputError

ITERATIONS = 200_000  # about 0.1 s on this machine, a few tenths on a Pi 4: per try, not per page
MIN_DIGITS = 4
MAX_LEN = 64


def check_pin_text(pin: str) -> str:
    """A PIN as given: 4 to 64 characters, at least 4 of them; spaces around are dropped."""
    pin = pin.strip()
    if len(pin) < MIN_DIGITS:
        raise InputError(f"the PIN must have at least {MIN_DIGITS} characters")
    if len(pin) > MAX_LEN or any(not ch.isprintable() for ch in pin):
        raise InputError(f"the PIN must be at most {MAX_LEN} printable characters")
    return pin


def hash_pin(pin: str, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.strip().split("$")
        if scheme != "pbkdf2_sha256":
            return False
        got = hashlib.pbkdf2_hmac("sha256", pin.strip().encode(), bytes.fromhex(salt),
                                  int(iterations))
    except ValueError:
        return False
    return hmac.compare_digest(got.hex(), digest)


def read_pin_hash(path: Path) -> str | None:
    """The stored hash, or None when no PIN was set (no file). A file that is there but
    unreadable or malformed is an InputError naming it."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the PIN file ({exc})") from None
    if text.count("$") != 3 or not text.startswith("pbkdf2_sha256$"):
        raise InputError(f"{path}: not a PIN hash (set the PIN again: station web --set-pin)")
    return text


def write_pin_hash(path: Path, pin: str) -> None:
    pin = check_pin_text(pin)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".new")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(hash_pin(pin) + "\n")
        os.replace(tmp, path)
    except OSError as exc:
        raise InputError(f"{path}: cannot write the PIN file ({exc})") from None


def ask_pin() -> str:
    """A PIN from the terminal (typed twice) or one line of standard input."""
    if sys.stdin.isatty():
        first = getpass.getpass("coach page PIN: ")
        if getpass.getpass("again: ") != first:
            raise InputError("the two PINs differ")
        return first
    return sys.stdin.readline()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m station.web.pin FILE  (the PIN on standard input)",
              file=sys.stderr)
        return 2
    try:
        write_pin_hash(Path(args[0]), ask_pin())
    except InputError as exc:
        print(f"pin: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
