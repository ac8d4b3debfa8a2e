"""The load-cell calibration: the file beside the config that turns raw counts into newtons.

Written atomically (a temporary file in the same folder, fsync, `os.replace`, fsync of the
folder), so a power cut mid-write leaves the old calibration intact; `station calibrate` keeps
the one it replaces as a dated backup beside it. A calibration made on the emulated chip says
so (`simulated`) and never applies to a real load cell. Read at start: a missing, corrupt or
simulated file gives a warning and an uncalibrated sensor (raw counts), never a crash.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from station.errors import ConfigError, StationError
from station.files import new_file, read_regular

FORMAT = "hinge-station-calibration"
VERSION = 1
STANDARD_GRAVITY = 9.80665  # m/s^2: a known mass in kg pulls this many newtons per kg
_TEMP_PREFIX = ".calibration-"
MAX_BYTES = 64 << 10  # a calibration file is 300 bytes


@dataclass(frozen=True)
class Calibration:
    """How raw HX711 counts become newtons: force_n = (counts - offset) * newtons_per_count.

    `calibrated` False means the raw sensor: offset 0, one "newton" per count.
    """

    offset_counts: float = 0.0
    newtons_per_count: float = 1.0
    gain: int = 128
    rate_sps: int = 80
    known_mass_kg: float = 0.0
    noise_n: float = 0.0
    calibrated: bool = False
    simulated: bool = False  # made on the emulated chip (`station calibrate --simulate`)
    made_at: str = ""  # when, UTC ISO 8601 ("" when the file does not say)

    def force_n(self, counts: float, offset_counts: float | None = None) -> float:
        """The force for a reading, optionally against another tare (offset)."""
        offset = self.offset_counts if offset_counts is None else offset_counts
        return (counts - offset) * self.newtons_per_count

    def to_dict(self) -> dict:
        return {"format": FORMAT, "version": VERSION, **asdict(self)}

    def describe(self) -> str:
        """The calibration in a few words, for a person deciding whether to replace it."""
        made = f", made {self.made_at}" if self.made_at else ""
        kind = "simulated" if self.simulated else "real"
        return (f"a {kind} calibration: tare {self.offset_counts:.0f} counts, "
                f"{self.known_mass_kg:g} kg known mass{made}")


UNCALIBRATED = Calibration()


def from_readings(slack_counts: float, loaded_counts: float, mass_kg: float, *, gain: int,
                  rate_sps: int, noise_counts: float, simulated: bool = False) -> Calibration:
    """The calibration from the median counts with the band slack and with a known mass
    (`simulated`: read from the emulated chip), stamped with the time it is made."""
    delta = loaded_counts - slack_counts
    if delta == 0:
        raise ValueError("the known mass did not change the reading")
    scale = mass_kg * STANDARD_GRAVITY / delta
    return Calibration(offset_counts=float(slack_counts), newtons_per_count=scale, gain=gain,
                       rate_sps=rate_sps, known_mass_kg=mass_kg,
                       noise_n=abs(noise_counts * scale), calibrated=True, simulated=simulated,
                       made_at=datetime.now(UTC).isoformat(timespec="seconds"))


def backup_name(path: Path) -> Path:
    """Where the file at `path` is kept when replaced: beside it, named for now (UTC)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = path.with_name(f"{path.name}.{stamp}.bak")
    n = 1
    while out.exists():
        n += 1
        out = path.with_name(f"{path.name}.{stamp}-{n}.bak")
    return out


def save_calibration(path: str | Path, calibration: Calibration,
                     backup: bool = False) -> Path | None:
    """Write the calibration atomically: a power cut leaves either the old or the new file.
    The file is made as `open()` makes one (0644 under the usual umask), so a calibration
    written with sudo is still read by the station's own user.

    `backup`: the file there now (unless it is a simulated calibration) is first copied
    beside it as `<name>.<UTC time>.bak`; returns that copy's path (None: none made)."""
    path = Path(path)
    folder = path.parent
    text = json.dumps(calibration.to_dict(), indent=2) + "\n"
    kept = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(folder)
        if backup and path.is_file() and not _is_simulated(path):
            kept = backup_name(path)
            shutil.copy2(path, kept)
            _fsync_folder(folder)
        fd, tmp = new_file(folder, _TEMP_PREFIX, ".tmp")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write calibration file ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _fsync_folder(folder)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise ConfigError(f"{path}: cannot write calibration file ({exc.strerror})") from None
    return kept


def read_calibration(path: str | Path) -> Calibration | None:
    """The calibration in the file at `path`, or None when there is none to be read (no
    file, not a regular file, corrupt)."""
    try:
        return _parse(json.loads(read_regular(path, "calibration file", MAX_BYTES,
                                              StationError).decode("utf-8")))
    except (StationError, UnicodeDecodeError, json.JSONDecodeError, ValueError, TypeError,
            KeyError, RecursionError):
        return None


def _is_simulated(path: Path) -> bool:
    cal = read_calibration(path)
    return cal is not None and cal.simulated


def _remove_leftovers(folder: Path) -> None:
    """Temporary files of writers that died mid-write (a power cut, a kill)."""
    for leftover in folder.glob(f"{_TEMP_PREFIX}*.tmp"):
        with contextlib.suppress(OSError):
            leftover.unlink()


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load_calibration(path: str | Path, *, gain: int | None = None,
                     rate_sps: int | None = None,
                     simulated_ok: bool = False) -> tuple[Calibration, str | None]:
    """Read the calibration file: (calibration, None), or (UNCALIBRATED, a one-line warning).

    A calibration made at another gain than `gain` does not apply and gives the warning too,
    and so does one made on the emulated chip (unless `simulated_ok`).
    """
    path = Path(path)
    fix = "run `station calibrate`; until then tension is in raw counts"
    if not path.exists():
        return UNCALIBRATED, f"{path}: no calibration file: {fix}"
    try:
        text = read_regular(path, "calibration file", MAX_BYTES, StationError).decode("utf-8")
    except StationError as exc:
        return UNCALIBRATED, f"{exc}: {fix}"
    except UnicodeDecodeError as exc:
        return UNCALIBRATED, f"{path}: cannot read calibration file ({exc}): {fix}"
    try:
        cal = _parse(json.loads(text))
    except (json.JSONDecodeError, ValueError, TypeError, KeyError, RecursionError) as exc:
        return UNCALIBRATED, f"{path}: corrupt calibration file ({_short(exc)}): {fix}"
    if cal.simulated and not simulated_ok:
        return UNCALIBRATED, (f"{path}: a simulated calibration (`station calibrate "
                              f"--simulate`), not this load cell's: {fix}")
    if gain is not None and cal.gain != gain:
        return UNCALIBRATED, (f"{path}: calibration was made at gain {cal.gain}, "
                              f"[hx711] gain is {gain}: {fix}")
    if rate_sps is not None and cal.rate_sps != rate_sps:
        return cal, (f"{path}: calibration was made at {cal.rate_sps} SPS, [hx711] rate_sps "
                     f"is {rate_sps}; it still applies, but check the noise")
    return cal, None


def _parse(data: object) -> Calibration:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} file")
    if data.get("version") != VERSION:
        raise ValueError(f"version {data.get('version')!r}, expected {VERSION}")
    numbers = {}
    for key in ("offset_counts", "newtons_per_count", "known_mass_kg", "noise_n"):
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(float(value) if abs(value) < 1e300 else math.inf):
            raise ValueError(f"{key} = {str(value)[:40]} is not a finite number")
        numbers[key] = float(value)
    if numbers["newtons_per_count"] == 0:
        raise ValueError("newtons_per_count is 0")
    gain, rate = data["gain"], data["rate_sps"]
    if gain not in (128, 64, 32) or rate not in (10, 80):
        raise ValueError(f"gain {gain!r} / rate_sps {rate!r} are not the HX711's")
    if data.get("calibrated") is not True:
        raise ValueError("calibrated is not true")
    simulated, made_at = data.get("simulated", False), data.get("made_at", "")
    if not isinstance(simulated, bool) or not isinstance(made_at, str) or len(made_at) > 64:
        raise ValueError(f"simulated {simulated!r} / made_at {made_at!r} are not a flag and a "
                         "time")
    return Calibration(gain=gain, rate_sps=rate, calibrated=True, simulated=simulated,
                       made_at=made_at, **numbers)


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:120] or type(exc).__name__
