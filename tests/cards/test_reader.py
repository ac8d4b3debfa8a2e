"""Cards read on real camera footage: real QR codes rendered into frames of the real clips,
held in front of the athlete at the size a card makes 2-2.5 m from the default camera."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from station.cards.reader import CardReader, CardSeen, parse_payload
from station.cards.sheet import LAYOUTS, Card, render_card
from station.errors import ConfigError
from station.sim.card_scene import (
    HAND_M,
    Holding,
    athlete_at,
    card_size_px,
    chest_point,
    place_card,
)

OURS = "K7QX"


def frames_of(clip, landmarks_file, picks):
    lms = np.load(landmarks_file)["landmarks"]
    cap = cv2.VideoCapture(str(clip))
    out, i = [], 0
    while len(out) < len(picks):
        ok, bgr = cap.read()
        assert ok, f"{clip} ended before frame {max(picks)}"
        if i in picks:
            out.append((cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), lms[i]))
        i += 1
    cap.release()
    return out


@pytest.fixture(scope="module")
def scenes(request):
    from tests.conftest import CLIPS

    if not CLIPS.is_dir():
        pytest.fail(f"real clips not found at {CLIPS}")
    clip = CLIPS / "kb_deadlift_0016c_side.mp4"
    return frames_of(clip, clip.with_suffix(".mediapipe-0.10.18-full.npz"), [0, 40, 80, 120])


def card_scene(frame, lm, payload, distance_m, holding, seed=0, layout="a4"):
    lay = LAYOUTS[layout]
    card = np.asarray(render_card(Card(payload, 3, "Sam", payload[-8:]), lay, 2.0))
    scene, moved = athlete_at(frame, lm, distance_m)
    mm = (lay.card_w_mm, lay.card_h_mm)
    at = chest_point(moved, card_size_px(mm, distance_m - HAND_M))
    return place_card(scene, card, mm, at, distance_m - HAND_M, holding,
                      np.random.default_rng(seed))


def test_a_card_shown_at_two_metres_is_read_on_real_frames(scenes):
    reader = CardReader(OURS)
    held = Holding(yaw_deg=12, pitch_deg=-6, roll_deg=8, defocus_px=0.6, glare=0.6, gain=0.8,
                   noise=3.0)
    for k, (frame, lm) in enumerate(scenes):
        img = card_scene(frame, lm, f"HS1:{OURS}:AB3D5FGH", 2.0, held, seed=k)
        assert img.shape == (480, 640, 3)
        assert reader.read(img) == CardSeen(OURS, "AB3D5FGH", ours=True), f"frame {k}"


def test_opencv_reads_a_card_up_close_too(scenes):
    frame, lm = scenes[0]
    img = card_scene(frame, lm, f"HS1:{OURS}:AB3D5FGH", 1.5, Holding(defocus_px=0.4))
    assert CardReader(OURS, "opencv").read(img) == CardSeen(OURS, "AB3D5FGH", True)


def test_another_stations_card_is_seen_as_not_ours(scenes):
    frame, lm = scenes[1]
    img = card_scene(frame, lm, "HS1:ZZZZ:AB3D5FGH", 2.0, Holding(defocus_px=0.5))
    assert CardReader(OURS).read(img) == CardSeen("ZZZZ", "AB3D5FGH", ours=False)


def test_frames_without_a_card_and_other_qr_codes_give_nothing(scenes):
    reader = CardReader(OURS)
    for frame, lm in scenes:
        scene, _ = athlete_at(frame, lm, 2.5)
        assert reader.read(scene) is None
    frame, lm = scenes[2]
    img = card_scene(frame, lm, "https://example.org/HS1", 1.5, Holding(defocus_px=0.4))
    assert reader.read(img) is None


def test_a_card_too_far_away_is_not_misread(scenes):
    """At 4 m an A5 card's modules are half a pixel: nothing read, and nothing wrong."""
    reader = CardReader(OURS)
    for k, (frame, lm) in enumerate(scenes):
        img = card_scene(frame, lm, f"HS1:{OURS}:AB3D5FGH", 4.0, Holding(), k, "a5")
        assert reader.read(img) is None


def test_payloads():
    assert parse_payload("HS1:K7QX:AB3D5FGH", "K7QX") == CardSeen("K7QX", "AB3D5FGH", True)
    assert parse_payload("HS1:K7QX:AB3D5FGH", "M2N3") == CardSeen("K7QX", "AB3D5FGH", False)
    for text in ("HS1:K7QX", "HS2:K7QX:AB3D5FGH", "hello", "HS1::AB", ""):
        assert parse_payload(text, "K7QX") is None


def test_an_unknown_decoder_is_a_config_error():
    with pytest.raises(ConfigError, match=r"\[cards\] decoder = 'pyzbar'"):
        CardReader(OURS, "pyzbar")
