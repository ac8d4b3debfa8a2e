"""The annotated video's overlay: verdicts appear when a rep ends and go, buzzes frame the
picture in red, the hip's path trails behind the hips. Drawn on a real pose of a real clip."""

from __future__ import annotations

import numpy as np
import pytest

from station.domain import Fault, FaultDetected, PoseFrame, RepResult, Side
from station.recordings.annotate import AnnotationStyle, Annotator
from station.recordings.formats import load_pose_npz

RED = np.array([40, 40, 230])
GREEN = np.array([60, 200, 60])
MAGENTA = np.array([220, 60, 220])


@pytest.fixture
def poses(clips_dir):
    stream = load_pose_npz(clips_dir / "deadlift_nico_unblocked.mediapipe-0.10.18-full.npz")
    return list(stream.frames())


def _count(img: np.ndarray, colour: np.ndarray) -> int:
    return int((np.abs(img.astype(int) - colour).sum(axis=2) < 30).sum())


def _draw(annotator: Annotator, pose: PoseFrame, t: float) -> np.ndarray:
    img = np.zeros((pose.height, pose.width, 3), np.uint8)
    annotator.draw(img, PoseFrame(t, pose.landmarks, pose.width, pose.height))
    return img


def test_verdict_shows_for_its_time_after_the_rep_ends(poses):
    failed = RepResult(1, 0.5, 2.0, (Fault.KNEE_BEND,), "Soft knees")
    passed = RepResult(2, 2.5, 4.0, (), "Good rep")
    annotator = Annotator([failed, passed], [], Side.RIGHT, AnnotationStyle(verdict_s=1.0))
    top = slice(0, 150)  # the verdict and rep chips live in the top quarter
    before = _draw(annotator, poses[0], 1.9)[top]
    fail = _draw(annotator, poses[1], 2.1)[top]
    gone = _draw(annotator, poses[2], 3.5)[top]
    both = _draw(annotator, poses[3], 4.2)[top]
    assert _count(before, RED) == 0 and _count(before, GREEN) == 0
    assert _count(fail, RED) > 400 and _count(fail, GREEN) == 0  # chip 1 and the big FAIL
    assert 0 < _count(gone, RED) < _count(fail, RED)  # only the chip stays
    assert _count(both, GREEN) > 400  # PASS, and chip 2


def test_buzz_frames_the_picture_in_red_briefly(poses):
    buzz = FaultDetected(1.0, 1, Fault.HIPS_STOPPED, True, "Push your hips back")
    annotator = Annotator([], [buzz], Side.RIGHT, AnnotationStyle(buzz_s=0.4))
    during = _draw(annotator, poses[0], 1.2)
    after = _draw(annotator, poses[1], 1.5)
    assert _count(during[:, :3], RED) > 0.9 * 3 * during.shape[0]  # left border, full height
    assert _count(after[:, :3], RED) == 0


def test_hip_path_trails_the_last_seconds(poses):
    annotator = Annotator([], [], Side.RIGHT, AnnotationStyle(trail_s=2.0))
    for pose in poses[:60]:  # two seconds of a lifter moving down
        img = np.zeros((pose.height, pose.width, 3), np.uint8)
        annotator.draw(img, pose)
    assert _count(img, MAGENTA) > 50
    later = _draw(annotator, poses[60], poses[60].t + 5.0)  # long after: the trail is gone
    assert _count(later, MAGENTA) == 0


def test_nobody_in_view_draws_no_skeleton(poses):
    annotator = Annotator([], [], Side.RIGHT)
    empty = PoseFrame.empty(0.0, 600, 600)
    img = np.zeros((600, 600, 3), np.uint8)
    annotator.draw(img, empty)
    assert (img[:540] == 0).all()  # only the footer line at the bottom
    assert img[560:].any()
