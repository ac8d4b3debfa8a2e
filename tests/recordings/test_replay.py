"""`station replay`: pose on a real video, the coach's report, the saved pose and the annotated
video; rep counts and facing on real clips as established by watching them (see the report of
issue 5: each kettlebell clip shows ten full reps, the athlete facing image-left)."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from station.cli import main
from station.coach import analyze
from station.config import Config, PoseConfig
from station.domain import RIGHT_HIP, RIGHT_SHOULDER, Side
from station.pose.estimator import PoseEstimator, estimate_video
from station.recordings.formats import load_pose_npz
from station.recordings.replay import VIDEO_SUFFIXES
from tests.support import cut_short


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_replay_writes_report_pose_and_annotated_video(clips_dir, tmp_path, capsys):
    clip = clips_dir / "deadlift_bad.mp4"
    pose_out, video_out = tmp_path / "pose.npz", tmp_path / "annotated.mp4"
    code, out, _ = _run(capsys, "replay", clip, "--json", "--save-pose", pose_out,
                        "--annotate", video_out)
    assert code == 0
    report = json.loads(out)
    assert set(report) >= {"reps", "buzzes", "summary", "side"}
    assert report["side"] == "right"  # the lifter faces image-right (watched; SOURCES.md)
    assert report["summary"]["reps"] == len(report["reps"])

    stream = load_pose_npz(pose_out)
    assert (len(stream), stream.width, stream.height) == (29, 600, 600)
    assert stream.t[-1] == pytest.approx(28 / 30)
    assert np.isfinite(stream.landmarks[:25, :, :2]).all()

    annotated = cv2.VideoCapture(str(video_out))
    original = cv2.VideoCapture(str(clip))
    assert int(annotated.get(cv2.CAP_PROP_FRAME_COUNT)) == 29
    for _ in range(10):
        ok, drawn = annotated.read()
        _, plain = original.read()
    assert ok and drawn.shape == (600, 600, 3)
    # The stick line (yellow) runs from shoulder to hip on the lifter's near (right) side.
    lm = stream.landmarks[9]
    mid = (lm[RIGHT_SHOULDER, :2] + lm[RIGHT_HIP, :2]) / 2 * 600
    x, y = int(round(mid[0])), int(round(mid[1]))
    b, g, r = drawn[y - 1:y + 2, x - 1:x + 2].reshape(-1, 3).mean(axis=0)
    assert r > 170 and g > 150 and b < 110, (b, g, r)
    assert np.abs(drawn.astype(int) - plain.astype(int)).mean() > 0.5


def test_replay_text_report_with_a_slack_band(clips_dir, tmp_path, capsys):
    """A band at 5 N the whole clip (t on the video's clock): the rep also fails band_slack.
    nico's clip starts standing (a clip that starts mid-rep has no rep: the coach counts
    reps from a stand)."""
    slack = tmp_path / "tension.csv"
    slack.write_text("t,force_n\n" + "".join(f"{i / 80:.4f},5.0\n" for i in range(320)))
    code, out, _ = _run(capsys, "replay", clips_dir / "deadlift_nico_unblocked.mp4",
                        "--tension", slack)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].endswith("nico_unblocked.mp4: 109 frames, the athlete in view in 109.")
    assert lines[1] == "Athlete faces right."
    reps = [ln for ln in lines if ln.startswith("rep ")]
    assert reps and all("band_slack" in ln for ln in reps)
    assert lines[-1].endswith("failed.")


@pytest.mark.parametrize("argv, message", [
    (["missing.mp4"], "missing.mp4: video file not found"),
    (["notes.mp4"], "notes.mp4: not a video OpenCV can read"),
    (["cut.mp4"], "cut.mp4: not a video OpenCV can read"),  # a download cut short
    (["CLIP", "--annotate", "no/such/folder/out.mp4"], "folder no/such/folder does not exist"),
    (["CLIP", "--tension", "missing.csv"], "missing.csv: tension file not found"),
])
def test_bad_input_exits_2_with_one_line(clips_dir, tmp_path, monkeypatch, capfd, argv,
                                         message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config").mkdir()  # a settings file (empty: the defaults), so none is announced
    (tmp_path / "config" / "station.toml").write_text("")
    (tmp_path / "notes.mp4").write_text("not a video\n")
    (tmp_path / "cut.mp4").write_bytes((clips_dir / "deadlift_bad.mp4").read_bytes()[:3000])
    argv = [str(clips_dir / "deadlift_bad.mp4") if a == "CLIP" else a for a in argv]
    code, out, err = _run(capfd, "replay", *argv)  # capfd: FFmpeg's own lines would show too
    assert code == 2 and out == ""
    assert err.startswith("station: error: ") and message in err
    assert err.count("\n") == 1


def test_missing_task_model_exits_2_naming_the_key(clips_dir, tmp_path, capsys):
    cfg = tmp_path / "station.toml"
    cfg.write_text('[pose]\nbackend = "tasks"\ntask_model = "models/pose_landmarker_lite.task"\n')
    code, _, err = _run(capsys, "replay", clips_dir / "deadlift_bad.mp4", "--config", cfg)
    assert code == 2 and "[pose] task_model = 'models/pose_landmarker_lite.task'" in err
    assert err.count("\n") == 1


@pytest.fixture(scope="module")
def estimator():
    with PoseEstimator(PoseConfig()) as est:
        yield est


def test_rep_count_and_facing_through_pose_on_a_real_clip(clips_dir, estimator):
    """Pose then coach on the first 6 s of the correct kettlebell clip: two full reps (bottoms
    at ~2.7 s and ~4.6 s, standing again by 5.6 s), the athlete facing image-left."""
    # Every third frame of the 60 fps clip (20 fps) keeps the test quick.
    stream = estimate_video(clips_dir / "kb_deadlift_0016c_side.mp4", estimator, stride=3,
                            max_frames=360, progress=False)
    assert len(stream) == 120
    report = analyze(stream, None, Config().coach)
    assert report.side == Side.LEFT
    assert len(report.reps) == 2


# Full reps (standing, down, standing again) counted by watching each whole clip, and the way
# the athlete faces. The kettlebell clips end with the bell set down: not a rep.
WATCHED = [
    ("kb_deadlift_0016c_side", 10, Side.LEFT),
    ("kb_deadlift_0016h_side", 10, Side.LEFT),
    ("kb_deadlift_0016r_side", 10, Side.LEFT),
    # Ten knee-dominant squats with the trunk under 22 degrees: counted on the hips' drop.
    ("kb_deadlift_0016k_side", 10, Side.LEFT),
    ("deadlift_nico_unblocked", 1, Side.RIGHT),
    ("deadlift_rdl", 0, Side.RIGHT),  # held forward the whole clip, never standing
]


@pytest.mark.parametrize("clip, reps, side", WATCHED)
def test_watched_rep_counts_on_whole_clips(clips_dir, clip, reps, side):
    """The coach on the landmarks MediaPipe recorded for each whole clip (no pose: quick)."""
    report = analyze(load_pose_npz(clips_dir / f"{clip}.mediapipe-0.10.18-full.npz"), None,
                     Config().coach)
    assert report.side == side
    assert len(report.reps) == reps


# -- issue 23: nothing an input holds is lost, nothing is found only after pose -------------

def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("option", ["--annotate", "--save-pose"])
def test_an_output_that_is_the_input_video_is_refused(clips_dir, tmp_path, capsys, option):
    """`replay X.mp4 --annotate X.mp4` used to overwrite the video (1,670,256 -> 30,195
    bytes, one decodable frame) and exit 0."""
    video = tmp_path / "X.mp4"
    shutil.copy(clips_dir / "deadlift_bad.mp4", video)
    before = _digest(video)
    started = time.monotonic()
    code, out, err = _run(capsys, "replay", video, option, video)
    assert (code, out) == (2, "")
    assert err == (f"station: error: {video}: the "
                   f"{'annotated video' if option == '--annotate' else 'pose stream'} would "
                   f"overwrite the video ({video}): name another file\n")
    assert time.monotonic() - started < 5.0  # refused before the pose model loads
    assert _digest(video) == before


def test_an_output_reaching_the_input_another_way_is_refused(clips_dir, tmp_path, capsys):
    video = tmp_path / "X.mp4"
    shutil.copy(clips_dir / "deadlift_bad.mp4", video)
    (tmp_path / "sub").mkdir()
    os.link(video, tmp_path / "hard.mp4")
    for alias in (tmp_path / "sub" / ".." / "X.mp4", tmp_path / "hard.mp4"):
        code, _, err = _run(capsys, "replay", video, "--annotate", alias)
        assert code == 2 and "would overwrite the video" in err
    csv = tmp_path / "band.csv"
    csv.write_text("t,force_n\n0.0,40\n0.5,40\n")
    code, _, err = _run(capsys, "replay", video, "--tension", csv, "--annotate", csv)
    assert code == 2 and "would overwrite the tension file" in err
    assert csv.read_text() == "t,force_n\n0.0,40\n0.5,40\n"


def test_a_pose_stream_not_named_npz_is_refused(clips_dir, tmp_path, capsys):
    """`--save-pose X.mp4` used to write `X.mp4.npz`."""
    code, _, err = _run(capsys, "replay", clips_dir / "deadlift_bad.mp4", "--save-pose",
                        tmp_path / "X.mp4")
    assert code == 2
    assert err.endswith(f"{tmp_path / 'X.mp4'}: the pose stream is a .npz file: name it X.npz\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["out.txt", "out"])
def test_an_annotated_video_opencv_cannot_write_is_refused_before_pose(clips_dir, tmp_path,
                                                                       capsys, name):
    """`--annotate out.txt` ran pose on the whole video, then said OpenCV cannot write an
    mp4 there."""
    target = tmp_path / name
    started = time.monotonic()
    code, out, err = _run(capsys, "replay", clips_dir / "deadlift_bad.mp4", "--annotate",
                          target)
    assert (code, out) == (2, "")
    assert err == (f"station: error: {target}: the annotated video is a .mp4 file (or .m4v, "
                   ".mov, .mkv, .avi): name it out.mp4\n")
    assert time.monotonic() - started < 5.0  # refused before the pose model loads
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("suffix", VIDEO_SUFFIXES)
def test_opencv_writes_the_annotated_video_under_each_name_replay_takes(tmp_path, suffix):
    out = tmp_path / f"out{suffix.upper()}"
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), 30, (64, 48))
    try:
        assert writer.isOpened()
        writer.write(np.zeros((48, 64, 3), np.uint8))
    finally:
        writer.release()
    assert out.stat().st_size > 0


@pytest.mark.parametrize("option", ["--annotate", "--save-pose"])
def test_an_output_that_cannot_be_written_is_refused_before_pose(clips_dir, capsys, option):
    """`--save-pose` to an unwritable place used to be a traceback after pose had run, the
    report lost; `--annotate` into a read-only folder was found only after pose. (/sys takes
    no new file, even from root.)"""
    target = "/sys/out.npz" if option == "--save-pose" else "/sys/out.mp4"
    started = time.monotonic()
    code, out, err = _run(capsys, "replay", clips_dir / "deadlift_bad.mp4", option, target)
    assert (code, out) == (2, "")
    assert f"{target}: cannot write the " in err and " in /sys (" in err
    assert err.count("\n") == 1
    assert time.monotonic() - started < 5.0


def test_an_output_failing_at_the_end_keeps_the_report_and_the_old_file(
        clips_dir, tmp_path, capsys, monkeypatch):
    """A disk that fills while pose runs: the report is printed, the error named after it,
    exit 2, and the file that was there stays whole."""
    out = tmp_path / "pose.npz"
    out.write_bytes(b"yesterday's pose stream")

    def disk_full(path, stream):
        Path(path).write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("station.recordings.replay.save_pose_npz", disk_full)
    code, out_text, err = _run(capsys, "replay", clips_dir / "deadlift_bad.mp4", "--save-pose",
                               out, "--json")
    assert code == 2
    assert json.loads(out_text)["summary"]["reps"] >= 0  # the report is whole
    assert err == (f"station: error: {out}: cannot write the pose stream (No space left on "
                   "device)\n")
    assert out.read_bytes() == b"yesterday's pose stream"
    assert [p.name for p in tmp_path.iterdir()] == ["pose.npz"]  # no half-written file


def test_a_video_cut_short_is_refused_not_coached_as_whole(clips_dir, tmp_path, capsys):
    """A copy whose index lists 1262 frames but holds the first 120 used to be coached as
    the whole recording."""
    video = cut_short(clips_dir / "kb_deadlift_0016c_side.mp4", tmp_path / "cut.mp4", 60_000)
    code, out, err = _run(capsys, "replay", video)
    assert (code, out) == (2, "")
    assert err == (f"station: error: {video}: the video's index lists 1262 frames but only 120 "
                   "could be decoded: the file is cut short (copy it again)\n")


def test_a_fifo_as_the_video_is_refused_at_once(tmp_path, capsys):
    fifo = tmp_path / "video.mp4"
    os.mkfifo(fifo)
    code, _, err = _run(capsys, "replay", fifo)
    assert code == 2
    assert err == (f"station: error: {fifo}: the video file is a pipe (FIFO), not a regular "
                   "file\n")


def test_a_tension_on_another_clock_is_refused_before_pose(clips_dir, tmp_path, capsys):
    csv = tmp_path / "band.csv"
    csv.write_text("t,force_n\n" + "".join(f"{1000 + i / 80:.4f},40\n" for i in range(200)))
    started = time.monotonic()
    code, _, err = _run(capsys, "replay", clips_dir / "deadlift_bad.mp4", "--tension", csv)
    assert code == 2 and "do not overlap the pose stream's 0 to 0.933333 s" in err
    assert time.monotonic() - started < 5.0


def test_sigterm_mid_replay_stops_at_once_and_leaves_no_file(clips_dir, tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "station.cli", "replay",
                             str(clips_dir / "kb_deadlift_0016c_side.mp4"), "--save-pose",
                             str(tmp_path / "pose.npz"), "--annotate", str(tmp_path / "out.mp4")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(4.0)  # the model loaded, pose under way (1262 frames take far longer)
    assert proc.poll() is None
    os.kill(proc.pid, signal.SIGTERM)
    started = time.monotonic()
    out, err = proc.communicate(timeout=30)
    assert time.monotonic() - started < 5.0
    assert (proc.returncode, out) == (143, "")
    assert err.endswith("station: stopped (SIGTERM)\n")
    assert list(tmp_path.iterdir()) == []  # no output, and no half-written temporary file
