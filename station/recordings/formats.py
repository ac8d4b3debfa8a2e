"""Recorded streams on disk (the contract formats of docs/formats.md).

- Pose stream: `.npz` with `t` (float64 [N]), `landmarks` (float32 [N,33,4]), `width`,
  `height`; frames with no person have NaN landmarks.
- Tension stream: CSV with header `t,force_n`.

Readers check everything and raise InputError with one line naming the file and the problem:
a file that is no regular file or is bigger than any real recording, arrays whose shapes or
types are wrong (checked from each array's header before its data is read, so a small file
cannot unpack into gigabytes), times that are not seconds (milliseconds, nanoseconds, all
equal) and landmarks that are not normalised to the image (pixels).
"""

from __future__ import annotations

import csv
import io
import math
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from station.domain import NUM_LANDMARKS, PoseStream, TensionStream
from station.errors import InputError
from station.files import open_regular, read_regular_text

TENSION_HEADER = ["t", "force_n"]

# Bounds on what a recording may hold: far past any real one, well inside a Pi's memory.
MAX_POSE_FRAMES = 216_000  # an hour at 60 frames a second (114 MB of landmarks)
MAX_POSE_BYTES = 256 << 20  # the .npz on disk: an hour at 60 frames a second is about 100 MB
MAX_NPZ_ENTRIES = 16  # arrays in the .npz: a pose file has four
MAX_TENSION_BYTES = 128 << 20  # the CSV on disk: ten hours at 80 samples a second is 60 MB
MAX_TENSION_SAMPLES = 4_000_000  # nearly 14 hours at 80 samples a second
MAX_IMAGE_SIDE = 100_000  # pixels: width and height
MAX_FORCE_N = 100_000.0  # newtons: ten tonnes, past any band and any load cell for one
# Landmarks are normalised to the image: a point off the picture may reach a little past
# 0..1, never ten image widths away. Pixels run into the hundreds.
MAX_NORMALISED = 10.0

# Seconds between samples that a stream in seconds may have: a 1000 frames/s camera to one
# frame every 2 s (pose); a 2 kHz ADC to one reading every 2 s (tension).
_UNITS = (("milliseconds", 1e3), ("microseconds", 1e6), ("nanoseconds", 1e9))


@dataclass(frozen=True)
class _Rate:
    """The plausible seconds between two samples of a stream, and what a sample is called."""

    fastest_s: float
    slowest_s: float
    sample: str


POSE_RATE = _Rate(1e-3, 2.0, "frames")
TENSION_RATE = _Rate(5e-4, 2.0, "samples")


def save_pose_npz(path: str | Path, stream: PoseStream) -> None:
    """Write a pose stream in the `.npz` layout of docs/formats.md, at exactly `path`
    (numpy would add `.npz` to a name without it)."""
    with open(path, "wb") as f:
        np.savez_compressed(
            f,
            t=np.asarray(stream.t, dtype=np.float64),
            landmarks=np.asarray(stream.landmarks, dtype=np.float32),
            width=np.int64(stream.width),
            height=np.int64(stream.height),
        )


def check_times(path: Path, t: np.ndarray, rate: _Rate, column: str = "t") -> None:
    """Times in seconds, finite, never going back, and as far apart as `rate` allows; else
    InputError naming the unit they look like."""
    if not np.isfinite(t).all():
        raise InputError(f"{path}: '{column}' has non-finite times")
    if len(t) < 2:
        return
    dt = np.diff(t)
    if (dt < 0).any():
        i = int(np.argmax(dt < 0)) + 1
        raise InputError(f"{path}: '{column}' goes backwards at sample {i} "
                         f"({t[i - 1]} then {t[i]})")
    steps = dt[dt > 0]
    if len(steps) == 0:
        raise InputError(f"{path}: all {len(t)} times in '{column}' are {t[0]!r}: each of the "
                         f"{rate.sample} needs its own time in seconds")
    repeats = len(dt) - len(steps)
    if repeats > len(dt) // 2:
        raise InputError(f"{path}: {repeats} of {len(t)} {rate.sample} share their time in "
                         f"'{column}' with the one before (times rounded?): each needs its "
                         "own time in seconds")
    step = float(np.median(steps))
    if step > rate.slowest_s:
        for unit, per_s in _UNITS:
            if step / per_s <= rate.slowest_s:
                raise InputError(
                    f"{path}: '{column}' looks like {unit} ({rate.sample} {step:.3g} apart): "
                    f"times must be seconds (divide by {per_s:g})")
        raise InputError(f"{path}: '{column}' has {rate.sample} {step:g} s apart: not seconds")
    if step < rate.fastest_s:
        raise InputError(f"{path}: '{column}' has {rate.sample} {step:g} s apart "
                         f"({1 / step:,.0f} a second): not seconds")


def _count_entries(path: Path, f: IO[bytes]) -> None:
    """Refuse a zip with more entries than a pose file has, from its end record alone:
    opening it would first build an object for every entry."""
    f.seek(0, io.SEEK_END)
    size = f.tell()
    f.seek(max(0, size - 65_557))  # the end record and the longest comment it may carry
    tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise InputError(f"{path}: not a readable .npz pose file (not a zip archive)")
    entries = int.from_bytes(tail[at + 10:at + 12], "little")
    if entries > MAX_NPZ_ENTRIES:
        raise InputError(f"{path}: the .npz holds {entries} entries; a pose file holds four "
                         "(t, landmarks, width, height)")
    f.seek(0)


def _read_headers(path: Path, zf: zipfile.ZipFile,
                  keys: tuple[str, ...]) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """The shape and dtype of each array in an .npz, read from its header alone."""
    members = {name.removesuffix(".npy"): name for name in zf.namelist()}
    missing = [k for k in keys if k not in members]
    if missing:
        raise InputError(f"{path}: pose file lacks {', '.join(missing)} "
                         "(needs t, landmarks, width, height)")
    out = {}
    for key in keys:
        with zf.open(members[key]) as member:
            version = np.lib.format.read_magic(member)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(member)
            elif version in ((2, 0), (3, 0)):
                shape, _, dtype = np.lib.format.read_array_header_2_0(member)
            else:
                raise InputError(f"{path}: '{key}' is in .npy format {version}, unknown here")
        out[key] = (tuple(shape), dtype)
    return out


def _read_array(zf: zipfile.ZipFile, key: str) -> np.ndarray:
    members = {name.removesuffix(".npy"): name for name in zf.namelist()}
    with zf.open(members[key]) as member:
        return np.lib.format.read_array(member, allow_pickle=False)


def _check_layout(path: Path, headers: dict[str, tuple[tuple[int, ...], np.dtype]]) -> None:
    """Shapes and dtypes from the headers: checked before any data is read."""
    t_shape, t_dtype = headers["t"]
    if len(t_shape) != 1:
        raise InputError(f"{path}: 't' has shape {t_shape}, expected [N]")
    n = t_shape[0]
    if n == 0:
        raise InputError(f"{path}: the pose stream holds no frames")
    if n > MAX_POSE_FRAMES:
        raise InputError(f"{path}: {n:,} frames, more than the {MAX_POSE_FRAMES:,} (two hours "
                         "at 60 frames a second) a pose stream may hold")
    if t_dtype.kind not in "fiu":
        raise InputError(f"{path}: 't' has dtype {t_dtype}, expected float64")
    lm_shape, lm_dtype = headers["landmarks"]
    if lm_shape != (n, NUM_LANDMARKS, 4):
        raise InputError(f"{path}: 'landmarks' has shape {lm_shape}, "
                         f"expected [{n}, {NUM_LANDMARKS}, 4]")
    if lm_dtype.kind != "f":
        raise InputError(f"{path}: 'landmarks' has dtype {lm_dtype}, expected float32")
    for key in ("width", "height"):
        shape, dtype = headers[key]
        if int(np.prod(shape)) != 1 or dtype.kind not in "iuf":
            raise InputError(f"{path}: '{key}' must be one integer (it has shape {shape}, "
                             f"dtype {dtype})")


def _image_side(path: Path, key: str, value: np.ndarray) -> int:
    v = float(value.reshape(-1)[0])
    if not (np.isfinite(v) and v == int(v) and 0 < v <= MAX_IMAGE_SIDE):
        raise InputError(f"{path}: '{key}' = {v:g} is not an image size in pixels "
                         f"(1 to {MAX_IMAGE_SIDE})")
    return int(v)


def check_landmarks(path: Path, lm: np.ndarray, width: int, height: int) -> None:
    """x, y normalised to the image (not pixels), visibility 0..1, no infinities."""
    if np.isinf(lm).any():
        raise InputError(f"{path}: 'landmarks' has infinite values")
    xy = lm[:, :, :2]
    finite = xy[np.isfinite(xy)]
    if finite.size and float(np.abs(finite).max()) > MAX_NORMALISED:
        x, y = lm[:, :, 0], lm[:, :, 1]
        x_max, y_max = float(np.nanmax(np.abs(x))), float(np.nanmax(np.abs(y)))
        if x_max <= 2 * width and y_max <= 2 * height:
            raise InputError(f"{path}: landmarks look like pixels (x up to {x_max:.0f}, y up "
                             f"to {y_max:.0f} in a {width}x{height} image): x and y must be "
                             "normalised to the image, 0..1 (divide by width and height)")
        raise InputError(f"{path}: landmarks reach {float(np.abs(finite).max()):g}: x and y "
                         "must be normalised to the image, 0..1")
    vis = lm[:, :, 3]
    vis = vis[np.isfinite(vis)]
    if vis.size and (float(vis.min()) < 0.0 or float(vis.max()) > 1.0):
        raise InputError(f"{path}: visibility runs {float(vis.min()):g} to "
                         f"{float(vis.max()):g}: it must be 0..1")


def load_pose_npz(path: str | Path) -> PoseStream:
    """Read a pose stream; raise InputError naming the file and what is wrong with it."""
    path = Path(path)
    try:
        with open_regular(path, "pose file", MAX_POSE_BYTES, InputError) as f:
            _count_entries(path, f)
            with zipfile.ZipFile(f) as zf:
                t, lm, width, height = _read_pose(path, zf)
    except InputError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, ValueError, OSError, EOFError,
            KeyError, NotImplementedError, RuntimeError) as exc:
        raise InputError(f"{path}: not a readable .npz pose file ({_one_line(exc)})") from None
    check_times(path, t, POSE_RATE)
    check_landmarks(path, lm, width, height)
    return PoseStream(t, lm.astype(np.float32, copy=False), width, height)


def _read_pose(path: Path, zf: zipfile.ZipFile) -> tuple[np.ndarray, np.ndarray, int, int]:
    """The four arrays of a pose file, each checked from its header before it is read."""
    headers = _read_headers(path, zf, ("t", "landmarks", "width", "height"))
    _check_layout(path, headers)
    t = np.asarray(_read_array(zf, "t"), dtype=np.float64)
    lm = _read_array(zf, "landmarks")
    width = _image_side(path, "width", _read_array(zf, "width"))
    height = _image_side(path, "height", _read_array(zf, "height"))
    return t, lm, width, height


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def save_tension_csv(path: str | Path, stream: TensionStream) -> None:
    """Write a tension stream as CSV with header `t,force_n`."""
    buf = io.StringIO()
    buf.write("t,force_n\n")
    for ti, fi in zip(stream.t.tolist(), stream.force_n.tolist(), strict=True):
        buf.write(f"{ti:.6f},{fi:.3f}\n")
    Path(path).write_text(buf.getvalue(), encoding="utf-8")


def load_tension_csv(path: str | Path) -> TensionStream:
    """Read a tension CSV; raise InputError naming the file, line and problem."""
    path = Path(path)
    text = read_regular_text(path, "tension file", MAX_TENSION_BYTES, InputError)
    return parse_tension_csv(path, io.StringIO(text, newline=""))


def parse_tension_csv(path: Path, lines: IO[str]) -> TensionStream:
    """The rows of a tension CSV (`path` names it in errors)."""
    rows = csv.reader(lines)
    try:
        header = next(rows, None)
        if header is None or [h.strip() for h in header] != TENSION_HEADER:
            shown = ",".join(header or [])[:60]
            raise InputError(f"{path}: header is {shown!r}, expected 't,force_n'")
        t: list[float] = []
        f: list[float] = []
        for line_no, row in enumerate(rows, start=2):
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) != 2:
                raise InputError(f"{path}: line {line_no} has {len(row)} fields, expected 2")
            if len(t) >= MAX_TENSION_SAMPLES:
                raise InputError(f"{path}: more than {MAX_TENSION_SAMPLES:,} samples (nearly "
                                 "14 hours at 80 a second)")
            try:
                ti, fi = float(row[0]), float(row[1])
            except ValueError:
                raise InputError(f"{path}: line {line_no} is not two numbers: "
                                 f"{','.join(row)[:60]!r}") from None
            for column, value in (("t", ti), ("force_n", fi)):
                if not math.isfinite(value):
                    raise InputError(f"{path}: line {line_no}: {column} is {value!r}, not a "
                                     "finite number")
            if t and ti < t[-1]:
                raise InputError(f"{path}: line {line_no}: 't' goes backwards ({t[-1]!r} "
                                 f"then {ti!r})")
            t.append(ti)
            f.append(fi)
    except csv.Error as exc:
        raise InputError(f"{path}: not a CSV file ({exc})") from None
    if not t:
        raise InputError(f"{path}: the tension file holds no samples")
    ta = np.array(t, dtype=np.float64)
    fa = np.array(f, dtype=np.float64)
    if float(np.abs(fa).max()) > MAX_FORCE_N:
        raise InputError(f"{path}: force_n reaches {float(np.abs(fa).max()):g} N, past any "
                         f"band (at most {MAX_FORCE_N:g} N): newtons expected")
    check_times(path, ta, TENSION_RATE)
    return TensionStream(ta, fa)


def check_same_clock(pose: PoseStream, tension: TensionStream, tension_path: str | Path
                     ) -> None:
    """The tension's times overlap the pose stream's (they share one clock); else
    InputError: a tension beside the pose, never read, would leave the camera alone."""
    p0, p1 = float(pose.t[0]), float(pose.t[-1])
    t0, t1 = float(tension.t[0]), float(tension.t[-1])
    if t1 < p0 or t0 > p1:
        raise InputError(f"{tension_path}: its times {t0:g} to {t1:g} s do not overlap the "
                         f"pose stream's {p0:g} to {p1:g} s: both must be seconds on one clock")
