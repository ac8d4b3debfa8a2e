"""Recorded streams on disk (the contract formats of docs/formats.md).

- Pose stream: `.npz` with `t` (float64 [N]), `landmarks` (float32 [N,33,4]), `width`,
  `height`; frames with no person have NaN landmarks.
- Tension stream: CSV with header `t,force_n`.

Readers check everything and raise InputError with one line naming the file and the problem.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import numpy as np

from station.domain import NUM_LANDMARKS, PoseStream, TensionStream
from station.errors import InputError

TENSION_HEADER = ["t", "force_n"]


def save_pose_npz(path: str | Path, stream: PoseStream) -> None:
    """Write a pose stream in the `.npz` layout of docs/formats.md."""
    np.savez_compressed(
        path,
        t=np.asarray(stream.t, dtype=np.float64),
        landmarks=np.asarray(stream.landmarks, dtype=np.float32),
        width=np.int64(stream.width),
        height=np.int64(stream.height),
    )


def _check_times(path: Path, t: np.ndarray) -> None:
    if not np.isfinite(t).all():
        raise InputError(f"{path}: 't' has non-finite times")
    if len(t) > 1 and (np.diff(t) < 0).any():
        i = int(np.argmax(np.diff(t) < 0)) + 1
        raise InputError(f"{path}: 't' goes backwards at sample {i} ({t[i - 1]} then {t[i]})")


def load_pose_npz(path: str | Path) -> PoseStream:
    """Read a pose stream; raise InputError naming the file and what is wrong with it."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: pose file not found")
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in ("t", "landmarks", "width", "height") if k not in data.files]
            if missing:
                raise InputError(f"{path}: pose file lacks {', '.join(missing)} "
                                 "(needs t, landmarks, width, height)")
            t = np.asarray(data["t"], dtype=np.float64)
            lm = np.asarray(data["landmarks"])
            width, height = data["width"], data["height"]
    except InputError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as exc:
        raise InputError(f"{path}: not a readable .npz pose file ({exc})") from None
    if t.ndim != 1:
        raise InputError(f"{path}: 't' has shape {t.shape}, expected [N]")
    if lm.ndim != 3 or lm.shape[1:] != (NUM_LANDMARKS, 4) or lm.shape[0] != len(t):
        raise InputError(f"{path}: 'landmarks' has shape {lm.shape}, "
                         f"expected [{len(t)}, {NUM_LANDMARKS}, 4]")
    if not np.issubdtype(lm.dtype, np.floating):
        raise InputError(f"{path}: 'landmarks' has dtype {lm.dtype}, expected float32")
    try:
        width, height = int(width), int(height)
    except (TypeError, ValueError):
        raise InputError(f"{path}: 'width' and 'height' must be integers") from None
    if width <= 0 or height <= 0:
        raise InputError(f"{path}: image size {width}x{height} is not positive")
    _check_times(path, t)
    return PoseStream(t, lm.astype(np.float32, copy=False), width, height)


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
    if not path.is_file():
        raise InputError(f"{path}: tension file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read tension file ({exc})") from None
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if header is None or [h.strip() for h in header] != TENSION_HEADER:
        raise InputError(f"{path}: header is {','.join(header or [])!r}, expected 't,force_n'")
    t: list[float] = []
    f: list[float] = []
    for line_no, row in enumerate(rows, start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != 2:
            raise InputError(f"{path}: line {line_no} has {len(row)} fields, expected 2")
        try:
            t.append(float(row[0]))
            f.append(float(row[1]))
        except ValueError:
            raise InputError(f"{path}: line {line_no} is not two numbers: {','.join(row)!r}") \
                from None
    ta = np.array(t, dtype=np.float64)
    fa = np.array(f, dtype=np.float64)
    if not np.isfinite(fa).all():
        raise InputError(f"{path}: force_n has non-finite values")
    _check_times(path, ta)
    return TensionStream(ta, fa)
