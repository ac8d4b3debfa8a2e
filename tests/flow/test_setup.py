"""The setup check: side-on and standing, the whole body in the picture, the band taut."""

from __future__ import annotations

from station.domain import LEFT_SHOULDER, RIGHT_SHOULDER, PoseFrame, Side
from station.flow.setup import setup_checks


def test_setup_checks_catch_facing_the_camera_and_a_slack_band(sim):
    lm = sim.pose.landmarks[15].copy()
    side = Side.RIGHT if sim.scenario.facing_right else Side.LEFT
    f = PoseFrame(1.0, lm, 640, 480)
    ok = setup_checks(f, side, 70.0, 20.0, 150.0, 0.5, 15.0)
    assert [c.ok for c in ok] == [True, True, True]
    slack = setup_checks(f, side, 5.0, 20.0, 150.0, 0.5, 15.0)
    assert slack[2].ok is False and slack[2].hint == "Step away from the anchor"
    tight = setup_checks(f, side, 400.0, 20.0, 150.0, 0.5, 15.0)
    assert tight[2].hint == "Step closer to the anchor"
    assert setup_checks(f, side, None, 20.0, 150.0, 0.5, 15.0)[2].ok is None
    front = lm.copy()  # facing the camera: the shoulders a shoulder-width apart
    front[LEFT_SHOULDER, 0] = lm[RIGHT_SHOULDER, 0] + 0.09
    turned = setup_checks(PoseFrame(1.0, front, 640, 480), side, 70.0, 20.0, 150.0, 0.5, 15.0)
    assert turned[0].ok is False and "side-on" in turned[0].hint
    cut = lm.copy()
    cut[:, 1] += 0.2  # the feet below the picture
    assert setup_checks(PoseFrame(1.0, cut, 640, 480), side, 70.0, 20.0, 150.0, 0.5,
                        15.0)[1].ok is False
