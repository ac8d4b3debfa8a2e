"""The setup check reads the view as the coach does: it cannot pass on a view the coach could
not judge reps from (real frames from front and oblique cameras, hand-built ones too small,
cut by the picture's edges), and passes on a side-on athlete standing tall."""

from __future__ import annotations

import numpy as np
import pytest

from station.config import Config
from station.domain import Side
from station.flow.setup import SetupGate
from station.recordings.labelled_clips import labelled_set, load_labels, side_clips
from tests.conftest import SHARED_DATA
from tests.support import figure, viewed

CFG = Config()


def _gate() -> SetupGate:
    return SetupGate(CFG.coach, CFG.kiosk.setup_max_tension_n, CFG.kiosk.setup_hold_s)


def _checks(frame, side=Side.RIGHT):
    return {c.label.split()[0]: c for c in _gate().check(frame, side, 80.0)}


def test_side_on_standing_tall_whole_and_big_enough_passes():
    checks = _checks(viewed(figure(0.0), 10.0))
    assert all(c.ok for c in checks.values())


@pytest.mark.parametrize("kw, check, hint", [
    ({"yaw_deg": 40.0}, "Side-on", "Turn side-on to the camera"),
    ({"scale": 1.5}, "Whole", "Step back: your head is out of the picture"),
    ({"dy": 80.0}, "Whole", "Step back: your feet are out of the picture"),
    ({"scale": 0.35}, "Whole", "Come closer"),
])
def test_a_view_the_coach_cannot_judge_fails_with_what_to_change(kw, check, hint):
    checks = _checks(viewed(figure(0.0), **kw))
    assert checks[check].ok is False and checks[check].hint == hint


@pytest.mark.parametrize("clip, side", [("tby_0016a_2", Side.LEFT), ("bx_good001", Side.RIGHT),
                                        ("bx_good006", Side.RIGHT),
                                        ("seb_deadlift", Side.RIGHT)])
def test_the_setup_never_passes_on_the_real_front_and_oblique_cameras(clip, side):
    label = next(lab for lab in load_labels(SHARED_DATA / "clips2" / "labels.json")
                 if lab.name == clip)
    gate = _gate()
    held = []
    for frame in labelled_set(label).frames():
        if frame.has_person:
            checks = gate.check(frame, side, 80.0)
            assert checks[0].ok is False
            held.append(gate.held(frame.t))
    assert held and not any(held)


def test_the_setup_passes_on_a_real_side_view_stand():
    # The kettlebell clip's athlete stands side-on for its first second, the bell at rest.
    label = next(lab for lab in side_clips(SHARED_DATA / "clips")
                 if lab.name == "kb_deadlift_0016c_side")
    stream = labelled_set(label)
    gate = _gate()
    first = [f for f in stream.frames() if f.t < 1.0]
    passes = [all(c.ok is not False for c in gate.check(f, Side.LEFT, 80.0)) for f in first]
    assert np.mean(passes) > 0.9
