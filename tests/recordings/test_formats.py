"""The recorded streams' readers: streams in the wrong unit are refused naming the unit they
look like, and a file can make the reader neither wait nor fill the memory (issue 23)."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

from station.cli import main
from station.domain import PoseStream, TensionStream
from station.errors import InputError
from station.recordings.formats import (
    MAX_POSE_FRAMES,
    load_pose_npz,
    load_tension_csv,
    save_pose_npz,
    save_tension_csv,
)
from station.sim.session import simulate_set


@pytest.fixture(scope="module")
def sim():
    return simulate_set(3, 4)


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def _pose(sim, tmp_path: Path, t=None, landmarks=None, name="pose.npz") -> Path:
    stream = PoseStream(sim.pose.t if t is None else t,
                        sim.pose.landmarks if landmarks is None else landmarks,
                        sim.pose.width, sim.pose.height)
    path = tmp_path / name
    save_pose_npz(path, stream)
    return path


def test_a_simulated_set_reads_back_as_written(sim, tmp_path):
    stream = load_pose_npz(_pose(sim, tmp_path))
    assert np.array_equal(stream.t, sim.pose.t)
    assert np.array_equal(stream.landmarks, sim.pose.landmarks, equal_nan=True)
    save_tension_csv(tmp_path / "t.csv", sim.tension)
    tension = load_tension_csv(tmp_path / "t.csv")
    assert np.allclose(tension.t, sim.tension.t, atol=1e-6)


@pytest.mark.parametrize(("scale", "unit"), [(1e3, "milliseconds"), (1e6, "microseconds"),
                                             (1e9, "nanoseconds")])
def test_pose_times_in_another_unit_are_refused_naming_it(sim, tmp_path, capsys, scale, unit):
    """They used to give "0 reps" and exit 0."""
    path = _pose(sim, tmp_path, t=sim.pose.t * scale)
    code, out, err = _run(capsys, "analyze", path)
    assert (code, out) == (2, "")
    assert err.endswith(f"{path}: 't' looks like {unit} (frames {scale / 30:.3g} apart): times "
                        f"must be seconds (divide by {scale:g})\n")


def test_pose_times_all_equal_are_refused(sim, tmp_path, capsys):
    path = _pose(sim, tmp_path, t=np.full(len(sim.pose.t), 12.5))
    code, _, err = _run(capsys, "analyze", path)
    assert code == 2
    assert f"{path}: all {len(sim.pose.t)} times in 't' are 12.5: each of the frames needs its " \
           "own time in seconds" in err


def test_pose_times_rounded_to_whole_seconds_are_refused(sim, tmp_path):
    path = _pose(sim, tmp_path, t=np.floor(sim.pose.t))
    with pytest.raises(InputError, match="share their time in 't' with the one before"):
        load_pose_npz(path)


def test_landmarks_in_pixels_are_refused(sim, tmp_path, capsys):
    """They used to be coached, with other verdicts."""
    lm = sim.pose.landmarks.copy()
    lm[:, :, 0] *= sim.pose.width
    lm[:, :, 1] *= sim.pose.height
    path = _pose(sim, tmp_path, landmarks=lm)
    code, _, err = _run(capsys, "analyze", path)
    assert code == 2
    assert f"{path}: landmarks look like pixels (x up to" in err
    assert f"in a {sim.pose.width}x{sim.pose.height} image): x and y must be normalised" in err


def test_visibility_outside_0_to_1_is_refused(sim, tmp_path):
    lm = sim.pose.landmarks.copy()
    lm[:, :, 3] *= 100  # a percentage
    with pytest.raises(InputError, match="visibility runs .* it must be 0..1"):
        load_pose_npz(_pose(sim, tmp_path, landmarks=lm))


def _tension(tmp_path: Path, t: np.ndarray, f: np.ndarray, name="tension.csv") -> Path:
    path = tmp_path / name
    save_tension_csv(path, TensionStream(t, f))
    return path


def test_tension_times_in_milliseconds_are_refused(sim, tmp_path, capsys):
    """Such a CSV used to be ignored without a word (the camera's result alone)."""
    pose = _pose(sim, tmp_path)
    csv = _tension(tmp_path, sim.tension.t * 1000, sim.tension.force_n)
    code, _, err = _run(capsys, "analyze", pose, "--tension", csv)
    assert code == 2
    assert f"{csv}: 't' looks like milliseconds (samples 12.5 apart)" in err


def test_tension_on_another_clock_is_refused(sim, tmp_path, capsys):
    pose = _pose(sim, tmp_path)
    csv = _tension(tmp_path, sim.tension.t + 5000.0, sim.tension.force_n)
    code, _, err = _run(capsys, "analyze", pose, "--tension", csv)
    assert code == 2
    assert f"{csv}: its times 5000 to" in err and "do not overlap the pose stream's" in err


def test_tension_in_raw_counts_is_refused(tmp_path):
    t = np.arange(100) / 80
    csv = _tension(tmp_path, t, np.full(100, 8_388_607.0))
    with pytest.raises(InputError, match="force_n reaches 8.38861e\\+06 N, past any band"):
        load_tension_csv(csv)


@pytest.mark.parametrize("lines, message", [
    ("0.0,50\n0.0125,51\n\n0.025,nan\n", "line 5: force_n is nan, not a finite number"),
    ("0.0,50\n0.0125,-inf\n", "line 3: force_n is -inf, not a finite number"),
    ("0.0,50\ninf,51\n", "line 3: t is inf, not a finite number"),
    ("0.0,50\n0.0125,51\n\n0.0,52\n", "line 5: 't' goes backwards (0.0125 then 0.0)"),
])
def test_a_tension_line_that_is_no_finite_number_or_goes_back_is_named(tmp_path, lines,
                                                                       message):
    """A nan force said "force_n has non-finite values" with no line; docs/formats.md
    promises the file and the line (blank lines counted, as an editor counts them)."""
    csv = tmp_path / "tension.csv"
    csv.write_text("t,force_n\n" + lines)
    with pytest.raises(InputError) as exc:
        load_tension_csv(csv)
    assert str(exc.value) == f"{csv}: {message}"


def test_a_tension_csv_saved_from_excel_with_a_bom_is_read(tmp_path):
    """A byte-order mark made the header "\\ufefft,force_n"; the roster took it already."""
    t = np.arange(200) / 80
    f = 60.0 + np.sin(t)
    plain = _tension(tmp_path, t, f)
    bom = tmp_path / "excel.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes().replace(b"\n", b"\r\n"))
    read = load_tension_csv(bom)
    np.testing.assert_array_equal(read.t, load_tension_csv(plain).t)
    np.testing.assert_array_equal(read.force_n, np.round(f, 3))


def test_tension_and_roster_not_utf8_are_one_line_naming_the_file(tmp_path):
    from station.logbook.roster import read_roster_csv

    bad = tmp_path / "latin1.csv"
    bad.write_bytes("t,force_n\n0.0,50 \xb0\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"latin1.csv: cannot read the tension file \("):
        load_tension_csv(bad)
    bad.write_bytes("name\nJos\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"latin1.csv: cannot read the roster file \("):
        read_roster_csv(bad)


def _npy_header(shape: tuple[int, ...], dtype: str) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False,
                                               "shape": shape})
    return buf.getvalue()


def test_an_npz_declaring_a_billion_frames_is_refused_before_its_data_is_read(tmp_path):
    """A few hundred bytes that would unpack into 500 GB: refused from the headers."""
    path = tmp_path / "bomb.npz"
    n = 1_000_000_000
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("t.npy", _npy_header((n,), "<f8"))
        zf.writestr("landmarks.npy", _npy_header((n, 33, 4), "<f4"))
        zf.writestr("width.npy", _npy_header((), "<i8") + np.int64(640).tobytes())
        zf.writestr("height.npy", _npy_header((), "<i8") + np.int64(480).tobytes())
    assert path.stat().st_size < 2000
    with pytest.raises(InputError, match=f"1,000,000,000 frames, more than the "
                                         f"{MAX_POSE_FRAMES:,}"):
        load_pose_npz(path)


def test_an_npz_of_many_entries_is_refused_from_its_end_record(tmp_path):
    path = tmp_path / "many.npz"
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(1000):
            zf.writestr(f"a{i}.npy", b"")
    with pytest.raises(InputError, match="the .npz holds 1000 entries; a pose file holds four"):
        load_pose_npz(path)


def test_an_npz_holding_pickled_objects_is_refused(tmp_path):
    path = tmp_path / "objects.npz"
    np.savez(path, t=np.array([0.0, 1 / 30], dtype=object), landmarks=np.zeros((2, 33, 4)),
             width=640, height=480)
    with pytest.raises(InputError, match="'t' has dtype object, expected float64"):
        load_pose_npz(path)


@pytest.mark.parametrize("reader", [load_pose_npz, load_tension_csv])
def test_a_fifo_is_refused_at_once(tmp_path, reader):
    fifo = tmp_path / "stream"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="is a pipe \\(FIFO\\), not a regular file"):
        reader(fifo)


@pytest.mark.parametrize("reader", [load_pose_npz, load_tension_csv])
def test_an_endless_device_is_refused_without_reading(reader):
    with pytest.raises(InputError, match="/dev/zero: the .* file is a character device"):
        reader("/dev/zero")


def test_saving_a_pose_stream_writes_exactly_the_path_given(sim, tmp_path):
    """numpy's own savez adds .npz to a name without it (`X.mp4` became `X.mp4.npz`)."""
    save_pose_npz(tmp_path / "pose.data", sim.pose)
    assert [p.name for p in tmp_path.iterdir()] == ["pose.data"]
    assert len(load_pose_npz(tmp_path / "pose.data")) == len(sim.pose)
