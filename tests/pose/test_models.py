"""The pose models a Tasks bundle is made from are MediaPipe's, byte for byte (issue 23)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import mediapipe as mp
import pytest

from station.pose.models import KNOWN_SHA256, ModelError, checked_model, main

MODULES = Path(mp.__file__).parent / "modules"


@pytest.mark.parametrize("path", [MODULES / "pose_detection" / "pose_detection.tflite",
                                  MODULES / "pose_landmark" / "pose_landmark_full.tflite"])
def test_the_wheels_models_are_the_ones_mediapipe_pins(path):
    assert hashlib.sha256(path.read_bytes()).hexdigest() == KNOWN_SHA256[path.name]
    assert checked_model(path) == path.read_bytes()


def test_a_changed_model_is_refused_in_one_line(tmp_path, capsys):
    fake = tmp_path / "pose_landmark_lite.tflite"
    fake.write_bytes(b"not the lite model")
    with pytest.raises(ModelError, match="is not MediaPipe's 1150dc68"):
        checked_model(fake)
    assert main(["--landmarks", str(fake), str(tmp_path / "out.task")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "sha256" in err
    assert not (tmp_path / "out.task").exists()


def test_an_unknown_model_is_refused(tmp_path):
    other = tmp_path / "hand_landmark.tflite"
    other.write_bytes(b"x")
    with pytest.raises(ModelError, match="not a pose model this knows"):
        checked_model(other)
