"""A printed card held up in a real camera frame: for the card reader's tests and bench.

A frame of a real clip is scaled so the athlete stands `distance_m` from the station's
default camera (640x480, the Pi Camera Module 2's 62.2 degrees across), and the card is put
in front of their chest, a hand's distance toward the camera, seen in perspective (turned,
tilted), with printer-paper contrast, defocus and motion blur, a glare spot and sensor noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from station.domain import (
    LEFT_ANKLE,
    LEFT_SHOULDER,
    NOSE,
    RIGHT_ANKLE,
    RIGHT_SHOULDER,
)

WIDTH, HEIGHT = 640, 480
HFOV_DEG = 62.2  # Raspberry Pi Camera Module 2 across the full 4:3 sensor
BODY_M = 1.75  # the athlete's height
HAND_M = 0.3  # the card is held this far in front of the chest, toward the camera


def focal_px(width: int = WIDTH, hfov_deg: float = HFOV_DEG) -> float:
    return (width / 2) / math.tan(math.radians(hfov_deg) / 2)


def mm_per_px(distance_m: float) -> float:
    """How many millimetres one pixel spans at that distance from the camera."""
    return distance_m * 1000.0 / focal_px()


@dataclass(frozen=True)
class Holding:
    """How the card is held and seen: turn, tilt, blur, glare, light."""

    yaw_deg: float = 0.0
    pitch_deg: float = 0.0
    roll_deg: float = 0.0
    defocus_px: float = 0.5  # Gaussian sigma
    motion_px: float = 0.0  # length of a horizontal motion blur
    glare: float = 0.0  # 0..1: strength of a specular spot on the card
    gain: float = 1.0  # exposure
    noise: float = 2.0  # sensor noise, grey levels

    @staticmethod
    def random(rng: np.random.Generator, shown: bool = False) -> Holding:
        """A careless holding (turned up to 40 degrees, tilted, often moving), or one
        `shown` to the camera as the setup screen asks (nearly facing it, held still)."""
        if shown:
            return Holding(
                yaw_deg=float(rng.uniform(-15, 15)), pitch_deg=float(rng.uniform(-10, 10)),
                roll_deg=float(rng.uniform(-10, 10)), defocus_px=float(rng.uniform(0.3, 0.8)),
                glare=float(rng.choice([0.0, rng.uniform(0.3, 1.0)])),
                gain=float(rng.uniform(0.6, 1.1)), noise=float(rng.uniform(1.5, 4.0)))
        return Holding(
            yaw_deg=float(rng.uniform(-40, 40)), pitch_deg=float(rng.uniform(-20, 20)),
            roll_deg=float(rng.uniform(-20, 20)), defocus_px=float(rng.uniform(0.3, 1.2)),
            motion_px=float(rng.choice([0.0, rng.uniform(1, 4)])),
            glare=float(rng.choice([0.0, rng.uniform(0.3, 1.0)])),
            gain=float(rng.uniform(0.6, 1.1)), noise=float(rng.uniform(1.5, 4.0)))


def athlete_at(frame: np.ndarray, landmarks: np.ndarray, distance_m: float) -> tuple[
        np.ndarray, np.ndarray]:
    """The clip frame scaled and cropped to 640x480 as if the athlete stood `distance_m` away;
    returns it and a function's worth of landmarks (normalised to the new frame)."""
    h, w = frame.shape[:2]
    pts = landmarks[:, :2] * (w, h)
    top = pts[NOSE, 1] - 0.12 * (np.nanmax(pts[[LEFT_ANKLE, RIGHT_ANKLE], 1]) - pts[NOSE, 1])
    bottom = np.nanmax(pts[[LEFT_ANKLE, RIGHT_ANKLE], 1])
    height_px = max(bottom - top, 10.0)
    # A lifter bent over shows less than a standing height; the clip's frame is scaled by the
    # body's length along its landmarks' spread instead when that is larger.
    spread = float(np.nanmax(pts[:, 0]) - np.nanmin(pts[:, 0]))
    size_px = max(height_px, spread)
    want_px = BODY_M * 1000.0 / mm_per_px(distance_m)
    s = want_px / size_px
    scaled = cv2.resize(frame, None, fx=s, fy=s, interpolation=cv2.INTER_AREA if s < 1
                        else cv2.INTER_LINEAR)
    cx = float(np.nanmean(pts[:, 0])) * s
    cy = (top + bottom) / 2 * s
    x0, y0 = round(cx - WIDTH / 2), round(cy - HEIGHT / 2)
    pad = max(0, -x0, -y0, x0 + WIDTH - scaled.shape[1], y0 + HEIGHT - scaled.shape[0])
    if pad:
        scaled = cv2.copyMakeBorder(scaled, pad, pad, pad, pad, cv2.BORDER_REFLECT)
    out = scaled[y0 + pad:y0 + pad + HEIGHT, x0 + pad:x0 + pad + WIDTH].copy()
    moved = landmarks.copy()
    moved[:, 0] = (pts[:, 0] * s - x0) / WIDTH
    moved[:, 1] = (pts[:, 1] * s - y0) / HEIGHT
    return out, moved


def chest_point(landmarks: np.ndarray, card_px: tuple[float, float]) -> tuple[float, float]:
    """Where a card held up in front of the chest is centred, in pixels of the frame: below
    the shoulders, kept whole inside the picture (an athlete shows the camera all of it)."""
    sh = np.nanmean(landmarks[[LEFT_SHOULDER, RIGHT_SHOULDER], :2], axis=0)
    x, y = (WIDTH / 2, HEIGHT / 3) if not np.all(np.isfinite(sh)) else (
        float(sh[0] * WIDTH), float(sh[1] * HEIGHT + 0.6 * card_px[1]))
    half_w, half_h = 0.6 * card_px[0], 0.6 * card_px[1]
    return (min(max(x, half_w), WIDTH - half_w), min(max(y, half_h), HEIGHT - half_h))


def card_size_px(card_mm: tuple[float, float], distance_m: float) -> tuple[float, float]:
    """The card's width and height on the frame, facing the camera `distance_m` away."""
    return card_mm[0] / mm_per_px(distance_m), card_mm[1] / mm_per_px(distance_m)


def place_card(frame: np.ndarray, card: np.ndarray, card_mm: tuple[float, float],
               center_px: tuple[float, float], distance_m: float, holding: Holding,
               rng: np.random.Generator) -> np.ndarray:
    """`frame` (H, W, 3 uint8) with the card image (greyscale, any resolution, its paper
    `card_mm` wide and high) held `distance_m` from the camera around `center_px`."""
    card = card.astype(np.float32)
    ch, cw = card.shape
    # Printed paper under gym light: ink is not black, paper not white; glare washes out a
    # spot of it.
    card = 35.0 + card * (225.0 - 35.0) / 255.0
    if holding.glare > 0:
        gy, gx = rng.uniform(0.2, 0.8) * ch, rng.uniform(0.2, 0.8) * cw
        r = rng.uniform(0.12, 0.3) * cw
        yy, xx = np.mgrid[0:ch, 0:cw]
        spot = np.exp(-((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * r * r))
        card = card + holding.glare * 230.0 * spot
    card = np.clip(card, 0, 255).astype(np.uint8)
    # The card's corners in 3-D (metres, camera looking along +z), turned and projected.
    w_m, h_m = card_mm[0] / 1000.0, card_mm[1] / 1000.0
    corners = np.array([[-w_m / 2, -h_m / 2, 0], [w_m / 2, -h_m / 2, 0],
                        [w_m / 2, h_m / 2, 0], [-w_m / 2, h_m / 2, 0]])
    rot = _rotation(holding.yaw_deg, holding.pitch_deg, holding.roll_deg)
    pts3 = corners @ rot.T + (0.0, 0.0, distance_m)
    f = focal_px()
    proj = pts3[:, :2] / pts3[:, 2:3] * f + center_px
    src = np.float32([[0, 0], [cw, 0], [cw, ch], [0, ch]])
    m = cv2.getPerspectiveTransform(src, proj.astype(np.float32))
    grey = cv2.warpPerspective(card, m, (frame.shape[1], frame.shape[0]),
                               flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((ch, cw), 255, np.uint8), m,
                               (frame.shape[1], frame.shape[0]), flags=cv2.INTER_LINEAR)
    alpha = (mask.astype(np.float32) / 255.0)[..., None]
    out = frame.astype(np.float32) * (1 - alpha) + grey[..., None].astype(np.float32) * alpha
    return finish(out, holding, rng)


def finish(image: np.ndarray, holding: Holding, rng: np.random.Generator) -> np.ndarray:
    """The camera's part: defocus, motion blur, exposure and sensor noise."""
    out = image.astype(np.float32)
    if holding.defocus_px > 0:
        out = cv2.GaussianBlur(out, (0, 0), holding.defocus_px)
    if holding.motion_px >= 1:
        k = int(round(holding.motion_px))
        kernel = np.zeros((k, k), np.float32)
        kernel[k // 2, :] = 1.0 / k
        out = cv2.filter2D(out, -1, kernel)
    out = out * holding.gain + rng.normal(0, holding.noise, out.shape)
    return np.clip(out, 0, 255).astype(np.uint8)


def _rotation(yaw: float, pitch: float, roll: float) -> np.ndarray:
    y, p, r = (math.radians(a) for a in (yaw, pitch, roll))
    ry = np.array([[math.cos(y), 0, math.sin(y)], [0, 1, 0], [-math.sin(y), 0, math.cos(y)]])
    rx = np.array([[1, 0, 0], [0, math.cos(p), -math.sin(p)], [0, math.sin(p), math.cos(p)]])
    rz = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
    return rz @ rx @ ry
