"""The screens: idle, setup check, live coaching, the per-rep verdict, the set summary, and
the menu, badges and class countdown drawn over them.

`Renderer.render(target, view)` draws one frame of a `KioskView`. Everything it needs that is
screen-sized (the camera picture's surface) it makes once, in its constructor.
"""

from __future__ import annotations

import numpy as np
import pygame

from station.domain import Fault
from station.flow.view import KioskView, Part, Screen
from station.kiosk import theme as th
from station.kiosk.attract import HingeFigure
from station.kiosk.widgets import (
    FigureTransform,
    TextCache,
    blit_text,
    blit_wrapped,
    draw_badges,
    draw_checks,
    draw_gauge,
    draw_path,
    draw_skeleton,
    fit_font,
    format_clock,
)

FAULT_NAMES = {
    Fault.HIPS_STOPPED: "Hips stopped",
    Fault.KNEE_BEND: "Knees bent",
    Fault.STICK_CONTACT: "Off the stick",
    Fault.SHALLOW: "Too shallow",
    Fault.BAND_SLACK: "Band slack",
}

SETUP_STEPS = (
    "Band round your hips",
    "Step away: band tight",
    "Stick along your back",
    "Stand side-on",
)


MENU_BUTTON_HINT = "Big button: press for the next row, hold to pick it"
TELL_A_COACH = "Tell a coach if this stays"
NO_REP_JUDGED = "No rep judged: the camera could not see the hinge"


def camera_trouble(view: KioskView) -> str | None:
    """What the screen says when no pose comes (the camera's badge is down: no frame yet,
    the camera lost or reopening, the pose finder stalled), in a few words; None while
    poses come. The picture on screen is then the last one, not a live one. (The pose
    badge's "frames skipped" is a frame or two lost: poses still come.)"""
    camera = view.badge(Part.CAMERA)
    if camera.ok:
        return None
    return ("Waiting for the camera" if camera.reason in ("no frames", "starting")
            else "Camera stopped")


class Renderer:
    """Draws a KioskView onto a surface of the size it was made for."""

    def __init__(self, width: int, height: int, font_path: str | None = None) -> None:
        self.theme = th.Theme(width, height, font_path)
        self.layout = self.theme.layout
        self.text = TextCache()
        self.figure = HingeFigure()
        self.tf = FigureTransform(self.layout.figure)
        # The camera picture: one surface at the camera's size, one at the figure's size.
        self._camera: pygame.Surface | None = None
        self._scaled = pygame.Surface(self.layout.figure.size)
        # Where the last frame put its key items, by name (what a person looks at first;
        # the tests read it to check the right thing is drawn in the right place).
        self.regions: dict[str, pygame.Rect] = {}

    # -- the frame ---------------------------------------------------------------------------

    def render(self, target: pygame.Surface, view: KioskView) -> None:
        self.regions.clear()
        target.fill(th.BACKGROUND)
        if view.screen is Screen.IDLE:
            self._idle(target, view)
        elif view.screen is Screen.SETUP:
            self._setup(target, view)
        elif view.screen is Screen.COACHING:
            self._coaching(target, view)
        else:
            self._summary(target, view)
        self._bar(target, view)
        if view.menu is not None:
            self._menu(target, view)
        if view.toast and view.now < view.toast_until:
            self._toast(target, view.toast)

    # -- shared parts ------------------------------------------------------------------------

    def _bar(self, target: pygame.Surface, view: KioskView) -> None:
        lay, t = self.layout, self.theme
        pygame.draw.rect(target, th.PANEL, lay.bar)
        icon = self.menu_button()
        self.regions["menu"] = icon
        draw_badges(target, self.text, t, view.badges, self.badge_strip(), self.regions)
        for k in (-1, 0, 1):  # the menu's three lines, for a finger
            y = icon.centery + k * icon.height // 5
            pygame.draw.line(target, th.DIM, (icon.centerx - icon.height // 3, y),
                             (icon.centerx + icon.height // 3, y), 3)
        if view.rotation_left_s is not None and view.screen is not Screen.SUMMARY:
            self._countdown(target, view.rotation_left_s)

    def _countdown(self, target: pygame.Surface, left: float) -> None:
        """Class mode: time to the next athlete, at the top right of the words panel: a big
        box where the rep count (or the title) leaves room for it, else a compact one; only
        when neither fits (a three-digit count) in the picture's top corner. Not over a
        rep's verdict: it is back within seconds."""
        if "verdict" in self.regions:
            return
        lay, t = self.layout, self.theme
        colour = th.TEXT if left > 30 else (th.AMBER if left > 10 else th.RED)
        clock = format_clock(left)
        beside = self.regions.get("pass_fail") or self.regions.get("greeting")
        options = [(pygame.Rect(0, 0, int(lay.width * 0.24), int(lay.height * 0.23)),
                    "NEXT ATHLETE", t.title), (self.compact_countdown(clock), "NEXT", t.body)]
        for box, _, _ in options:
            box.topright = (lay.width - lay.margin, lay.panel.top + lay.margin)
        fits = [o for o in options if beside is None or beside.right + lay.margin <= o[0].left]
        box, label, font = fits[0] if fits else options[1]
        if not fits:
            box.topleft = (lay.figure.left + lay.margin, lay.figure.top + lay.margin)
        pygame.draw.rect(target, th.PANEL, box, border_radius=10)
        pygame.draw.rect(target, colour, box, 3, border_radius=10)
        blit_text(target, self.text, t.badge, label, th.DIM, (box.centerx, box.top + 4), "midtop")
        self.regions["countdown"] = blit_text(target, self.text, font, clock, colour,
                                              (box.centerx, box.bottom - 4), "midbottom")

    def compact_countdown(self, clock: str = "0:00") -> pygame.Rect:
        """The compact class countdown's box: "NEXT" over the clock in the body font."""
        t, m = self.theme, self.layout.margin
        width = max(t.badge.size("NEXT")[0], t.body.size(clock)[0]) + 3 * m
        return pygame.Rect(0, 0, width, t.badge.get_height() + t.body.get_height() + m)

    def _pose_picture(self, target: pygame.Surface, view: KioskView) -> None:
        """The camera image (or a drawn figure), the skeleton, the stick line, the hip path."""
        live, rect = view.live, self.layout.figure
        self.tf.update(live.image_size, live.landmarks, zoom=live.image is None)
        if live.image is not None:
            self._blit_image(target, live.image)
        if live.landmarks is not None and np.isfinite(live.landmarks[:, :2]).any():
            draw_path(target, self.theme, self.tf, live.hip_path, live.hip_path_len)
            target.set_clip(rect)
            draw_skeleton(target, self.theme, self.tf, live.landmarks, live.side, live.stick_ok,
                          body=live.image is None)
            target.set_clip(None)
        elif camera_trouble(view) is None:
            t = self.theme
            font = fit_font(self.text, [t.body, t.small], "Nobody in view",
                            rect.width - 2 * t.layout.margin, 1)
            blit_text(target, self.text, font, "Nobody in view", th.DIM, rect.center, "center")
        trouble = camera_trouble(view)
        if trouble is not None:
            self._picture_stopped(target, trouble)

    def _picture_stopped(self, target: pygame.Surface, trouble: str) -> None:
        """Over a picture that is no longer live: darkened, and what is wrong, big."""
        rect, t, m = self.layout.figure, self.theme, self.layout.margin
        shade = pygame.Surface(rect.size, pygame.SRCALPHA)
        shade.fill((*th.BACKGROUND, 200))
        target.blit(shade, rect)
        inner = rect.inflate(-2 * m, -2 * m)
        font = fit_font(self.text, [t.title, t.cue, t.body], trouble.upper(), inner.width, 3)
        lines = min(3, len(self.text.wrap(font, trouble.upper(), inner.width)))
        hint = fit_font(self.text, [t.body, t.small], TELL_A_COACH, inner.width, 2)
        hint_lines = min(2, len(self.text.wrap(hint, TELL_A_COACH, inner.width)))
        height = lines * font.get_linesize() + m + hint_lines * hint.get_linesize()
        top = inner.centery - height // 2
        used = blit_wrapped(target, self.text, font, trouble.upper(), th.AMBER,
                            pygame.Rect(inner.left, top, inner.width, inner.bottom - top),
                            centre=True, max_lines=3)
        blit_wrapped(target, self.text, hint, TELL_A_COACH, th.TEXT,
                     pygame.Rect(inner.left, top + used + m, inner.width, inner.height),
                     centre=True, max_lines=2)
        self.regions["camera_trouble"] = pygame.Rect(inner.left, top, inner.width, height)

    def _blit_image(self, target: pygame.Surface, image: np.ndarray) -> None:
        h, w = image.shape[:2]
        if self._camera is None or self._camera.get_size() != (w, h):
            self._camera = pygame.Surface((w, h))  # once per camera size, not per frame
        pygame.surfarray.blit_array(self._camera, image.swapaxes(0, 1))
        crop = self.tf.crop()
        src = self._camera.subsurface(crop)
        size = (int(crop.width * self.tf.scale), self.layout.figure.height)
        if size[0] >= self.layout.figure.width:
            pygame.transform.scale(src, self._scaled.get_size(), self._scaled)
            target.blit(self._scaled, self.layout.figure)
        else:  # an image narrower than the figure: centre it
            dest = self._scaled.subsurface(pygame.Rect((0, 0), size))
            pygame.transform.scale(src, size, dest)
            x = self.tf.point(crop.left / w, 0)[0]
            target.blit(dest, (x, self.layout.figure.top))

    def _toast(self, target: pygame.Surface, text: str) -> None:
        """A message for a few seconds at the bottom, in up to two lines across the screen."""
        lay, t = self.layout, self.theme
        width = lay.width - 8 * lay.margin
        font = fit_font(self.text, [t.body, t.small], text, width, 2)
        lines = self.text.wrap(font, text, width)[:2]
        line_w = max(font.size(line)[0] for line in lines) if lines else 0
        inner = pygame.Rect(0, 0, line_w, len(lines) * font.get_linesize())
        box = inner.inflate(3 * lay.margin, 2 * lay.margin)
        box.midbottom = (lay.width // 2, lay.height - 2 * lay.margin)
        inner.center = box.center
        pygame.draw.rect(target, th.AMBER, box, border_radius=12)
        blit_wrapped(target, self.text, font, text, th.INK, inner, centre=True, max_lines=2)
        self.regions["toast"] = box

    # -- the screens -------------------------------------------------------------------------

    def _named(self, prefix: str, name: str, plain: str, width: int
               ) -> tuple[pygame.font.Font, str]:
        """A title that names the athlete ("HI, SAM") in the biggest font it fits in
        `width`: the whole name, else the first name, else the first name cut short."""
        t = self.theme
        fonts = [t.title, t.body, t.small]
        if not name:
            return t.title, plain
        first = name.split()[0].upper()
        for words in (prefix + name.upper(), prefix + first):
            for font in fonts:
                if font.size(words)[0] <= width:
                    return font, words
        words = prefix + first
        while len(words) > len(prefix) + 1 and t.small.size(words + "...")[0] > width:
            words = words[:-1]
        return t.small, words + "..."

    def _idle(self, target: pygame.Surface, view: KioskView) -> None:
        lay, t = self.layout, self.theme
        self.figure.draw(target, t, lay.figure, view.now)
        p = lay.panel.inflate(-2 * lay.margin, -2 * lay.margin)
        y = p.top
        y += blit_text(target, self.text, t.title, "HIP HINGE", th.TEXT, (p.left, y)).height
        trouble = camera_trouble(view)
        if trouble is not None:  # it cannot coach: say so, not how to start
            words = f"{trouble}. {TELL_A_COACH}."
            rest = pygame.Rect(p.left, y + lay.margin, p.width, p.bottom - y - lay.margin)
            font = fit_font(self.text, [t.cue, t.body], words, rest.width, 4, rest.height)
            blit_wrapped(target, self.text, font, words, th.AMBER, rest, max_lines=4)
            self.regions["camera_trouble"] = rest
            return
        step_h = (p.bottom - y - t.body.get_height() - lay.margin) // len(SETUP_STEPS)
        r = t.body.get_height() // 2
        text_w = p.width - 2 * r - lay.margin
        # One size for all steps: the biggest in which every step fits on one line.
        font = next((f for f in (t.body, t.step, t.small)
                     if all(f.size(step)[0] <= text_w for step in SETUP_STEPS)), t.small)
        for i, step in enumerate(SETUP_STEPS, start=1):
            cy = y + step_h // 2
            pygame.draw.circle(target, th.BLUE, (p.left + r, cy), r)
            blit_text(target, self.text, t.small, str(i), th.TEXT, (p.left + r, cy), "center")
            blit_text(target, self.text, font, step, th.TEXT,
                      (p.left + 2 * r + lay.margin, cy), "midleft")
            y += step_h
        blit_text(target, self.text, t.body, "Hips back, not down", th.AMBER,
                  (p.left, p.bottom), "bottomleft")

    def _setup(self, target: pygame.Surface, view: KioskView) -> None:
        lay, t = self.layout, self.theme
        self._pose_picture(target, view)
        p = lay.panel.inflate(-2 * lay.margin, -2 * lay.margin)
        room = p.width  # class mode: the countdown's compact box beside the title
        if view.rotation_left_s is not None:
            room -= self.compact_countdown().width + 2 * lay.margin
        font, words = self._named("HI, ", view.athlete_name, "GET SET", room)
        title = blit_text(target, self.text, font, words, th.TEXT, p.topleft)
        self.regions["greeting"] = title
        rect = pygame.Rect(p.left, title.bottom + lay.margin, p.width,
                           p.bottom - title.bottom - lay.margin)
        draw_checks(target, self.text, t, view.checks, rect, self.regions)

    def _coaching(self, target: pygame.Surface, view: KioskView) -> None:
        lay, t, live = self.layout, self.theme, view.live
        self._pose_picture(target, view)
        p = lay.panel.inflate(-2 * lay.margin, -2 * lay.margin)
        verdict = view.verdict
        if verdict is not None and view.now < verdict.until:
            self._verdict(target, view, p)
            return
        # The rep count: "REP" small over a big number; passes and fails beside it.
        label = blit_text(target, self.text, t.small, "REPS", th.DIM, p.topleft)
        count = blit_text(target, self.text, t.big, str(live.rep_count), th.TEXT,
                          (p.left, label.bottom))
        self.regions["count"] = count
        failed = live.rep_count - live.passed - live.not_judged
        x = count.right + 2 * lay.margin
        blit_text(target, self.text, t.body, f"{live.passed} PASS", th.GREEN,
                  (x, count.top + count.height // 4), "midleft")
        fails = blit_text(target, self.text, t.body, f"{failed} FAIL",
                          th.RED if failed else th.DIM, (x, count.bottom - count.height // 4),
                          "midleft")
        self.regions["pass_fail"] = fails.union(self.text.render(
            t.body, f"{live.passed} PASS", th.GREEN).get_rect(topleft=(x, count.top)))
        below = count.bottom
        if live.not_judged:  # counted without a verdict: the count still adds up
            below = blit_text(target, self.text, t.small, f"{live.not_judged} NO VERDICT",
                              th.AMBER, (x, count.bottom), "topleft").bottom
        gauge_h = int(lay.height * 0.14)
        gauge = pygame.Rect(p.left, p.bottom - gauge_h, p.width, gauge_h)
        cue_rect = pygame.Rect(p.left, below + lay.margin, p.width,
                               gauge.top - below - 2 * lay.margin)
        # What to change about the view comes before any cue: until it is put right the
        # coach calls no fault. Amber: not the athlete's hinge, the camera's view of it. A
        # camera that stopped comes before both: the last cue is no longer about now.
        words, colour, framed = live.cue, th.RED if live.cue_is_fault else th.TEXT, (
            live.cue_is_fault)
        if live.view_message:
            words, colour, framed = live.view_message, th.AMBER, True
        trouble = camera_trouble(view)
        if trouble is not None:
            words, colour, framed = f"{trouble}: wait, or tell a coach", th.AMBER, True
        if words:
            if framed:
                pygame.draw.rect(target, colour, cue_rect.inflate(lay.margin, lay.margin), 4,
                                 border_radius=10)
            font = fit_font(self.text, [t.cue, t.body], words, cue_rect.width - lay.margin, 3)
            lines = min(3, len(self.text.wrap(font, words, cue_rect.width - lay.margin)))
            text_h = lines * font.get_linesize()
            inner = pygame.Rect(cue_rect.left + lay.margin // 2,
                                cue_rect.centery - text_h // 2, cue_rect.width - lay.margin,
                                text_h)
            blit_wrapped(target, self.text, font, words, colour, inner, max_lines=3)
            self.regions["view" if live.view_message or trouble else "cue"] = inner
        load_cell = view.badge(Part.LOAD_CELL)
        missing = "camera only" if load_cell.reason.startswith("none") else "no reading"
        self.regions["gauge"] = draw_gauge(target, self.text, t, gauge, live.tension_n,
                                           live.tension_min_n, live.tension_max_n, missing)

    def _verdict(self, target: pygame.Surface, view: KioskView, p: pygame.Rect) -> None:
        """PASS on green or FAIL on red over the words, while the picture keeps moving; a rep
        counted without a verdict on amber, with what to change."""
        lay, t, v = self.layout, self.theme, view.verdict
        assert v is not None
        fill = th.GREEN if v.passed else th.RED if v.judged else th.AMBER
        ink = th.INK if v.passed or not v.judged else th.TEXT
        box = lay.panel.inflate(-lay.margin, -lay.margin)
        pygame.draw.rect(target, fill, box, border_radius=16)
        pygame.draw.rect(target, fill, lay.figure, 8)
        shown = ("PASS" if v.passed else "FAIL") if v.judged else "NO VERDICT"
        font = fit_font(self.text, [t.verdict, t.big, t.title], shown,
                        box.width - 2 * lay.margin, 1)
        word = blit_text(target, self.text, font, shown, ink,
                         (box.centerx, box.top + lay.margin), "midtop")
        self.regions["verdict"] = box
        self.regions["verdict_word"] = word
        y = word.bottom
        rep = blit_text(target, self.text, t.small, f"REP {v.rep_index}", ink,
                        (box.centerx, y), "midtop")
        y = rep.bottom + lay.margin
        if v.fault is not None:
            r = blit_text(target, self.text, t.body, FAULT_NAMES[v.fault].upper(), ink,
                          (box.centerx, y), "midtop")
            self.regions["verdict_fault"] = r
            y = r.bottom + lay.margin
        rest = pygame.Rect(box.left + lay.margin, y, box.width - 2 * lay.margin, box.bottom - y)
        font = fit_font(self.text, [t.cue, t.body, t.small], v.cue, rest.width, 3)
        blit_wrapped(target, self.text, font, v.cue, ink, rest, centre=True, max_lines=3)

    def _summary(self, target: pygame.Surface, view: KioskView) -> None:
        lay, t, s = self.layout, self.theme, view.summary
        m = lay.margin
        area = pygame.Rect(0, lay.bar.bottom, lay.width, lay.height - lay.bar.bottom).inflate(
            -4 * m, -2 * m)
        room = area.width // 2 if s.reason else area.width
        font, words = self._named("SET DONE, ", view.athlete_name, "SET DONE", room)
        title = blit_text(target, self.text, font, words, th.TEXT, area.topleft)
        self.regions["greeting"] = title
        if s.reason:
            blit_text(target, self.text, t.body, s.reason, th.AMBER,
                      (area.right, title.centery), "midright")
        # Left: the score, huge. Right: the main fault and its cue, then the best rep.
        half = int(area.width * 0.45)
        score = f"{s.passed}/{s.reps}"
        judged = s.reps - s.not_judged
        colour = th.GREEN if s.reps and s.passed == s.reps else (
            th.DIM if not judged else th.AMBER if s.passed else th.RED)
        mid = (title.bottom + area.bottom) // 2
        # As big as its half allows, clear of the right column ("10/10" is wider than the
        # huge font leaves room for).
        font = next((f for f in (t.huge, t.verdict, t.big) if f.size(score)[0] <= half - 2 * m),
                    t.title)
        self.regions["score"] = blit_text(target, self.text, font, score, colour,
                                          (area.left + half // 2, mid), "midbottom")
        passed = blit_text(target, self.text, t.body, "PASSED", th.DIM,
                           (area.left + half // 2, mid), "midtop")
        if s.not_judged:
            blit_text(target, self.text, t.small, f"{s.not_judged} without a verdict", th.AMBER,
                      (area.left + half // 2, passed.bottom), "midtop")
        right = pygame.Rect(area.left + half, title.bottom + m, area.width - half,
                            area.bottom - title.bottom - m)
        y = right.top
        if s.main_fault is not None:
            y += blit_text(target, self.text, t.small, "WORK ON", th.DIM, (right.left, y)).height
            times = "1 rep" if s.main_fault_count == 1 else f"{s.main_fault_count} reps"
            name = f"{FAULT_NAMES[s.main_fault]}: {times}"
            y += blit_text(target, self.text, t.body, name, th.RED, (right.left, y)).height
            font = fit_font(self.text, [t.cue, t.body], s.main_cue, right.width, 3)
            y += blit_wrapped(target, self.text, font, s.main_cue, th.TEXT,
                              pygame.Rect(right.left, y, right.width, right.height), max_lines=3)
            y += m
        elif s.reps and not judged:  # none judged: nothing was clean or not
            font = fit_font(self.text, [t.cue, t.body, t.small], NO_REP_JUDGED, right.width, 3)
            y += blit_wrapped(target, self.text, font, NO_REP_JUDGED, th.AMBER,
                              pygame.Rect(right.left, y, right.width, right.height),
                              max_lines=3) + m
        elif s.reps:
            clean = "Every judged rep clean!" if s.not_judged else "Every rep clean!"
            font = fit_font(self.text, [t.cue, t.body], clean, right.width, 1)
            y += blit_text(target, self.text, font, clean, th.GREEN, (right.left, y)).height + m
        else:
            y += blit_text(target, self.text, t.cue, "No reps counted", th.DIM,
                           (right.left, y)).height + m
        if s.best_rep is not None:
            y += blit_text(target, self.text, t.small, "BEST REP", th.DIM, (right.left, y)).height
            text = f"Rep {s.best_rep}" + (f": {s.best_note}" if s.best_note else "")
            blit_wrapped(target, self.text, t.body, text, th.GREEN,
                         pygame.Rect(right.left, y, right.width, right.bottom - y), max_lines=2)

    def _menu(self, target: pygame.Surface, view: KioskView) -> None:
        lay, t = self.layout, self.theme
        assert view.menu is not None
        rows = self.menu_rows(len(view.menu))
        # The menu is the coach's page: the screen under it is hidden, not half-covered.
        pygame.draw.rect(target, th.BACKGROUND, pygame.Rect(0, lay.bar.bottom, lay.width,
                                                            lay.height - lay.bar.bottom))
        box = rows[0].unionall(rows[1:]).inflate(4 * lay.margin, 4 * lay.margin)
        title_h = t.body.get_height() + lay.margin
        box.top -= title_h
        box.height += title_h
        pygame.draw.rect(target, th.PANEL, box, border_radius=14)
        pygame.draw.rect(target, th.BLUE, box, 3, border_radius=14)
        blit_text(target, self.text, t.body, "COACH MENU", th.DIM,
                  (box.centerx, box.top + lay.margin), "midtop")
        for i, (item, row) in enumerate(zip(view.menu, rows, strict=True)):
            selected = i == view.menu_selected
            pygame.draw.rect(target, th.BLUE if selected else th.BACKGROUND, row,
                             border_radius=10)
            blit_text(target, self.text, t.body, item.label, th.TEXT,
                      (row.left + lay.margin * 2, row.centery), "midleft")
            if item.value:
                blit_text(target, self.text, t.body, item.value, th.AMBER if not selected
                          else th.TEXT, (row.right - lay.margin * 2, row.centery), "midright")
        # One button does it all: say how, under the box.
        blit_text(target, self.text, t.small, MENU_BUTTON_HINT, th.DIM,
                  (box.centerx, box.bottom + lay.margin), "midtop")

    def menu_rows(self, n: int) -> list[pygame.Rect]:
        """Where the coach menu's rows are on screen (the touch screen taps them)."""
        lay = self.layout
        row_h = max(48, int(lay.height * 0.14))  # a finger-sized target
        w = int(lay.width * 0.7)
        top = lay.bar.bottom + (lay.height - lay.bar.bottom - n * row_h) // 2 + \
            self.theme.body.get_height() // 2
        return [pygame.Rect((lay.width - w) // 2, top + i * row_h, w, row_h - 6)
                for i in range(n)]

    def badge_strip(self) -> pygame.Rect:
        """Where the status badges may go: the top strip left of the menu icon."""
        bar = self.layout.bar
        return pygame.Rect(bar.left, bar.top, self.menu_button().left - bar.left, bar.height)

    def menu_button(self) -> pygame.Rect:
        """The corner a tap opens the coach menu from (top right of the status strip)."""
        lay = self.layout
        return pygame.Rect(lay.width - lay.bar.height * 2, 0, lay.bar.height * 2,
                           lay.bar.height)
