"""Camera and pose in their own process: pose frames come back in order, errors as one line."""

from __future__ import annotations

import time

import pytest

from station.config import load_config
from station.errors import StationError
from station.pose.process import PoseProcess


def _collect(proc: PoseProcess, limit_s: float = 90.0) -> list:
    poses = []
    end = time.monotonic() + limit_s
    while not proc.finished and time.monotonic() < end:
        poses += proc.poll(timeout=0.5)
    return poses


def test_pose_process_streams_a_real_clip_back(clips_dir, tmp_path):
    cfg = tmp_path / "station.toml"
    cfg.write_text(f'[camera]\nsource = "opencv"\ndevice = "{clips_dir / "deadlift_bad.mp4"}"\n')
    with PoseProcess(load_config(cfg), realtime=False) as proc:  # as fast as it decodes
        poses = _collect(proc)
    assert proc.finished
    counts = proc.counts
    assert counts.captured == 29 and counts.processed == len(poses)
    assert counts.processed + counts.dropped == 29
    times = [p.t for p in poses]
    assert times == sorted(set(times)) and times[-1] == pytest.approx(28 / 30)
    assert sum(p.has_person for p in poses) >= len(poses) - 3  # the last frames lose him
    assert poses[0].landmarks.shape == (33, 4) and (poses[0].width, poses[0].height) == (600, 600)


def test_pose_process_passes_a_config_error_back_as_one_line(clips_dir, tmp_path):
    cfg = tmp_path / "station.toml"
    cfg.write_text(f'[camera]\nsource = "opencv"\ndevice = "{clips_dir / "deadlift_bad.mp4"}"\n'
                   '[pose]\nbackend = "tasks"\ntask_model = "none.task"\n')
    with PoseProcess(load_config(cfg)) as proc, \
            pytest.raises(StationError, match=r"\[pose\] task_model = 'none.task'"):
        _collect(proc)
    assert proc.finished
