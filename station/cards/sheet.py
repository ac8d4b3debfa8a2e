"""Printable cards: one QR code per athlete, with their number and name, as PDF or PNG pages.

The code holds only the station's roster id and the athlete's random card id (never the
name). A card is as wide as the paper allows, because the camera sees it from 2-3 m at
640x480: at 2.5 m one pixel is about 4.7 mm, so each of the code's 21 modules needs 7 mm or
more to be read (bench.bench_cards has the figures). `a4` puts one card on an A4 page
(code 180 mm); `a5` two on a page (code 120 mm), read only up close.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont

from station.errors import InputError

DPI = 200  # print resolution of the pages: a module is then 40+ dots, crisp on any printer
MM = DPI / 25.4  # dots per millimetre
QUIET_MODULES = 2  # white modules around the code (plus the paper's margin)


@dataclass(frozen=True)
class CardLayout:
    """A card's size on paper: its page, and how many cards a page holds."""

    name: str
    code_mm: float  # the code's side, quiet zone included
    card_w_mm: float
    card_h_mm: float
    per_page: int


LAYOUTS = {
    "a4": CardLayout("a4", 180.0, 210.0, 297.0, 1),
    "a5": CardLayout("a5", 120.0, 210.0, 148.5, 2),
}


@dataclass(frozen=True)
class Card:
    """One athlete's card: what its code holds and what is printed beside it."""

    payload: str
    number: int
    name: str
    card_id: str


def qr_matrix(payload: str) -> list[list[bool]]:
    """The code's modules (True: dark), without quiet zone: version 1, error level M."""
    code = segno.make_qr(payload, error="m", boost_error=False)
    return [[bool(v) for v in row] for row in code.matrix]


def _font(size_px: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size_px)


def render_card(card: Card, layout: CardLayout, dots_per_mm: float = MM) -> Image.Image:
    """One card as a greyscale image at `dots_per_mm` (the tests and the bench render it
    small and put it into camera frames)."""
    w, h = round(layout.card_w_mm * dots_per_mm), round(layout.card_h_mm * dots_per_mm)
    img = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(img)
    matrix = qr_matrix(card.payload)
    n = len(matrix) + 2 * QUIET_MODULES
    module = layout.code_mm * dots_per_mm / n
    x0 = (w - layout.code_mm * dots_per_mm) / 2
    y0 = 12 * dots_per_mm
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                left = x0 + (c + QUIET_MODULES) * module
                top = y0 + (r + QUIET_MODULES) * module
                draw.rectangle([round(left), round(top), round(left + module) - 1,
                                round(top + module) - 1], fill=0)
    text_y = y0 + layout.code_mm * dots_per_mm + 4 * dots_per_mm
    big = _font(max(8, round(14 * dots_per_mm)))
    small = _font(max(6, round(4 * dots_per_mm)))
    draw.text((w / 2, text_y), f"#{card.number}  {card.name}", fill=0, font=big, anchor="ma")
    draw.text((w / 2, h - 8 * dots_per_mm),
              f"Hinge Station card {card.card_id[:4]}-{card.card_id[4:]}: hold it up to the "
              "camera before a set", fill=90, font=small, anchor="ms")
    return img


def render_pages(cards: list[Card], layout: CardLayout) -> list[Image.Image]:
    """The printable pages (A4 portrait), `layout.per_page` cards on each."""
    page_w, page_h = round(210 * MM), round(297 * MM)
    pages = []
    for start in range(0, len(cards), layout.per_page):
        page = Image.new("L", (page_w, page_h), 255)
        draw = ImageDraw.Draw(page)
        for k, card in enumerate(cards[start:start + layout.per_page]):
            y = round(k * layout.card_h_mm * MM)
            page.paste(render_card(card, layout), (0, y))
            if k:  # a cut line between two cards
                draw.line([(0, y), (page_w, y)], fill=180, width=2)
        pages.append(page)
    return pages


def write_cards(cards: list[Card], out: str | Path, layout: CardLayout) -> list[Path]:
    """The cards as one PDF (OUT ends in .pdf) or as PNG pages OUT-01.png, OUT-02.png...
    (anything else; a folder gets cards-01.png...). Returns the files written."""
    if not cards:
        raise InputError("no athletes to print cards for")
    out = Path(out)
    pages = render_pages(cards, layout)
    try:
        if out.suffix.lower() == ".pdf":
            out.parent.mkdir(parents=True, exist_ok=True)
            pages[0].save(out, "PDF", resolution=DPI, save_all=True, append_images=pages[1:])
            return [out]
        if out.is_dir():
            out = out / "cards"
        elif out.suffix.lower() == ".png":
            out = out.with_suffix("")
        out.parent.mkdir(parents=True, exist_ok=True)
        written = []
        for i, page in enumerate(pages, start=1):
            path = out.parent / f"{out.name}-{i:02d}.png"
            page.save(path, "PNG", dpi=(DPI, DPI))
            written.append(path)
        return written
    except OSError as exc:
        raise InputError(f"{out}: cannot write the cards ({exc})") from None
