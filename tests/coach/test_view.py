"""The view check on hand-built frames: how side-on, in the picture, big enough."""

from __future__ import annotations

import math

import pytest

from station.coach.view import (
    MESSAGES,
    ViewCheck,
    ViewLimits,
    ViewProblem,
    read_frame,
)
from station.domain import PoseFrame
from tests.support import TRUNK, figure, viewed


@pytest.mark.parametrize("yaw", [0.0, 10.0, 20.0, 30.0, 45.0, 70.0, 90.0])
def test_the_angle_off_side_on_is_read_from_the_shoulders_parting(yaw):
    reading = read_frame(viewed(figure(0.0), yaw))
    assert reading.angle_deg == pytest.approx(yaw, abs=0.5)


def test_a_hinge_seen_side_on_stays_side_on():
    # The trunk leans in the picture's plane: the shoulders stay together and the torso
    # keeps its length, so a 70-degree hinge reads as side-on as the stand.
    reading = read_frame(viewed(figure(0.0, trunk=70.0, travel=0.3), 5.0))
    assert reading.angle_deg == pytest.approx(5.0, abs=0.5)
    assert reading.torso == pytest.approx(TRUNK / 480, rel=0.01)


def _view(frames: list[PoseFrame], limits: ViewLimits | None = None):
    check = ViewCheck(limits or ViewLimits())
    for f in frames:
        check.add(f)
    return check.view


def _frames(seconds: float = 1.2, **kw) -> list[PoseFrame]:
    return [viewed(figure(k / 30.0), **kw) for k in range(int(seconds * 30))]


def test_side_on_whole_and_big_enough_is_judgeable():
    view = _view(_frames(yaw_deg=8.0))
    assert view.judgeable and view.problems == () and view.message == ""
    assert view.angle_deg == pytest.approx(8.0, abs=0.5)


@pytest.mark.parametrize("yaw, judgeable", [(20.0, True), (24.0, True), (26.0, False),
                                            (40.0, False), (90.0, False)])
def test_beyond_25_degrees_the_athlete_is_asked_to_turn(yaw, judgeable):
    view = _view(_frames(yaw_deg=yaw))
    assert view.judgeable is judgeable
    if not judgeable:
        assert view.problems == (ViewProblem.NOT_SIDE_ON,)
        assert view.message == "Turn side-on to the camera"


def test_a_head_above_the_picture_asks_to_step_back():
    # Scaled up about the ankle (a close camera): the ear is 360 px above the ankle (y=420)
    # at scale 1, so at 1.5 it is 540 px up, 120 px above the top.
    view = _view(_frames(scale=1.5))
    assert view.problems[0] is ViewProblem.HEAD_OUT
    assert view.message == "Step back: your head is out of the picture"


def test_feet_below_the_picture_ask_to_step_back():
    view = _view(_frames(dy=80.0))
    assert view.problems == (ViewProblem.FEET_OUT,)
    assert "feet" in view.message


def test_a_body_cut_by_the_side_edge_asks_to_move_to_the_middle():
    view = _view(_frames(dx=300.0))
    assert view.problems == (ViewProblem.OFF_EDGE,)


def test_a_small_athlete_is_asked_to_come_closer():
    # Torso 120 px at scale 1 in a 480 px picture: 0.25. At 0.35 it is 42 px, 0.0875.
    assert _view(_frames(scale=0.45)).judgeable  # 54 px: 0.1125
    view = _view(_frames(scale=0.35))
    assert view.problems == (ViewProblem.TOO_SMALL,)
    assert view.message == "Come closer"
    assert view.torso == pytest.approx(0.35 * TRUNK / 480, rel=0.01)


def test_the_size_limit_is_a_share_of_the_picture_not_pixels():
    # The same athlete in a picture twice as tall (a 1080p camera) is half as big in it.
    assert _view(_frames(scale=0.45)).judgeable
    big_picture = _view(_frames(scale=0.45, width=1280, height=960))
    assert big_picture.problems == (ViewProblem.TOO_SMALL,)


def test_a_person_lost_at_the_top_edge_went_out_over_it():
    # A close camera: the head nears the top as the athlete stands up, then pose is lost.
    near = _frames(0.5, dy=-55.0)  # the ear 60 px below the top, moved up to 5 px
    assert _view(near).judgeable
    lost = [PoseFrame.empty(0.5 + k / 30.0, 640, 480) for k in range(30)]
    view = _view(near + lost)
    assert view.problems == (ViewProblem.HEAD_OUT,)


def test_nobody_in_view_asks_to_step_in():
    view = _view([PoseFrame.empty(k / 30.0, 640, 480) for k in range(10)])
    assert view.problems == (ViewProblem.NOBODY,)
    assert view.message == MESSAGES[ViewProblem.NOBODY]


def test_the_view_follows_the_last_second_by_majority():
    check = ViewCheck()
    side = _frames(1.0, yaw_deg=5.0)
    turned = [viewed(figure(1.0 + k / 30.0), 45.0) for k in range(30)]
    for f in side + turned[:10]:
        check.add(f)
    assert check.view.judgeable  # a third of a second turned: not yet the view
    assert not check.judgeable  # but no fault is called on a turned frame itself
    for f in turned[10:]:
        check.add(f)
    assert check.view.problems == (ViewProblem.NOT_SIDE_ON,)
    assert math.isclose(check.view.angle_deg, 45.0, abs_tol=0.5)
