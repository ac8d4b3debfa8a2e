"""Knowing a card on a camera frame: find QR codes, keep the ones this station printed.

`CardReader.read(image)` decodes one frame (RGB or greyscale array) and says which card, if
any, is in it. Decoding never keeps the frame. Two decoders are wrapped, chosen by
`[cards] decoder`: zxing-cpp (the default: on real clip frames it reads more cards at every
distance and costs a tenth as much per frame, bench.bench_cards) and OpenCV's
QRCodeDetector. A frame where nothing was found is tried again scaled up (`[cards] upscale`,
cubic): at 2 m a code's module is about 2 pixels, and twice the pixels let the decoder's
binariser find its edges.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from station.errors import ConfigError

PREFIX = "HS1"


@dataclass(frozen=True)
class CardSeen:
    """A station card on a frame: this station's (`station` matches) or another's."""

    station: str
    card: str
    ours: bool


def parse_payload(text: str, station: str) -> CardSeen | None:
    """A decoded text as a station card, or None when it is some other QR code."""
    parts = text.strip().split(":")
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
        return None
    return CardSeen(parts[1], parts[2], parts[1] == station)


def _grey(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return image
    # Luma from RGB with integer weights (no float image: a frame is decoded twice a second
    # on a Pi beside pose). Green carries most of it; channel order barely matters here.
    img = image.astype(np.uint16)
    return ((img[..., 0] * 77 + img[..., 1] * 150 + img[..., 2] * 29) >> 8).astype(np.uint8)


Decode = Callable[[np.ndarray], list[str]]


def zxing_decoder(upscale: int = 1) -> Decode:
    import cv2
    import zxingcpp

    fmt = zxingcpp.BarcodeFormat.QRCode

    def decode(grey: np.ndarray) -> list[str]:
        found = [r.text for r in zxingcpp.read_barcodes(grey, formats=fmt) if r.valid]
        if not found and upscale > 1:  # nothing as it is: try it scaled up
            grey = cv2.resize(grey, None, fx=upscale, fy=upscale,
                              interpolation=cv2.INTER_CUBIC)
            found = [r.text for r in zxingcpp.read_barcodes(grey, formats=fmt) if r.valid]
        return found

    return decode


def opencv_decoder(upscale: int = 1) -> Decode:
    import cv2

    detector = cv2.QRCodeDetector()

    def decode(grey: np.ndarray) -> list[str]:
        text, _points, _ = detector.detectAndDecode(grey)
        if not text and upscale > 1:
            grey = cv2.resize(grey, None, fx=upscale, fy=upscale,
                              interpolation=cv2.INTER_CUBIC)
            text, _points, _ = detector.detectAndDecode(grey)
        return [text] if text else []

    return decode


DECODERS: dict[str, Callable[[int], Decode]] = {
    "zxing": zxing_decoder,
    "opencv": opencv_decoder,
}


class CardReader:
    """Decodes frames and keeps the station's cards (see the module's doc)."""

    def __init__(self, station: str, decoder: str = "zxing", upscale: int = 2) -> None:
        if decoder not in DECODERS:
            raise ConfigError(f"[cards] decoder = {decoder!r} is not allowed "
                              f"(choose {', '.join(map(repr, DECODERS))})")
        self.station = station
        self._decode = DECODERS[decoder](upscale)

    def read(self, image: np.ndarray) -> CardSeen | None:
        """The first station card on the frame (this station's before another's), if any."""
        seen = [c for c in (parse_payload(t, self.station) for t in self._decode(_grey(image)))
                if c is not None]
        seen.sort(key=lambda c: not c.ours)
        return seen[0] if seen else None
