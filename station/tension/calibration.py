"""The load-cell calibration: the file beside the config that turns raw counts into newtons.

Written atomically (a temporary file in the same folder, fsync, `os.replace`, fsync of the
folder), so a power cut mid-write leaves the old calibration intact. Read at start: a missing
or corrupt file gives a warning and an uncalibrated sensor (raw counts), never a crash.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from station.errors import ConfigError

FORMAT = "hinge-station-calibration"
VERSION = 1
STANDARD_GRAVITY = 9.80665  # m/s^2: a known mass in kg pulls this many newtons per kg
_TEMP_PREFIX = ".calibration-"


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

    def force_n(self, counts: float, offset_counts: float | None = None) -> float:
        """The force for a reading, optionally against another tare (offset)."""
        offset = self.offset_counts if offset_counts is None else offset_counts
        return (counts - offset) * self.newtons_per_count

    def to_dict(self) -> dict:
        return {"format": FORMAT, "version": VERSION, **asdict(self)}


UNCALIBRATED = Calibration()


def from_readings(slack_counts: float, loaded_counts: float, mass_kg: float, *, gain: int,
                  rate_sps: int, noise_counts: float) -> Calibration:
    """The calibration from the median counts with the band slack and with a known mass."""
    delta = loaded_counts - slack_counts
    if delta == 0:
        raise ValueError("the known mass did not change the reading")
    scale = mass_kg * STANDARD_GRAVITY / delta
    return Calibration(offset_counts=float(slack_counts), newtons_per_count=scale, gain=gain,
                       rate_sps=rate_sps, known_mass_kg=mass_kg,
                       noise_n=abs(noise_counts * scale), calibrated=True)


def save_calibration(path: str | Path, calibration: Calibration) -> None:
    """Write the calibration atomically: a power cut leaves either the old or the new file."""
    path = Path(path)
    folder = path.parent
    text = json.dumps(calibration.to_dict(), indent=2) + "\n"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(folder)
        fd, tmp = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=".tmp", dir=folder)
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
                     rate_sps: int | None = None) -> tuple[Calibration, str | None]:
    """Read the calibration file: (calibration, None), or (UNCALIBRATED, a one-line warning).

    A calibration made at another gain than `gain` does not apply and gives the warning too.
    """
    path = Path(path)
    fix = "run `station calibrate`; until then tension is in raw counts"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return UNCALIBRATED, f"{path}: no calibration file: {fix}"
    except (OSError, UnicodeDecodeError) as exc:
        return UNCALIBRATED, f"{path}: cannot read calibration file ({exc}): {fix}"
    try:
        cal = _parse(json.loads(text))
    except (json.JSONDecodeError, ValueError, TypeError, KeyError) as exc:
        return UNCALIBRATED, f"{path}: corrupt calibration file ({exc}): {fix}"
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
                or not math.isfinite(value):
            raise ValueError(f"{key} = {value!r} is not a finite number")
        numbers[key] = float(value)
    if numbers["newtons_per_count"] == 0:
        raise ValueError("newtons_per_count is 0")
    gain, rate = data["gain"], data["rate_sps"]
    if gain not in (128, 64, 32) or rate not in (10, 80):
        raise ValueError(f"gain {gain!r} / rate_sps {rate!r} are not the HX711's")
    if data.get("calibrated") is not True:
        raise ValueError("calibrated is not true")
    return Calibration(gain=gain, rate_sps=rate, calibrated=True, **numbers)
