"""The text report's first line: which way the athlete faces, or why no side is named."""

from __future__ import annotations

import pytest

from station.coach import analyze
from station.config import CoachConfig
from station.domain import PoseFrame, PoseStream
from station.recordings.report_text import report_lines
from tests.support import figure, viewed


def _first_line(frames: list[PoseFrame]) -> str:
    w, h = frames[0].width, frames[0].height
    report = analyze(PoseStream.from_frames(frames, w, h), None, CoachConfig())
    return report_lines(report)[0]


@pytest.mark.parametrize("yaw, seen", [(90.0, "front"), (-90.0, "back"), (75.0, "front")])
def test_a_camera_that_sees_no_side_says_so_and_what_to_change(yaw, seen):
    frames = [viewed(figure(k / 30.0), yaw) for k in range(60)]
    assert _first_line(frames) == (f"Camera sees the athlete from the {seen}, not side-on: "
                                   "turn side-on to the camera.")


def test_a_side_view_names_the_side():
    assert _first_line([viewed(figure(k / 30.0), 5.0) for k in range(60)]) == (
        "Athlete faces right.")


def test_nobody_in_view_says_so():
    frames = [PoseFrame.empty(k / 30.0, 640, 480) for k in range(30)]
    assert _first_line(frames) == (
        "Athlete not seen: step into the picture, side-on to the camera.")
