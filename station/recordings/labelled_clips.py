"""Labelled real footage: the sets of whole reps built from `clips2/` as its labels say.

Most clips in `../shared/data/clips2/` hold one pull or one lowering, so `labels.json` says
per clip how a set of whole reps is made from it (`construction`). This module reads those
sentences, builds the set's frames in the constructed order, and finds the pose in them with
the station's own `PoseEstimator` in tracking mode, as `station replay` does (each frame timed
at its place in the set over the file's frame rate). Pose results are cached outside the
repository, keyed by the video's hash, the construction and the code that makes them.

The construction sentences, read literally:

- `rotate at frame R (stand A-B)`: frames R..end then 0..R-1, so the set starts and ends in
  the stand A-B that frame R lies in.
- `frames A-B reversed then forward`: B down to A, then A+1 up to B (a half rep made whole;
  the turning frame is not shown twice).
- `frames A-B as filmed`, `the whole clip as filmed`: those frames in order.
- `pillarbox crop x A-B`: columns A..B-1 of every frame (a portrait clip in a landscape file).
- `L lead-in and M lead-out standing frames (ping-pong)`: the set's own first (last) frames
  played back and forth, L before the set and M after it. They bounce within the standing
  frames at that end: the part of the stand A-B on that side of R where a rotation names
  it, otherwise the end's first third of a second (the clips' lockouts all last longer).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from station.config import PoseConfig
from station.domain import PoseStream
from station.errors import InputError

# Bump when the way a set is built or timed changes: cached pose streams are then remade.
CONSTRUCTION_VERSION = 1


@dataclass(frozen=True)
class Construction:
    """How a set is made from a clip (`labels.json`'s `construction`, parsed).

    `order`: "rotate", "bounce" (reversed then forward) or "filmed". `first`, `last`: the
    frames used (inclusive; None for the whole clip). `rotate_at`: the rotation's frame.
    `stand`: the standing frames the rotation lies in (inclusive). `crop_x`: the columns
    kept (start inclusive, end exclusive). `lead_in`, `lead_out`: standing frames added.
    """

    order: str
    first: int | None = None
    last: int | None = None
    rotate_at: int | None = None
    stand: tuple[int, int] | None = None
    crop_x: tuple[int, int] | None = None
    lead_in: int = 0
    lead_out: int = 0


@dataclass(frozen=True)
class ClipLabel:
    """What was seen by eye in one clip, and how its set is built.

    `view`: "side", "oblique" or "front" (the label's words, first one); `view_deg`: the
    camera's angle off side-on where the label gives one (0 for a side view, 90 front).
    `expected`: the verdict a hinge coach should give: "pass", "fail" or "unclear".
    """

    name: str
    video: Path
    reps: int
    facing: str
    view: str
    view_deg: float
    view_text: str
    expected: str
    expected_faults: tuple[str, ...]
    construction: Construction | None
    construction_text: str
    landmarks: Path | None = None  # saved pose for the clip as filmed (clips/), if any
    partial: int = 0  # reps seen only in part (the clip starts or ends mid-rep)
    # The faults the label speaks to (present or absent); the others it cannot say.
    labelled_faults: tuple[str, ...] = ("hips_stopped", "knee_bend", "stick_contact", "shallow")


_ROTATE = re.compile(r"rotate at frame (\d+)\s*\(stand (\d+)-(\d+)\)")
_BOUNCE = re.compile(r"frames (\d+)-(\d+) reversed then forward")
_FILMED = re.compile(r"frames (\d+)-(\d+) as filmed")
_WHOLE = re.compile(r"the whole clip as filmed")
_CROP = re.compile(r"pillarbox crop x (\d+)-(\d+)")
_LEADS = re.compile(r"(\d+) lead-in and (\d+) lead-out standing frames")
_DEG = re.compile(r"~\s*(\d+(?:\.\d+)?)\s*deg")


def parse_construction(text: str, where: str = "construction") -> Construction:
    """Read one `construction` sentence; InputError naming `where` if it says nothing known."""
    crop = _CROP.search(text)
    leads = _LEADS.search(text)
    common = {
        "crop_x": (int(crop.group(1)), int(crop.group(2))) if crop else None,
        "lead_in": int(leads.group(1)) if leads else 0,
        "lead_out": int(leads.group(2)) if leads else 0,
    }
    if m := _ROTATE.search(text):
        r, a, b = (int(g) for g in m.groups())
        if not a <= r <= b:
            raise InputError(f"{where}: rotate at frame {r} lies outside its stand {a}-{b}")
        return Construction("rotate", rotate_at=r, stand=(a, b), **common)
    if m := _BOUNCE.search(text):
        a, b = int(m.group(1)), int(m.group(2))
        return Construction("bounce", first=a, last=b, **common)
    if m := _FILMED.search(text):
        a, b = int(m.group(1)), int(m.group(2))
        return Construction("filmed", first=a, last=b, **common)
    if _WHOLE.search(text):
        return Construction("filmed", **common)
    raise InputError(f"{where}: {text!r} says neither 'rotate at frame R (stand A-B)', "
                     "'frames A-B reversed then forward', 'frames A-B as filmed' nor "
                     "'the whole clip as filmed'")


def _bounce(j: int, span: int) -> int:
    """Position j steps away from an end, bouncing within `span` frames (0..span-1)."""
    if span < 2:
        return 0
    period = 2 * (span - 1)
    k = j % period
    return k if k < span else period - k


def frame_order(c: Construction, n_frames: int, fps: float, where: str = "clip") -> list[int]:
    """The clip's frame numbers in the order the set shows them, leads included."""
    last = n_frames - 1
    lo = 0 if c.first is None else c.first
    hi = last if c.last is None else c.last
    for frame in (lo, hi, c.rotate_at, *(c.stand or ())):
        if frame is not None and not 0 <= frame <= last:
            raise InputError(f"{where}: frame {frame} is past the clip's end ({n_frames} "
                             "frames decoded)")
    start_span = end_span = max(2, round(fps / 3.0))
    if c.order == "rotate":
        assert c.rotate_at is not None and c.stand is not None
        body = list(range(c.rotate_at, n_frames)) + list(range(0, c.rotate_at))
        start_span = c.stand[1] - c.rotate_at + 1
        end_span = c.rotate_at - c.stand[0]
    elif c.order == "bounce":
        body = list(range(hi, lo - 1, -1)) + list(range(lo + 1, hi + 1))
    else:
        body = list(range(lo, hi + 1))
    start_span = max(1, min(start_span, len(body)))
    end_span = max(1, min(end_span, len(body)))
    lead_in = [body[_bounce(j, start_span)] for j in range(c.lead_in, 0, -1)]
    lead_out = [body[-1 - _bounce(j, end_span)] for j in range(1, c.lead_out + 1)]
    return lead_in + body + lead_out


def _view_of(text: str) -> tuple[str, float]:
    """The camera's view in a label ("side (athlete small...)", "oblique (~45 deg)") and its
    angle off side-on in degrees (a side view 0, a front view 90, an oblique as stated)."""
    head = text.strip().split()[0].lower() if text.strip() else ""
    if head.startswith("side"):
        return "side", 0.0
    if head.startswith("front"):
        return "front", 90.0
    if head.startswith("oblique"):
        m = _DEG.search(text)
        return "oblique", float(m.group(1)) if m else 45.0
    return head or "unknown", math.nan


def load_labels(path: str | Path) -> list[ClipLabel]:
    """Every clip in a `labels.json` (videos beside it), in the file's order."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: labels file not found")
    try:
        raw = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not JSON ({exc})") from None
    if not isinstance(raw, dict):
        raise InputError(f"{path}: expected an object of clips by file name")
    labels = []
    for video, entry in raw.items():
        where = f"{path}: {video}"
        try:
            view, deg = _view_of(str(entry["view"]))
            labels.append(ClipLabel(
                name=Path(video).stem, video=path.parent / video, reps=int(entry["reps"]),
                facing=str(entry["facing"]), view=view, view_deg=deg,
                view_text=str(entry["view"]), expected=str(entry["expected"]),
                expected_faults=tuple(str(f) for f in entry.get("expected_faults", [])),
                construction=parse_construction(str(entry["construction"]),
                                                f"{where}: construction"),
                construction_text=str(entry["construction"])))
        except KeyError as exc:
            raise InputError(f"{where}: lacks key {exc.args[0]!r}") from None
        except (TypeError, ValueError) as exc:
            raise InputError(f"{where}: {exc}") from None
    return labels


# The side-view clips of `clips/` with saved landmarks, labelled from SOURCES.md (the source's
# own fault labels for the kettlebell clips) and from watching them (tests/coach/
# test_coach_clips.py): kettlebell and barbell deadlifts from the floor bend the knees 75-125
# degrees, far past a hinge's 15-30, so `fail` with knee_bend is their right verdict. The
# kettlebell clips' labels are the source's style classes: they say whether the back rounds
# and whether the knees lead (a squat: hips_stopped), not whether the hips stopped in the
# others, so those are scored on knee_bend and stick_contact alone.
_SIDE_CLIPS = {
    "kb_deadlift_0016c_side": (10, 0, "left", "fail", ("knee_bend",),
                               "kettlebell deadlift, source label 'correct'"),
    "kb_deadlift_0016h_side": (10, 0, "left", "fail", ("knee_bend",),
                               "kettlebell deadlift, source label 'hip_first'"),
    "kb_deadlift_0016k_side": (10, 0, "left", "fail", ("hips_stopped", "knee_bend"),
                               "kettlebell deadlift, source label 'knee_first' (a squat)"),
    "kb_deadlift_0016r_side": (10, 0, "left", "fail", ("knee_bend", "stick_contact"),
                               "kettlebell deadlift, source label 'rounded_back'"),
    "deadlift_nico_unblocked": (1, 0, "right", "fail", ("knee_bend",),
                                "standing, down to the bar, up to standing"),
    "deadlift_good": (0, 1, "right", "unclear", (),
                      "bottom to standing only: the way up of one rep"),
    "deadlift_bad": (0, 0, "right", "unclear", (),
                     "the way up of one pull, from the bottom to nearly upright, then lost: "
                     "neither its start nor a stand seen, not a clear rep"),
    "deadlift_rdl": (0, 0, "right", "unclear", (),
                     "held forward the whole clip, rising part way: no rep"),
}


def side_clips(folder: str | Path) -> list[ClipLabel]:
    """The labelled side-view clips of `clips/` that have saved landmarks."""
    folder = Path(folder)
    labels = []
    for name, (reps, partial, facing, expected, faults, what) in _SIDE_CLIPS.items():
        scored = (("knee_bend", "stick_contact") if name.startswith("kb_") and
                  "hips_stopped" not in faults else ClipLabel.labelled_faults)
        saved = folder / f"{name}.mediapipe-0.10.18-full.npz"
        if not saved.is_file():
            raise InputError(f"{saved}: saved landmarks not found")
        labels.append(ClipLabel(
            name=name, video=folder / f"{name}.mp4", reps=reps, facing=facing, view="side",
            view_deg=0.0, view_text=f"side ({what})", expected=expected,
            expected_faults=faults, construction=None, construction_text="as filmed",
            landmarks=saved, partial=partial, labelled_faults=scored))
    return labels


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_dir() -> Path:
    """Where built sets' pose streams are kept: $HINGE_STATION_CACHE, else
    $XDG_CACHE_HOME/hinge-station, else ~/.cache/hinge-station (never in the repository)."""
    if os.environ.get("HINGE_STATION_CACHE"):
        return Path(os.environ["HINGE_STATION_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hinge-station"


def _code_key(pose: PoseConfig) -> str:
    """What the cached pose depends on besides the video: the construction's version, the
    estimator's source, mediapipe's version and the pose settings."""
    import mediapipe

    from station.pose import estimator

    source = Path(estimator.__file__).read_bytes()
    parts = [str(CONSTRUCTION_VERSION), hashlib.sha256(source).hexdigest(),
             getattr(mediapipe, "__version__", "?"), json.dumps(asdict(pose), sort_keys=True)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _decode(video: Path, crop_x: tuple[int, int] | None, store: Path
            ) -> tuple[np.ndarray, float]:
    """Every frame of the clip (RGB, cropped) in a memory map on disk (a 1080p clip of a few
    hundred frames would not fit in memory), and the file's frame rate. Frames are counted
    as decoded: some files' headers promise more than they hold."""
    from station.hardware.camera import OpenCVSource

    shape: tuple[int, ...] | None = None
    n = 0
    with OpenCVSource(video) as source, store.open("wb") as out:
        fps = source.fps
        width = source.width
        if crop_x is not None and not 0 <= crop_x[0] < crop_x[1] <= width:
            raise InputError(f"{video}: pillarbox crop x {crop_x[0]}-{crop_x[1]} is outside "
                             f"the frame (width {width})")
        lo, hi = crop_x if crop_x is not None else (0, width)
        while (frame := source.read()) is not None:
            image = np.ascontiguousarray(frame.image[:, lo:hi])
            shape = image.shape
            out.write(image.tobytes())
            n += 1
    if shape is None:
        raise InputError(f"{video}: no frames could be decoded from this video")
    return np.memmap(store, dtype=np.uint8, mode="r", shape=(n, *shape)), fps


def build_set(label: ClipLabel, pose: PoseConfig | None = None) -> PoseStream:
    """Pose on the set `label.construction` makes of `label.video` (no cache)."""
    from station.pose.estimator import PoseEstimator

    if label.construction is None:
        raise InputError(f"{label.video}: no construction to build a set by")
    if not label.video.is_file():
        raise InputError(f"{label.video}: video file not found")
    with tempfile.TemporaryDirectory(prefix="hinge-clip-") as tmp:
        images, fps = _decode(label.video, label.construction.crop_x, Path(tmp) / "frames")
        order = frame_order(label.construction, len(images), fps, str(label.video))
        if not order:
            raise InputError(f"{label.video}: the construction leaves no frames")
        height, width = images.shape[1:3]
        with PoseEstimator(pose or PoseConfig()) as estimator:
            frames = [estimator.process(np.array(images[i]), k / fps)
                      for k, i in enumerate(order)]
        del images
    return PoseStream.from_frames(frames, width, height)


def labelled_set(label: ClipLabel, pose: PoseConfig | None = None,
                 cache: Path | None = None) -> PoseStream:
    """The set's pose stream: its saved landmarks where the clip has them, else from the
    cache when it is there (built and cached if not)."""
    from station.recordings.formats import load_pose_npz, save_pose_npz

    if label.landmarks is not None:
        return load_pose_npz(label.landmarks)
    pose = pose or PoseConfig()
    if not label.video.is_file():
        raise InputError(f"{label.video}: video file not found")
    key = hashlib.sha256("\n".join([
        _file_hash(label.video), label.construction_text, _code_key(pose)]).encode()
    ).hexdigest()[:20]
    folder = (cache or cache_dir()) / "labelled-sets"
    path = folder / f"{label.name}-{key}.npz"
    if path.is_file():
        return load_pose_npz(path)
    stream = build_set(label, pose)
    folder.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp.npz")
    save_pose_npz(partial, stream)
    partial.replace(path)  # whole or not at all: a run stopped midway leaves no bad cache
    return stream
