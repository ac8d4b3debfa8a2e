"""Drawing pieces the screens share: cached text, badges, the gauge, ticks, the skeleton.

Nothing here makes a screen-sized surface: text is rendered once per (font, words, colour)
and kept, and everything else is drawn straight onto the target with `pygame.draw`.
"""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
import pygame

from station.domain import (
    LEFT_ANKLE,
    LEFT_EAR,
    LEFT_HIP,
    LEFT_SHOULDER,
    RIGHT_ANKLE,
    RIGHT_EAR,
    RIGHT_HIP,
    RIGHT_SHOULDER,
    SKELETON_EDGES,
    Side,
)
from station.flow.view import Badge, Check
from station.kiosk import theme as th


class TextCache:
    """Rendered text kept by (font, text, colour) so a steady screen renders no text at all."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._cache: OrderedDict[tuple, pygame.Surface] = OrderedDict()
        self._wraps: OrderedDict[tuple, list[str]] = OrderedDict()
        self._fits: OrderedDict[tuple, list[tuple[str, int]]] = OrderedDict()

    def render(self, font: pygame.font.Font, text: str, colour: th.Colour) -> pygame.Surface:
        key = (id(font), text, colour)
        surf = self._cache.get(key)
        if surf is None:
            surf = font.render(text, True, colour)
            self._cache[key] = surf
            if len(self._cache) > self._size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return surf

    def wrap(self, font: pygame.font.Font, text: str, width: int) -> list[str]:
        """Split `text` into lines no wider than `width` pixels (a long word gets its own)."""
        key = (id(font), text, width)
        lines = self._wraps.get(key)
        if lines is None:
            lines = []
            line = ""
            for word in text.split():
                trial = f"{line} {word}".strip()
                if line and font.size(trial)[0] > width:
                    lines.append(line)
                    line = word
                else:
                    line = trial
            if line:
                lines.append(line)
            self._wraps[key] = lines
            if len(self._wraps) > self._size:
                self._wraps.popitem(last=False)
        return lines

    def fit_badges(self, font: pygame.font.Font, parts: tuple[tuple[str, str], ...],
                   width: int, pad: int, gap: int) -> list[tuple[str, int]]:
        """`fit_badge_labels`, each with the width of its part's name, kept: the strip is
        worked out again only when a part changes. Where a reason would be cut, the parts
        that are up show their dots alone if that leaves more of the reasons."""
        key = (id(font), parts, width, pad, gap)
        fitted = self._fits.get(key)
        if fitted is None:
            labels = fit_badge_labels(font, parts, width, pad, gap)
            if any(reason and label != f"{name}: {reason}" for label, (name, reason) in zip(
                    labels, parts, strict=True)):
                # A part that is down had its reason cut: the parts that are up give up
                # their names first (their green dots say it), if that says more.
                bare = tuple((name if reason else "", reason) for name, reason in parts)
                dots = fit_badge_labels(font, bare, width, pad, gap)
                if sum(map(len, dots)) > sum(len(t) for t, (n, r) in zip(
                        labels, parts, strict=True) if r):
                    labels, parts = dots, bare
            fitted = [(label, font.size(name)[0]) for label, (name, _) in zip(
                labels, parts, strict=True)]
            self._fits[key] = fitted
            if len(self._fits) > self._size:
                self._fits.popitem(last=False)
        return fitted


def blit_text(target: pygame.Surface, cache: TextCache, font: pygame.font.Font, text: str,
              colour: th.Colour, pos: tuple[int, int], anchor: str = "topleft") -> pygame.Rect:
    """Draw one line of text with its `anchor` ("topleft", "center", "midtop", ...) at `pos`."""
    surf = cache.render(font, text, colour)
    rect = surf.get_rect(**{anchor: pos})
    target.blit(surf, rect)
    return rect


def blit_wrapped(target: pygame.Surface, cache: TextCache, font: pygame.font.Font, text: str,
                 colour: th.Colour, rect: pygame.Rect, centre: bool = False,
                 max_lines: int = 4) -> int:
    """Draw `text` wrapped into `rect`'s width from its top; returns the height used."""
    y = rect.top
    step = font.get_linesize()
    for line in cache.wrap(font, text, rect.width)[:max_lines]:
        if centre:
            blit_text(target, cache, font, line, colour, (rect.centerx, y), "midtop")
        else:
            blit_text(target, cache, font, line, colour, (rect.left, y))
        y += step
    return y - rect.top


def fit_font(cache: TextCache, fonts: list[pygame.font.Font], text: str, width: int,
             max_lines: int, height: int | None = None) -> pygame.font.Font:
    """The first (biggest) of `fonts` that sets `text` in `width` within `max_lines` lines
    (and, given `height`, within that many pixels)."""
    for font in fonts:
        lines = len(cache.wrap(font, text, width))
        if lines <= max_lines and (height is None or lines * font.get_linesize() <= height):
            return font
    return fonts[-1]


def draw_tick(target: pygame.Surface, centre: tuple[int, int], r: int, ok: bool | None) -> None:
    """A round mark: green tick, red cross, or grey dash when the check is not available."""
    colour = th.GREEN if ok else (th.DIM if ok is None else th.RED)
    pygame.draw.circle(target, colour, centre, r)
    cx, cy = centre
    w = max(3, r // 4)
    if ok:
        pts = [(cx - r * 0.5, cy), (cx - r * 0.12, cy + r * 0.4), (cx + r * 0.5, cy - r * 0.38)]
        pygame.draw.lines(target, th.INK, False, pts, w)
    elif ok is None:
        pygame.draw.line(target, th.INK, (cx - r * 0.5, cy), (cx + r * 0.5, cy), w)
    else:
        d = r * 0.42
        pygame.draw.line(target, th.TEXT, (cx - d, cy - d), (cx + d, cy + d), w)
        pygame.draw.line(target, th.TEXT, (cx - d, cy + d), (cx + d, cy - d), w)


def draw_checks(target: pygame.Surface, cache: TextCache, theme: th.Theme,
                checks: list[Check], rect: pygame.Rect,
                regions: dict[str, pygame.Rect] | None = None) -> None:
    """The setup checks as rows: a big tick or cross, the label, and the hint under it."""
    if not checks:
        return
    row_h = rect.height // len(checks)
    r = min(row_h // 3, theme.body.get_height() // 2 + 6)
    for i, check in enumerate(checks):
        top = rect.top + i * row_h
        cy = top + r + 4
        draw_tick(target, (rect.left + r, cy), r, check.ok)
        if regions is not None:
            regions[f"check{i}"] = pygame.Rect(rect.left, cy - r, 2 * r, 2 * r)
        x = rect.left + 2 * r + theme.layout.margin * 2
        colour = th.TEXT if check.ok else th.DIM
        blit_text(target, cache, theme.body, check.label, colour, (x, cy), "midleft")
        if check.hint and not check.ok:
            hint = pygame.Rect(x, cy + theme.body.get_height() // 2 + 2, rect.right - x,
                               row_h - r - theme.body.get_height() // 2)
            # The hint keeps to its row: a smaller font before a lost word (at 480x320 a
            # two-line hint in `small` ran into the next row or lost its end).
            font = fit_font(cache, [theme.body, theme.small, theme.badge], check.hint,
                            hint.width, 3, hint.height)
            blit_wrapped(target, cache, font, check.hint,
                         th.DIM if check.ok is None else th.AMBER, hint,
                         max_lines=max(1, hint.height // font.get_linesize()))


def draw_badges(target: pygame.Surface, cache: TextCache, theme: th.Theme,
                badges: list[Badge], rect: pygame.Rect,
                regions: dict[str, pygame.Rect] | None = None) -> int:
    """The status strip: a dot per part, green when up; a red pill when down, with its reason
    in as many words as fit in `rect` (the strip's room: short of the menu icon).

    Nothing is drawn outside `rect`. Returns the x where the strip ended.
    """
    font = theme.badge
    margin = theme.layout.margin
    x = rect.left + margin
    cy = rect.centery
    r = max(5, rect.height // 6)
    pad = 3 * r + 12  # the dot and the pill's round ends around the words
    parts = tuple((b.name.upper(), "" if b.ok else b.reason) for b in badges)
    labels = cache.fit_badges(font, parts, rect.width - 2 * margin, pad, margin)
    clip = target.get_clip()
    target.set_clip(rect.clip(clip))  # only names too long for any screen would reach it
    for b, (label, name_w) in zip(badges, labels, strict=True):
        text = cache.render(font, label, th.DIM if b.ok else th.TEXT)
        w = text.get_width() + pad
        pill = pygame.Rect(x, rect.top + 4, w, rect.height - 8)
        if not b.ok:
            pygame.draw.rect(target, th.RED, pill, border_radius=pill.height // 2)
        pygame.draw.circle(target, th.GREEN if b.ok else th.TEXT, (x + 2 * r, cy), r)
        words = target.blit(text, text.get_rect(midleft=(x + 3 * r + 6, cy)))
        if regions is not None:
            regions[f"badge:{b.name}"] = pill
            regions[f"badge_name:{b.name}"] = pygame.Rect(
                words.left, words.top, name_w, words.height)
        x += w + margin
    target.set_clip(clip)
    return x


def shortenings(reason: str) -> list[str]:
    """`reason` and the shorter ways to say it, longest first, ending with "" (none at all).

    The parts write "what: detail" ("lost: retry in 4 s"); cut, that is the what ("lost").
    Other reasons lose a word at a time, down to two ("Failed to add…"): one word alone
    ("not…") says little, so it goes altogether instead.
    """
    if not reason:
        return [""]
    head, colon, _ = reason.partition(":")
    if colon and head.strip():
        return [reason, head.strip(), ""]
    words = reason.split()
    cut = [" ".join(words[:n]).rstrip(",;-") + "\u2026" for n in range(len(words) - 1, 1, -1)]
    return [reason, *cut, ""]


def fit_badge_labels(font: pygame.font.Font, parts: tuple[tuple[str, str], ...], width: int,
                     pad: int, gap: int) -> list[str]:
    """The words on each badge ("CAMERA: lost: retry…") so that the strip fits `width`.

    `parts` are (name, reason) with "" for a part that is up; each badge is its words plus
    `pad`, with `gap` between badges. The widest reason is cut by a word at a time; when
    every reason is as short as it goes, the last part's reason is left off and the rest
    start again at full length, and so on from the right (the camera's stays longest); a
    reason left off comes back if it fits in the room left over. The names always stay (at
    the supported screen sizes all four fit with no reasons at all).
    """
    sizes: dict[str, int] = {}

    def size(text: str) -> int:
        if text not in sizes:
            sizes[text] = font.size(text)[0]
        return sizes[text]

    options = [shortenings(reason) for _, reason in parts]
    down = [i for i, (_, reason) in enumerate(parts) if reason]

    def labels(choice: list[int]) -> list[str]:
        return [f"{name}: {options[i][j]}" if options[i][j] else name
                for i, ((name, _), j) in enumerate(zip(parts, choice, strict=True))]

    def fits(choice: list[int]) -> bool:
        out = labels(choice)
        return sum(size(t) + pad for t in out) + gap * (len(out) - 1) <= width

    for keep in range(len(down), -1, -1):
        choice = [0] * len(parts)
        for i in down[keep:]:
            choice[i] = len(options[i]) - 1
        while True:
            if fits(choice):
                for i in down[keep:]:  # the room left over, for the reasons left off
                    for j in range(len(options[i]) - 1):
                        if fits([j if k == i else c for k, c in enumerate(choice)]):
                            choice[i] = j
                            break
                return labels(choice)
            shorter = [i for i in down[:keep] if choice[i] < len(options[i]) - 2]
            if not shorter:
                break
            widest = max(shorter, key=lambda i: size(options[i][choice[i]]))
            choice[widest] += 1
    return [name for name, _ in parts]


def draw_gauge(target: pygame.Surface, cache: TextCache, theme: th.Theme, rect: pygame.Rect,
               value: float | None, lo: float, hi: float,
               missing: str = "no reading") -> pygame.Rect:
    """The band's tension: a bar with the working range in green and a marker at the value;
    without a value (`missing` says why), the range greyed and no marker.

    Returns the bar's rectangle."""
    label_h = theme.small.get_height()
    bar = pygame.Rect(rect.left, rect.top + label_h + 4, rect.width, rect.height - label_h - 4)
    top = hi * 1.3
    pygame.draw.rect(target, th.PANEL, bar, border_radius=6)

    def x_of(v: float) -> int:
        return bar.left + int(bar.width * min(1.0, max(0.0, v / top)))

    working = pygame.Rect(x_of(lo), bar.top, x_of(hi) - x_of(lo), bar.height)
    if value is None:
        pygame.draw.rect(target, th.BODY, working)
        blit_text(target, cache, theme.small, f"BAND: {missing}", th.DIM, rect.topleft)
        return bar
    pygame.draw.rect(target, (20, 90, 45), working)
    ok = lo <= value <= hi
    colour = th.GREEN if ok else th.RED
    fill = pygame.Rect(bar.left, bar.top + bar.height // 4, x_of(value) - bar.left,
                       bar.height // 2)
    pygame.draw.rect(target, colour, fill)
    mx = x_of(value)
    pygame.draw.line(target, th.TEXT, (mx, bar.top - 2), (mx, bar.bottom + 2), 4)
    word = "OK" if ok else ("SLACK" if value < lo else "TOO TIGHT")
    blit_text(target, cache, theme.small, f"BAND {value:4.0f} N  {word}", colour, rect.topleft)
    return bar


class FigureTransform:
    """Maps normalised image coordinates to the figure rectangle.

    Over a camera image: fit by height and crop the sides. Over a drawn figure (no image):
    zoom so the standing person fills the height, feet near the bottom. The crop and the zoom
    follow the person slowly, so the picture does not jump during a rep.
    """

    def __init__(self, rect: pygame.Rect) -> None:
        self.rect = rect
        self.centre = 0.5  # person's horizontal centre, normalised
        self.feet = 1.0  # person's lowest point, normalised
        self.extent = 0.0  # person's standing height, normalised (its largest, decaying)
        self.scale = 1.0  # figure pixels per image pixel
        self.x0 = 0.0  # image pixel at the figure's left edge
        self.y0 = 0.0  # image pixel at the figure's top edge
        self.image_w = 640
        self.image_h = 480

    def update(self, image_size: tuple[int, int], landmarks: np.ndarray | None,
               zoom: bool = False) -> None:
        w, h = image_size
        self.image_w, self.image_h = w, h
        if landmarks is not None:
            xy = landmarks[:, :2]
            xy = xy[np.isfinite(xy).all(axis=1)]
            if len(xy):
                lo, hi = xy.min(axis=0), xy.max(axis=0)
                if self.extent == 0.0:  # first sight: start where the person is
                    self.centre = 0.5 * float(lo[0] + hi[0])
                    self.feet = float(hi[1])
                self.centre += 0.08 * (0.5 * float(lo[0] + hi[0]) - self.centre)
                self.feet += 0.08 * (float(hi[1]) - self.feet)
                tall = float(hi[1] - lo[1])
                self.extent = tall if tall > self.extent else self.extent + 0.003 * (
                    tall - self.extent)
        if zoom and self.extent > 0.05:
            self.scale = 0.8 * self.rect.height / (self.extent * h)
            self.y0 = self.feet * h - 0.92 * self.rect.height / self.scale
        else:
            self.scale = self.rect.height / h
            self.y0 = 0.0
        crop_w = self.rect.width / self.scale
        x0 = self.centre * w - crop_w / 2
        self.x0 = min(max(0.0, x0), max(0.0, w - crop_w)) if crop_w < w else (w - crop_w) / 2
        if zoom:
            self.x0 = x0

    def point(self, x: float, y: float) -> tuple[int, int]:
        return (int(self.rect.left + (x * self.image_w - self.x0) * self.scale),
                int(self.rect.top + (y * self.image_h - self.y0) * self.scale))

    def crop(self) -> pygame.Rect:
        """The part of the camera image shown (image pixels; only without zoom)."""
        crop_w = int(round(self.rect.width / self.scale))
        x0 = int(round(max(0.0, self.x0)))
        return pygame.Rect(x0, 0, min(crop_w, self.image_w - x0), self.image_h)


_NEAR = {Side.LEFT: (LEFT_EAR, LEFT_SHOULDER, LEFT_HIP, LEFT_ANKLE),
         Side.RIGHT: (RIGHT_EAR, RIGHT_SHOULDER, RIGHT_HIP, RIGHT_ANKLE)}
_LEFT_POINTS = frozenset(i for i in range(33) if i in (1, 2, 3, 7, 9, 11, 13, 15, 17, 19, 21,
                                                        23, 25, 27, 29, 31))


def near_side(landmarks: np.ndarray, side: Side | None) -> Side:
    """The side nearest the camera: the coach's when known, else the more visible one."""
    if side is not None:
        return side
    left = np.nansum(landmarks[[LEFT_SHOULDER, LEFT_HIP, LEFT_ANKLE], 3])
    right = np.nansum(landmarks[[RIGHT_SHOULDER, RIGHT_HIP, RIGHT_ANKLE], 3])
    return Side.LEFT if left >= right else Side.RIGHT


def draw_skeleton(target: pygame.Surface, theme: th.Theme, tf: FigureTransform,
                  landmarks: np.ndarray, side: Side | None, stick_ok: bool,
                  body: bool, min_visibility: float = 0.5) -> None:
    """The pose over the picture: limbs (thick, when there is no camera image), bones, the
    stick line from the ear through the shoulder to the hip, in green or red."""
    near = near_side(landmarks, side)
    near_is_left = near is Side.LEFT
    vis = landmarks[:, 3]
    pts = [tf.point(float(x), float(y)) if np.isfinite(x) and np.isfinite(y) else None
           for x, y in landmarks[:, :2]]
    if body:
        for a, b in SKELETON_EDGES:
            if pts[a] is None or pts[b] is None:
                continue
            on_near = (a in _LEFT_POINTS) == near_is_left and (b in _LEFT_POINTS) == near_is_left
            colour = th.BODY if on_near else (52, 58, 70)
            pygame.draw.line(target, colour, pts[a], pts[b], theme.thick * (3 if on_near else 2))
        ear = pts[_NEAR[near][0]]
        if ear is not None:
            pygame.draw.circle(target, th.BODY, ear, theme.thick * 3)
    sure = [p is not None and vis[i] >= min_visibility for i, p in enumerate(pts)]
    seen = [(pts[a], pts[b]) for a, b in SKELETON_EDGES if sure[a] and sure[b]]
    joints = [p for i, p in enumerate(pts) if sure[i] and i >= 11]  # not the face's points
    # A dark outline under every bone keeps the skeleton visible on a bright camera picture.
    for a, b in seen:
        pygame.draw.line(target, th.INK, a, b, theme.line + 4)
    for p in joints:
        pygame.draw.circle(target, th.INK, p, theme.line + 4)
    for a, b in seen:
        pygame.draw.line(target, th.BONE, a, b, theme.line)
    for p in joints:
        pygame.draw.circle(target, th.BONE, p, theme.line + 2)
    ear_i, shoulder_i, hip_i, _ = _NEAR[near]
    ear, hip = pts[ear_i], pts[hip_i]
    if ear is not None and hip is not None:
        # The stick runs from above the head to below the tailbone along ear -> hip.
        dx, dy = hip[0] - ear[0], hip[1] - ear[1]
        a = (ear[0] - 0.15 * dx, ear[1] - 0.15 * dy)
        b = (hip[0] + 0.12 * dx, hip[1] + 0.12 * dy)
        pygame.draw.line(target, th.INK, a, b, theme.thick + 4)
        pygame.draw.line(target, th.GREEN if stick_ok else th.RED, a, b, theme.thick)
        for i in (ear_i, shoulder_i, hip_i):
            if pts[i] is not None:
                pygame.draw.circle(target, th.GREEN if stick_ok else th.RED, pts[i],
                                   theme.thick + 3, 3)


def draw_path(target: pygame.Surface, theme: th.Theme, tf: FigureTransform,
              path: np.ndarray, n: int) -> None:
    """The hip's path over the last seconds, as a line."""
    if n < 2:
        return
    pts = [tf.point(float(x), float(y)) for x, y in path[:n] if np.isfinite(x)]
    if len(pts) >= 2:
        pygame.draw.lines(target, th.INK, False, pts, theme.line + 5)
        pygame.draw.lines(target, th.HIP_PATH, False, pts, theme.line + 1)
        pygame.draw.circle(target, th.HIP_PATH, pts[-1], theme.thick + 2)


def format_clock(seconds: float) -> str:
    """Seconds as m:ss, rounded up (a countdown shows 0:01 until it is really over)."""
    s = max(0, math.ceil(seconds))
    return f"{s // 60}:{s % 60:02d}"
