"""Labelled real clips: the construction sentences read, the frame orders they make, the
cache of the sets' pose, and every label of ../shared/data read."""

from __future__ import annotations

import json

import numpy as np
import pytest

from station.domain import PoseStream
from station.errors import InputError
from station.recordings import labelled_clips as lc
from station.recordings.labelled_clips import (
    Construction,
    frame_order,
    load_labels,
    parse_construction,
    side_clips,
)
from tests.conftest import SHARED_DATA


def test_a_rotation_starts_and_ends_in_its_stand_and_bounces_within_it():
    c = parse_construction("rotate at frame 6 (stand 4-8); 5 lead-in and 4 lead-out "
                           "standing frames (ping-pong)")
    assert c == Construction("rotate", rotate_at=6, stand=(4, 8), lead_in=5, lead_out=4)
    order = frame_order(c, 12, 30.0)
    # Frames 6..11 then 0..5; the stand at the start is 6-8 (3 frames), at the end 4-5 (2).
    body = [6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5]
    assert order == [7, 6, 7, 8, 7] + body + [4, 5, 4, 5]
    assert order[5:-4] == body


def test_a_half_rep_is_played_backwards_then_forwards_without_the_turn_twice():
    c = parse_construction("frames 1-5 reversed then forward (half rep made whole); "
                           "pillarbox crop x 437-843; 3 lead-in and 3 lead-out standing "
                           "frames (ping-pong)")
    assert c.order == "bounce" and c.crop_x == (437, 843)
    # No stand named: the leads bounce within the end's first third of a second (at 6 fps
    # that is 2 frames).
    assert frame_order(c, 10, 6.0) == [4, 5, 4] + [5, 4, 3, 2, 1, 2, 3, 4, 5] + [4, 5, 4]


def test_frames_as_filmed_and_the_whole_clip():
    assert frame_order(parse_construction("frames 2-4 as filmed; 0 lead-in and 0 lead-out"),
                       8, 30.0) == [2, 3, 4]
    assert frame_order(parse_construction("the whole clip as filmed"), 4, 30.0) == [0, 1, 2, 3]


@pytest.mark.parametrize("text, says", [
    ("shuffle the frames", "says neither"),
    ("rotate at frame 20 (stand 4-8)", "outside its stand"),
])
def test_a_construction_it_cannot_follow_is_one_line_naming_it(text, says):
    with pytest.raises(InputError, match=says) as err:
        parse_construction(text, "labels.json: x.mp4: construction")
    assert str(err.value).startswith("labels.json: x.mp4: construction")
    assert "\n" not in str(err.value)


def test_a_frame_past_the_clips_end_is_refused():
    with pytest.raises(InputError, match="past the clip's end"):
        frame_order(parse_construction("frames 2-40 as filmed"), 30, 30.0, "x.mp4")


def test_labels_missing_a_key_name_the_clip_and_the_key(tmp_path):
    (tmp_path / "labels.json").write_text(json.dumps({"a.mp4": {"reps": 1}}))
    with pytest.raises(InputError, match=r"a\.mp4: lacks key 'view'"):
        load_labels(tmp_path / "labels.json")


def test_every_label_in_the_shared_data_is_read():
    labels = load_labels(SHARED_DATA / "clips2" / "labels.json")
    assert len(labels) == 11
    views = {lab.name: (lab.view, lab.view_deg) for lab in labels}
    assert views["mat_good_01"] == ("side", 0.0)
    assert views["bx_good006"] == ("front", 90.0)
    assert views["seb_deadlift"] == ("oblique", 30.0)
    assert views["tby_0016a_2"] == ("oblique", 45.0)
    assert all(lab.video.is_file() for lab in labels)
    assert {lab.name for lab in side_clips(SHARED_DATA / "clips")} >= {
        "kb_deadlift_0016r_side", "deadlift_nico_unblocked"}


def test_a_built_set_is_cached_by_the_videos_content(tmp_path, monkeypatch):
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"not really a video")
    label = lc.ClipLabel("clip", video, 1, "left", "side", 0.0, "side", "fail", (),
                         parse_construction("the whole clip as filmed"),
                         "the whole clip as filmed")
    built: list[int] = []

    def fake_build(lab, pose=None):
        built.append(1)
        return PoseStream(np.array([0.0, 0.1]), np.zeros((2, 33, 4), np.float32), 64, 48)

    monkeypatch.setattr(lc, "build_set", fake_build)
    first = lc.labelled_set(label, cache=tmp_path / "cache")
    again = lc.labelled_set(label, cache=tmp_path / "cache")
    assert built == [1]  # the second read the cache
    assert np.array_equal(first.t, again.t) and again.width == 64
    video.write_bytes(b"another video")  # new content: built afresh
    lc.labelled_set(label, cache=tmp_path / "cache")
    assert built == [1, 1]
    assert not list((tmp_path / "cache").rglob("*.tmp.npz"))


def test_the_cache_lives_outside_the_repository(monkeypatch, tmp_path):
    monkeypatch.delenv("HINGE_STATION_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert lc.cache_dir() == tmp_path / "hinge-station"
    monkeypatch.setenv("HINGE_STATION_CACHE", str(tmp_path / "elsewhere"))
    assert lc.cache_dir() == tmp_path / "elsewhere"


def test_decoding_keeps_every_frame_cropped_and_in_order(tmp_path):
    import cv2

    video = tmp_path / "numbers.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (80, 40))
    for k in range(7):
        image = np.zeros((40, 80, 3), np.uint8)
        image[:, 20:60] = 30 * k  # the frame's number in its brightness
        writer.write(image)
    writer.release()
    frames, fps = lc._decode(video, (20, 60), tmp_path / "store")
    assert fps == pytest.approx(10.0)
    assert frames.shape == (7, 40, 40, 3)
    assert [int(round(frames[k].mean() / 30)) for k in range(7)] == list(range(7))
