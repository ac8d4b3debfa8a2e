"""Colours, type sizes and the screen's layout, scaled to the screen so a class can read it.

Every size is a fraction of the screen height: the 800x480 touch display is the smallest
screen the layout supports, and a bigger screen only makes everything bigger. From three
metres a letter needs about 8 mm to be read at all and 25 mm to be read at a glance; on the
7-inch display (5.2 px/mm) that is 42 px and 130 px, so cues are set at 1/9 of the height
(53 px) and the verdict and the rep count far above that.
"""

from __future__ import annotations

from dataclasses import dataclass

import pygame

Colour = tuple[int, int, int]

BACKGROUND: Colour = (14, 18, 24)
PANEL: Colour = (30, 36, 46)
TEXT: Colour = (245, 245, 245)
DIM: Colour = (150, 160, 172)
GREEN: Colour = (30, 200, 80)
RED: Colour = (235, 45, 45)
AMBER: Colour = (255, 176, 0)
BLUE: Colour = (70, 150, 255)
INK: Colour = (10, 10, 10)  # text on a green or amber fill
BODY: Colour = (92, 104, 122)  # the drawn figure's limbs
BONE: Colour = (255, 255, 255)  # the skeleton's lines
STICK: Colour = (222, 184, 135)  # the dowel
BAND: Colour = (255, 120, 200)  # the resistance band
HIP_PATH: Colour = (0, 220, 255)


@dataclass(frozen=True)
class Layout:
    """Where each part of a screen goes, in pixels, for one screen size."""

    width: int
    height: int
    bar: pygame.Rect  # top strip: status badges, class countdown
    figure: pygame.Rect  # the camera image or the drawn figure
    panel: pygame.Rect  # the words: rep count, cue, gauge, checks
    margin: int

    @classmethod
    def for_size(cls, width: int, height: int) -> Layout:
        margin = max(6, height // 60)
        bar_h = max(28, height // 12)
        bar = pygame.Rect(0, 0, width, bar_h)
        body_top = bar_h
        body_h = height - bar_h
        # The figure takes a bit under half the width: a side view of a hinge is about as
        # wide as it is tall, and the words need the rest at their size.
        fig_w = min(int(width * 0.44), int(body_h * 1.1))
        figure = pygame.Rect(0, body_top, fig_w, body_h)
        panel = pygame.Rect(fig_w, body_top, width - fig_w, body_h)
        return cls(width, height, bar, figure, panel, margin)


class Theme:
    """The fonts for one screen size, made once (making a font is slow; drawing is not)."""

    def __init__(self, width: int, height: int, font_path: str | None = None) -> None:
        if not pygame.font.get_init():
            pygame.font.init()
        self.layout = Layout.for_size(width, height)
        h = height

        def font(frac: float) -> pygame.font.Font:
            """A font whose line is `frac` of the screen height (a font's nominal size is
            not its height: pygame's default font is about 0.7 of it)."""
            want = max(12, int(h * frac))
            f = pygame.font.Font(font_path, want)
            size = max(8, round(want * want / max(1, f.get_height())))
            return pygame.font.Font(font_path, size)

        self.huge = font(0.36)  # PASS / FAIL, the countdown's digits on the summary
        self.big = font(0.22)  # the rep count
        self.title = font(0.135)  # screen titles
        self.cue = font(0.11)  # the cue: 53 px at 480
        self.body = font(0.085)  # checks, setup steps, menu rows
        self.step = font(0.07)  # the idle screen's setup steps when `body` is too wide
        self.small = font(0.055)  # labels
        self.badge = font(0.045)  # the status strip: four parts must fit across 800 px
        # PASS / FAIL as big as the words panel allows.
        frac = 0.36
        self.verdict = self.huge
        while self.verdict.size("PASS")[0] > 0.9 * self.layout.panel.width and frac > 0.1:
            frac -= 0.02
            self.verdict = font(frac)
        self.verdict.set_bold(True)
        self.cue.set_bold(True)
        self.title.set_bold(True)
        self.huge.set_bold(True)
        self.big.set_bold(True)
        self.line = max(3, h // 110)  # line width for the skeleton
        self.thick = max(4, h // 50)  # the stick, the limbs of the drawn figure
