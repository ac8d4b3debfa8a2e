"""What the fuzzing suite feeds the station, and the one property every input must keep.

Each `Target` is one kind of file the station reads: the settings (TOML), a pose stream
(.npz), a band tension stream (CSV), the load-cell calibration (JSON), a video and the
coach's roster (CSV). Its
strategy makes the file's bytes: anything at all, something shaped like the real thing, and
the real thing damaged. Its `check` runs the command that reads such a file and holds it to
the property of issue 23:

- a report (exit 0), or one clear line, `station: error: ...`, and exit 2: never a traceback;
- never a hang: each run has a time limit (and what it reads is bounded by the readers);
- never a change to the input file.

The test suite runs a short, derandomized budget of each (tests/fuzz/test_fuzz.py) and replays
every input kept in tests/fuzz/corpus/; `python -m bench.fuzz` runs long ones and keeps each
failing input it finds there.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import resource
import signal
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from hypothesis import strategies as st

from station.cli import main
from station.config import COACH_INTERNALS, Config, load_config
from station.recordings.formats import save_pose_npz, save_tension_csv
from station.sim.session import simulate_set
from station.tension.calibration import Calibration, load_calibration

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).resolve().parent / "corpus"
CLIP = REPO.parent / "shared" / "data" / "clips" / "deadlift_bad.mp4"
TIME_LIMIT_S = 30.0  # far past any run on a small input: a run this long is a hang


# -- running a command and judging what it did ------------------------------------------------

class Hang(BaseException):
    """The time limit ran out: the command hangs (or reads without end)."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise Hang in the main thread if the block runs longer than `seconds`."""
    def expire(signum: int, frame: object) -> None:
        raise Hang(f"still running after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass(frozen=True)
class Outcome:
    """What a command did: its exit status and what it printed."""

    code: int
    out: str
    err: str


def run_station(*argv: str, stdin: str = "") -> Outcome:
    """`station ARGV` in this process, its output captured, within the time limit."""
    out, err = io.StringIO(), io.StringIO()
    saved_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with time_limit(TIME_LIMIT_S), contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(err):
            code = main(list(argv))
    finally:
        sys.stdin = saved_stdin
    return Outcome(code, out.getvalue(), err.getvalue())


def run_station_process(*argv: str, memory_gb: float = 3.0) -> Outcome:
    """`station ARGV` in a process of its own (for inputs that reach native decoders, where
    a crash would take this process with it), under a memory limit and the time limit."""
    def limit() -> None:
        size = int(memory_gb * (1 << 30))
        resource.setrlimit(resource.RLIMIT_AS, (size, size))

    try:
        done = subprocess.run([sys.executable, "-m", "station.cli", *argv], cwd=REPO,
                              capture_output=True, text=True, timeout=TIME_LIMIT_S * 2,
                              preexec_fn=limit, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise Hang(f"still running after {TIME_LIMIT_S * 2:g} s") from None
    return Outcome(done.returncode, done.stdout, done.stderr)


def assert_report_or_one_line(outcome: Outcome, json_report: bool = True,
                              other_codes: tuple[int, ...] = ()) -> None:
    """The property's first half: a report and exit 0, or one error line and exit 2."""
    assert "Traceback" not in outcome.err, outcome.err[-2000:]
    if outcome.code == 0:
        if json_report:
            report = json.loads(outcome.out)
            assert set(report) >= {"reps", "buzzes", "summary", "side"}, report
        return
    if outcome.code in other_codes:
        return
    assert outcome.code == 2, (outcome.code, outcome.err[-2000:])
    errors = [line for line in outcome.err.splitlines() if line.startswith("station: error: ")]
    assert len(errors) == 1, outcome.err[-2000:]
    assert outcome.err.endswith(errors[0] + "\n"), outcome.err[-2000:]
    assert outcome.out == "", outcome.out[-2000:]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextlib.contextmanager
def unchanged(path: Path) -> Iterator[None]:
    """The property's second half: the input file is byte for byte what it was."""
    before = digest(path), path.stat().st_mtime_ns
    yield
    assert (digest(path), path.stat().st_mtime_ns) == before, f"{path} was changed"


# -- the inputs every target shares -------------------------------------------------------------

@cache
def _sim():
    return simulate_set(3, 3)


@cache
def good_pose_bytes() -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(buf, t=_sim().pose.t, landmarks=_sim().pose.landmarks,
                        width=np.int64(_sim().pose.width), height=np.int64(_sim().pose.height))
    return buf.getvalue()


@cache
def good_tension_text() -> str:
    out = io.StringIO()
    out.write("t,force_n\n")
    for t, f in zip(_sim().tension.t.tolist(), _sim().tension.force_n.tolist(), strict=True):
        out.write(f"{t:.6f},{f:.3f}\n")
    return out.getvalue()


def pose_file(scratch: Path) -> Path:
    """A good pose stream (a simulated set of three reps) for the targets that need one."""
    path = scratch / "good-pose.npz"
    if not path.exists():
        save_pose_npz(path, _sim().pose)
    return path


def tension_file(scratch: Path) -> Path:
    path = scratch / "good-tension.csv"
    if not path.exists():
        save_tension_csv(path, _sim().tension)
    return path


def _mutated(base: bytes) -> st.SearchStrategy[bytes]:
    """`base` with a few bytes flipped, cut or inserted."""
    def apply(edits: list[tuple[int, int, int]]) -> bytes:
        data = bytearray(base)
        for kind, where, value in edits:
            if not data:
                break
            i = where % len(data)
            if kind == 0:
                data[i] = value
            elif kind == 1:
                del data[i:i + value + 1]
            else:
                data[i:i] = bytes([value]) * (value % 7 + 1)
        return bytes(data)

    return st.lists(st.tuples(st.integers(0, 2), st.integers(0, 1 << 30), st.integers(0, 255)),
                    min_size=1, max_size=6).map(apply)


_TEXT = st.characters(blacklist_categories=("Cs",))  # anything that encodes as UTF-8
_FLOATS = st.one_of(st.floats(), st.sampled_from([0.0, -0.0, 1e-300, 1e300, 1e308, 5e-324,
                                                   float("nan"), float("inf"),
                                                   -float("inf")]))
_SPECIAL = st.sampled_from([float("nan"), float("inf"), -float("inf"), 1e308, -1e308, 10**400,
                           -(10**400), 2**63, 0, -1])
_INTS = st.one_of(st.integers(-100, 3000), st.integers(), st.sampled_from([2**63, -2**63 - 1,
                                                                           10**400]))


# -- the settings -------------------------------------------------------------------------------

def _sections() -> dict[str, list[str]]:
    import dataclasses

    out = {}
    for f in dataclasses.fields(Config):
        if f.name != "source":
            out[f.name] = [k.name for k in dataclasses.fields(_section_class(f))]
    return out


def _section_class(f) -> type:
    """The dataclass of a section of the settings ([mqtt], optional, names it aside)."""
    return f.metadata.get("section") or f.default_factory


SECTIONS = _sections()
KEYS = sorted({k for keys in SECTIONS.values() for k in keys} | set(COACH_INTERNALS))
_BARE = st.text("abcdefghijklmnopqrstuvwxyz_0123456789-", min_size=1, max_size=12)


def toml_value(value: object) -> str:
    """A Python value as TOML (floats keep nan and inf, strings are JSON-quoted)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}"
                               for k, v in value.items()) + "}"
    raise TypeError(value)


def toml_document(doc: dict[str, dict[str, object]]) -> bytes:
    lines = []
    for section, table in doc.items():
        lines.append(f"[{json.dumps(section, ensure_ascii=False)}]")
        lines += [f"{json.dumps(k, ensure_ascii=False)} = {toml_value(v)}"
                  for k, v in table.items()]
    return ("\n".join(lines) + "\n").encode("utf-8")


_LEAVES = st.one_of(_FLOATS, _INTS, st.booleans(), st.text(_TEXT, max_size=30))
_VALUES = st.recursive(_LEAVES, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(_BARE, inner, max_size=2)), max_leaves=6)


@st.composite
def _near_default(draw) -> bytes:
    """The shipped settings with a few values set to anything: the likeliest way in."""
    doc: dict[str, dict[str, object]] = {}
    for _ in range(draw(st.sampled_from([1, 1, 1, 2, 3]))):  # one bad value hides no other
        section = draw(st.sampled_from(sorted(SECTIONS)))
        key = draw(st.sampled_from(SECTIONS[section]))
        doc.setdefault(section, {})[key] = draw(st.one_of(_SPECIAL, _FLOATS, _INTS, _VALUES))
    return toml_document(doc)


@st.composite
def _in_range(draw) -> bytes:
    """Settings whose values each lie in their key's range (the extremes most of all): they
    load unless they break a relation, and the coach then runs at its limits."""
    import dataclasses

    doc: dict[str, dict[str, object]] = {}
    for _ in range(draw(st.integers(1, 6))):
        section = draw(st.sampled_from(["coach", "coach", "kiosk", "tension"]))
        cls = {f.name: _section_class(f) for f in dataclasses.fields(Config)
               if f.name != "source"}[section]
        fields = [f for f in dataclasses.fields(cls) if f.metadata.get("lo") is not None]
        f = draw(st.sampled_from(fields))
        lo, hi = f.metadata["lo"], f.metadata["hi"]
        if f.type in ("int", int):
            value: object = draw(st.one_of(st.sampled_from([lo, hi]), st.integers(lo, hi)))
        else:
            value = draw(st.one_of(st.sampled_from([float(lo), float(hi)]),
                                   st.floats(float(lo), float(hi))))
        doc.setdefault(section, {})[f.name] = value
    return toml_document(doc)


def _shipped_edited() -> st.SearchStrategy[bytes]:
    lines = (REPO / "config" / "station.toml").read_text().splitlines()

    def edit(changes: list[tuple[int, str]]) -> bytes:
        out = list(lines)
        for at, text in changes:
            out[at % len(out)] = text
        return ("\n".join(out) + "\n").encode("utf-8")

    return st.lists(st.tuples(st.integers(0, 10_000), st.text(_TEXT, max_size=40)),
                    min_size=1, max_size=3).map(edit)


CONFIG_FILES = st.one_of(
    _in_range(),
    _in_range(),
    _near_default(),
    _near_default(),
    _near_default(),
    st.dictionaries(st.one_of(st.sampled_from(sorted(SECTIONS)), _BARE,
                              st.text(_TEXT, min_size=1, max_size=8)),
                    st.dictionaries(st.one_of(st.sampled_from(KEYS), _BARE,
                                              st.text(_TEXT, min_size=1, max_size=8)),
                                    _VALUES, max_size=5), max_size=3).map(toml_document),
    _shipped_edited(),
    st.text(_TEXT, max_size=300).map(lambda s: s.encode("utf-8")),
    st.binary(max_size=300),
)


def check_config(path: Path, scratch: Path) -> None:
    """`station analyze` on a good pose stream with these settings."""
    with unchanged(path):
        outcome = run_station("analyze", str(pose_file(scratch)), "--json", "--config",
                              str(path))
    assert_report_or_one_line(outcome)
    if outcome.code == 0:  # what loaded is finite and keeps every relation
        config = load_config(path)
        from station.config import RELATIONS

        assert all(r.holds(config) for r in RELATIONS)
        for section in SECTIONS:
            part = getattr(config, section)
            for value in (vars(part) if part is not None else {}).values():
                assert not isinstance(value, float) or math.isfinite(value), value


# -- the pose stream ----------------------------------------------------------------------------

_DTYPES = st.sampled_from(["float32", "float64", "float16", "int32", "int64", "uint8", "bool",
                           "complex64", "object"])


@st.composite
def _pose_arrays(draw) -> bytes:
    """A pose file's four arrays, each perhaps of the wrong shape, type, unit or value."""
    sim = _sim().pose
    n = draw(st.integers(0, 240))
    t = sim.t[:n] * draw(st.sampled_from([1.0, 1.0, 1.0, 1e3, 1e6, 1e9, 0.0, -1.0, 1e-6]))
    t = t + draw(st.sampled_from([0.0, 0.0, 1e6, -50.0, 1e300]))
    lm = sim.landmarks[:n].copy()
    scale = draw(st.sampled_from([1.0, 1.0, 1.0, 640.0, 1e6, -1.0, 0.0]))
    lm[:, :, :2] *= scale
    for frame, point, coord, value in draw(st.lists(st.tuples(
            st.integers(0, 1 << 20), st.integers(0, 32), st.integers(0, 3), _FLOATS),
            max_size=8)):
        if n:
            with np.errstate(all="ignore"):  # a float64 past float32's range: inf, as meant
                lm[frame % n, point, coord] = value
    arrays: dict[str, object] = {"t": t, "landmarks": lm, "width": np.int64(sim.width),
                                 "height": np.int64(sim.height)}
    if draw(st.booleans()):  # one array reshaped, retyped or replaced
        key = draw(st.sampled_from(["t", "landmarks", "width", "height"]))
        choice = draw(st.integers(0, 4))
        value = np.asarray(arrays[key])
        if choice == 0:
            arrays.pop(key)
        elif choice == 1:
            arrays[key] = value.reshape(-1)[:draw(st.integers(0, 50))]
        elif choice == 2:
            dtype = draw(_DTYPES)
            with np.errstate(all="ignore"):
                arrays[key] = value.astype(dtype) if dtype != "object" else \
                    np.array(value.tolist(), dtype=object)
        elif choice == 3:
            arrays[key] = draw(st.one_of(_INTS, _FLOATS).map(np.asarray))
        else:
            arrays[key] = np.zeros(draw(st.lists(st.integers(0, 5), max_size=4)))
    if draw(st.booleans()):
        arrays[draw(_BARE)] = np.zeros(3)
    buf = io.BytesIO()
    save = np.savez_compressed if draw(st.booleans()) else np.savez
    save(buf, **arrays)
    return buf.getvalue()


@st.composite
def _plausible_pose(draw) -> bytes:
    """A good stream with some landmarks moved, lost (NaN) or made unsure: the coach's
    ground, where a crash would hide."""
    sim = _sim().pose
    n = draw(st.integers(1, len(sim.t)))
    start = draw(st.integers(0, len(sim.t) - n))
    lm = sim.landmarks[start:start + n].copy()
    values = st.one_of(st.floats(-2.0, 3.0), st.just(float("nan")), st.floats(0.0, 1.0))
    for frame, point, coord, value in draw(st.lists(st.tuples(
            st.integers(0, n - 1), st.integers(0, 32), st.integers(0, 3), values),
            max_size=40)):
        lm[frame, point, coord] = value if coord != 3 else abs(value) % 1.0
    if draw(st.booleans()):  # whole frames lost, or frozen
        a = draw(st.integers(0, n - 1))
        b = draw(st.integers(a, n))
        lm[a:b] = np.nan if draw(st.booleans()) else lm[a]
    t = sim.t[start:start + n] - (sim.t[start] if draw(st.booleans()) else 0.0)
    buf = io.BytesIO()
    np.savez_compressed(buf, t=t, landmarks=lm, width=np.int64(sim.width),
                        height=np.int64(sim.height))
    return buf.getvalue()


def _zip_of(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


POSE_FILES = st.one_of(
    _plausible_pose(),
    _plausible_pose(),
    _pose_arrays(),
    st.builds(good_pose_bytes).flatmap(_mutated),
    st.dictionaries(st.sampled_from(["t.npy", "landmarks.npy", "width.npy", "height.npy"]),
                    st.binary(max_size=200), max_size=4).map(_zip_of),
    st.binary(max_size=500),
)


def check_pose(path: Path, scratch: Path) -> None:
    """`station analyze` on this pose stream."""
    with unchanged(path):
        outcome = run_station("analyze", str(path), "--json")
    assert_report_or_one_line(outcome)


# -- the tension stream -------------------------------------------------------------------------

_CELLS = st.one_of(_FLOATS.map(repr), _INTS.map(str), st.text(_TEXT, max_size=8),
                   st.just(""), st.sampled_from(["nan", "inf", "1e999", "-0", "0x10", "1_0"]))


@st.composite
def _tension_text(draw) -> bytes:
    """The good CSV with its times rescaled or shifted, some lines replaced, perhaps cut."""
    lines = good_tension_text().splitlines()
    scale = draw(st.sampled_from([1.0, 1.0, 1000.0, 1e9, 0.0, -1.0]))
    shift = draw(st.sampled_from([0.0, 0.0, 5000.0, -3.0]))
    if scale != 1.0 or shift:
        lines = [lines[0]] + [f"{float(a) * scale + shift!r},{b}" for a, b in
                              (line.split(",") for line in lines[1:])]
    for at, cells in draw(st.lists(st.tuples(st.integers(0, 1 << 20),
                                             st.lists(_CELLS, max_size=4)), max_size=5)):
        lines[at % len(lines)] = ",".join(cells)
    keep = draw(st.integers(1, len(lines)))
    return ("\n".join(lines[:keep]) + "\n").encode("utf-8")


@st.composite
def _plausible_tension(draw) -> bytes:
    """The good CSV with some forces changed to other forces (a slack band, a spike, a
    pull past any band), cut at any line."""
    lines = good_tension_text().splitlines()
    for at, force in draw(st.lists(st.tuples(st.integers(1, len(lines) - 1),
                                             st.floats(-2000.0, 100_000.0)), max_size=30)):
        lines[at] = f"{lines[at].split(',')[0]},{force!r}"
    keep = draw(st.integers(2, len(lines)))
    return ("\n".join(lines[:keep]) + "\n").encode("utf-8")


TENSION_FILES = st.one_of(
    _plausible_tension(),
    _plausible_tension(),
    _tension_text(),
    st.lists(st.lists(_CELLS, max_size=3), max_size=40).map(
        lambda rows: ("t,force_n\n" + "\n".join(",".join(r) for r in rows)).encode("utf-8")),
    st.text(_TEXT, max_size=300).map(lambda s: s.encode("utf-8")),
    st.binary(max_size=300),
)


def check_tension(path: Path, scratch: Path) -> None:
    """`station analyze` on a good pose stream with this band tension."""
    with unchanged(path):
        outcome = run_station("analyze", str(pose_file(scratch)), "--tension", str(path),
                              "--json")
    assert_report_or_one_line(outcome)


# -- the calibration ----------------------------------------------------------------------------

_JSON = st.recursive(st.one_of(st.none(), st.booleans(), _FLOATS, _INTS,
                               st.text(_TEXT, max_size=20)),
                     lambda inner: st.one_of(st.lists(inner, max_size=3),
                                             st.dictionaries(st.text(_TEXT, max_size=8), inner,
                                                             max_size=3)), max_leaves=8)
_FIELDS = ["format", "version", "offset_counts", "newtons_per_count", "gain", "rate_sps",
           "known_mass_kg", "noise_n", "calibrated", "simulated", "made_at"]
_REAL = Calibration(offset_counts=12345.0, newtons_per_count=0.0014, gain=128, rate_sps=80,
                    known_mass_kg=20.0, noise_n=0.02, calibrated=True)


def _json_bytes(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


CALIBRATION_FILES = st.one_of(
    st.dictionaries(st.sampled_from(_FIELDS), _JSON, max_size=3).map(
        lambda changes: _json_bytes({**_REAL.to_dict(), **changes})),
    st.sampled_from(_FIELDS).map(lambda drop: _json_bytes(
        {k: v for k, v in _REAL.to_dict().items() if k != drop})),
    _JSON.map(_json_bytes),
    st.builds(lambda: _json_bytes(_REAL.to_dict())).flatmap(_mutated),
    st.integers(1, 100_000).map(lambda depth: b"[" * depth + b"]" * depth),
    st.binary(max_size=300),
)


def check_calibration(path: Path, scratch: Path) -> None:
    """What reads the calibration: the load cell's start (a calibration, or no calibration
    and one line saying why) and `station calibrate --simulate` beside it (refused in one line
    beside a real one; with no answers given, nothing saved)."""
    with unchanged(path):
        with time_limit(TIME_LIMIT_S):
            cal, warning = load_calibration(path, gain=128, rate_sps=80)
        assert isinstance(cal, Calibration)
        if warning is None:
            assert cal.calibrated and not cal.simulated
            assert all(math.isfinite(v) for v in (cal.offset_counts, cal.newtons_per_count,
                                                  cal.known_mass_kg, cal.noise_n))
            assert cal.newtons_per_count != 0
        else:
            assert "\n" not in warning and str(path) in warning and not cal.calibrated
        config = scratch / "calibration-station.toml"
        config.write_text(f"[tension]\ncalibration_file = {json.dumps(str(path))}\n")
        outcome = run_station("calibrate", "--simulate", "--seconds", "0.1", "--mass", "5",
                              "--config", str(config))
    assert_report_or_one_line(outcome, json_report=False, other_codes=(1,))
    if outcome.code == 1:
        assert "nothing saved" in outcome.out


# -- the video ------------------------------------------------------------------------------------

def _clip_bytes() -> bytes:
    return CLIP.read_bytes() if CLIP.is_file() else b""


@cache
def small_video_bytes() -> bytes:
    """Twelve frames of a real clip, 160x160, as an MP4 OpenCV wrote (about 20 KB): small
    enough that a damaged copy still reaches the decoder and the pose model."""
    import tempfile

    import cv2

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "small.mp4"
        source = cv2.VideoCapture(str(CLIP))
        writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), 30, (160, 160))
        for _ in range(12):
            ok, frame = source.read()
            if not ok:
                break
            writer.write(cv2.resize(frame, (160, 160)))
        writer.release()
        source.release()
        return out.read_bytes()


VIDEO_FILES = st.one_of(
    st.binary(max_size=2000),
    st.builds(small_video_bytes).flatmap(_mutated),
    st.builds(small_video_bytes).flatmap(lambda data: st.integers(0, len(data)).map(
        lambda n: data[:n])),
    st.integers(0, 30_000).map(lambda n: _clip_bytes()[:n]),
)


def check_video(path: Path, scratch: Path) -> None:
    """`station replay` on this video, in a process of its own (FFmpeg and MediaPipe are
    native code: a crash there is a finding, not the end of the suite)."""
    with unchanged(path):
        outcome = run_station_process("replay", str(path), "--json")
    assert outcome.code >= 0, f"killed by signal {-outcome.code}: {outcome.err[-2000:]}"
    assert_report_or_one_line(outcome)


# -- the roster -----------------------------------------------------------------------------------

_NAMES = st.one_of(st.sampled_from(["Sam Jones", "Alex Kim", "Priya Shah", "", " ", "a,b",
                                    '"quoted"', "x" * 41]), st.text(_TEXT, max_size=20))
_CARD_IDS = st.one_of(st.just(""), st.text("23456789ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=8,
                                            max_size=8), st.text(_TEXT, max_size=10))


@st.composite
def _roster_csv(draw) -> bytes:
    """A coach's roster: a header of the known columns (or not), and a few athletes."""
    header = draw(st.one_of(st.sampled_from(["name", "name,nickname", "name,nickname,card",
                                             "card,name", "Name", "nom", ""]),
                            st.text(_TEXT, max_size=15)))
    rows = draw(st.lists(st.tuples(_NAMES, _NAMES, _CARD_IDS), max_size=6))
    lines = [header] + [",".join(json.dumps(c) if draw(st.booleans()) else c for c in row)
                        for row in rows]
    bom = "\ufeff" if draw(st.booleans()) else ""
    return (bom + "\n".join(lines) + "\n").encode("utf-8")


ROSTER_FILES = st.one_of(
    _roster_csv(),
    _roster_csv(),
    st.text(_TEXT, max_size=200).map(lambda s: s.encode("utf-8")),
    st.binary(max_size=200),
)


def check_roster(path: Path, scratch: Path) -> None:
    """`station cards` on this roster (a fresh session log each time), the cards as a PDF."""
    log = scratch / "roster-log.sqlite3"
    for leftover in scratch.glob("roster-log.sqlite3*"):
        leftover.unlink()
    config = scratch / "roster-station.toml"
    config.write_text(f"[store]\npath = {json.dumps(str(log))}\n")
    with unchanged(path):
        outcome = run_station("cards", "--config", str(config), str(path),
                              str(scratch / "cards.pdf"))
    assert_report_or_one_line(outcome, json_report=False)


# -- the targets ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """One kind of input: its corpus folder name, the suffix its files take, the strategy
    that makes them, and the check that holds a file of it to the property."""

    name: str
    suffix: str
    files: st.SearchStrategy[bytes]
    check: Callable[[Path, Path], None]

    def corpus(self) -> list[Path]:
        """The inputs ever found to break the property, kept to be replayed."""
        folder = CORPUS / self.name
        return sorted(p for p in folder.glob(f"*{self.suffix}")) if folder.is_dir() else []

    def keep(self, data: bytes) -> Path:
        """Keep a failing input in the corpus (named by its content)."""
        folder = CORPUS / self.name
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{hashlib.sha256(data).hexdigest()[:16]}{self.suffix}"
        path.write_bytes(data)
        return path

    def run(self, data: bytes, scratch: Path) -> None:
        """Write `data` as this kind of file (read-only, as an input should be safe to be)
        and check it."""
        path = scratch / f"input{self.suffix}"
        if path.exists():
            path.chmod(0o644)
            path.unlink()
        path.write_bytes(data)
        path.chmod(0o444)
        self.check(path, scratch)


TARGETS = {t.name: t for t in (
    Target("config", ".toml", CONFIG_FILES, check_config),
    Target("pose", ".npz", POSE_FILES, check_pose),
    Target("tension", ".csv", TENSION_FILES, check_tension),
    Target("calibration", ".json", CALIBRATION_FILES, check_calibration),
    Target("video", ".mp4", VIDEO_FILES, check_video),
    Target("roster", ".csv", ROSTER_FILES, check_roster),
)}

# Files that are not files: each input is refused as what it is, at once.
SPECIAL_PATHS = ("fifo", "folder", "/dev/zero", "/dev/urandom", "/dev/null", "missing",
                 "symlink loop")


def special_path(kind: str, scratch: Path) -> Path:
    if kind == "fifo":
        path = scratch / "fifo"
        if not path.exists():
            os.mkfifo(path)
        return path
    if kind == "folder":
        path = scratch / "folder"
        path.mkdir(exist_ok=True)
        return path
    if kind == "missing":
        return scratch / "missing"
    if kind == "symlink loop":
        path = scratch / "loop"
        if not path.is_symlink():
            path.symlink_to(path)
        return path
    return Path(kind)
