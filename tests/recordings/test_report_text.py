"""The text report: which way the athlete faces, or why no side is named; the camera and the
band in its header; its rep lines' columns; each buzz the station sounded."""

from __future__ import annotations

import pytest

from station.coach import Report, analyze
from station.config import CoachConfig
from station.domain import Fault, FaultDetected, PoseFrame, PoseStream, RepResult, Side
from station.recordings.formats import load_pose_npz
from station.recordings.report_text import report_lines
from tests.support import figure, viewed


def _first_line(frames: list[PoseFrame]) -> str:
    w, h = frames[0].width, frames[0].height
    report = analyze(PoseStream.from_frames(frames, w, h), None, CoachConfig())
    return report_lines(report, band_checked=True)[0]


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


# -- the header, the columns and the buzzes (an audit of the commands' output) -------------------

def _rep(index: int, faults: tuple[Fault, ...] = (), judged: bool = True,
         partial: bool = False, reason: str = "", cue: str = "Good hinge. Same again."
         ) -> RepResult:
    start = 2.0 * index
    return RepResult(index, start, start + 1.5, faults, cue, judged=judged, partial=partial,
                     reason=reason)


def _buzz(t: float, index: int, fault: Fault) -> FaultDetected:
    return FaultDetected(t, index, fault, True, "cue")


def test_a_camera_one_degree_off_says_degree():
    lines = report_lines(Report(side=Side.LEFT, angle_deg=0.8), band_checked=True)
    assert lines[1] == "Camera: 1 degree off side-on."
    lines = report_lines(Report(side=Side.LEFT, angle_deg=2.2), band_checked=True)
    assert lines[1] == "Camera: 2 degrees off side-on."


def test_without_the_band_the_header_says_it_was_not_checked_once():
    three = Report(reps=[_rep(1), _rep(2), _rep(3)], side=Side.LEFT, angle_deg=3.0)
    lines = report_lines(three, band_checked=False)
    assert lines[:3] == ["Athlete faces left.", "Camera: 3 degrees off side-on.",
                         "Band: not checked (no --tension), so band_slack is never called."]
    assert sum("Band" in line for line in lines) == 1
    assert not any("Band" in line for line in report_lines(three, band_checked=True))


def test_three_faults_and_no_verdict_keep_the_columns_aligned():
    """A rep with three faults pushed its buzz times right, and NO VERDICT its faults."""
    three = (Fault.HIPS_STOPPED, Fault.KNEE_BEND, Fault.STICK_CONTACT)
    report = Report(reps=[
        _rep(1),
        _rep(2, three, cue="Push your hips back, not down"),
        _rep(3, judged=False, partial=True, cue="Stand in view before and after each rep",
             reason="seen only in part: its start or its end was out of view"),
    ], buzzes=[_buzz(4.2, 2, Fault.HIPS_STOPPED), _buzz(4.3, 2, Fault.KNEE_BEND),
               _buzz(4.5, 2, Fault.STICK_CONTACT)], side=Side.RIGHT, angle_deg=4.0)
    reps = [line for line in report_lines(report, band_checked=True) if line.startswith("rep")]
    assert reps == [
        'rep  1     2.00-   3.50 s  PASS        -                                      '
        'buzz -                 "Good hinge. Same again."',
        'rep  2     4.00-   5.50 s  FAIL        hips_stopped, knee_bend, stick_contact '
        'buzz 4.20s 4.30s 4.50s "Push your hips back, not down"',
        'rep  3     6.00-   7.50 s  NO VERDICT  -                                      '
        'buzz -                 "Stand in view before and after each rep"  '
        '(partial: seen only in part: its start or its end was out of view)',
    ]
    assert len({line.index("buzz") for line in reps}) == 1
    assert len({line.index('"') for line in reps}) == 1


def test_a_rep_without_a_verdict_names_the_fault_each_of_its_buzzes_was_for():
    """The buzzer sounds live, before the rep's verdict: a partial rep's buzz is real, and
    as the rep lists no faults its buzz says which one it was."""
    report = Report(reps=[_rep(1, judged=False, partial=True, cue="Stand in view",
                               reason="seen only in part")],
                    buzzes=[_buzz(2.733, 1, Fault.KNEE_BEND)], side=Side.RIGHT, angle_deg=5.0)
    assert report_lines(report, band_checked=True)[2:] == [
        'rep  1     2.00-   3.50 s  NO VERDICT  -                            '
        'buzz 2.73s knee_bend "Stand in view"  (partial: seen only in part)',
        "1 rep: 0 passed, 0 failed, 1 without a verdict.",
    ]


def test_a_buzz_in_a_movement_never_counted_is_still_shown():
    report = Report(reps=[_rep(1, (Fault.KNEE_BEND,), cue="Soft knees")],
                    buzzes=[_buzz(2.5, 1, Fault.KNEE_BEND), _buzz(9.0, 2, Fault.HIPS_STOPPED),
                            _buzz(9.1, 2, Fault.KNEE_BEND)], side=Side.LEFT, angle_deg=2.0)
    assert report_lines(report, band_checked=True)[-2:] == [
        "Buzz 9.00s hips_stopped 9.10s knee_bend: in a movement not counted as a rep.",
        "1 rep: 0 passed, 1 failed.",
    ]


def test_the_real_deadlift_caught_mid_rep_shows_its_buzz_and_why_no_verdict(clips_dir):
    pose = load_pose_npz(clips_dir / "deadlift_good.mediapipe-0.10.18-full.npz")
    assert report_lines(analyze(pose, None, CoachConfig()), band_checked=False) == [
        "Athlete faces right.",
        "Camera: 5 degrees off side-on.",
        "Band: not checked (no --tension), so band_slack is never called.",
        'rep  1     0.60-   1.53 s  NO VERDICT  -                            buzz 0.73s '
        'knee_bend "Stand in view before and after each rep"  (partial: seen only in part: '
        'its start or its end was out of view)',
        "1 rep: 0 passed, 0 failed, 1 without a verdict.",
    ]
