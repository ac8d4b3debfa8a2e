"""The kiosk's loop: pygame owns the main thread and draws at a steady frame rate.

Each frame: turn keys, taps and clicks into `Input`s, let the station's flow take in whatever
the sensor threads queued (never waiting for any of them), draw the flow's view, show it.
Between frames (given a `hand_in`, as the station and the demo give it) the flow takes in
what has come every 5 ms, so a buzz never waits for the next frame to be drawn.
Nothing in the loop waits on a sensor, the pose worker or the disk: they hand their results
in through the flow's queue, and the session log writes from its own thread.

Display: KMSDRM on a Pi with no desktop, a window on a desktop, SDL's dummy driver headless.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import Protocol

import pygame

from station.config import KioskConfig
from station.errors import StationError
from station.flow.view import Input, KioskView
from station.kiosk.screens import Renderer

# Seconds between hand-ins while the loop waits for its next frame (see `KioskApp.run`): a
# load-cell sample or a pose reaches the coach, and a buzz the buzzer, within about this,
# not up to a whole frame (33 ms at 30 fps) later.
HAND_IN_S = 0.005

KEYS = {
    pygame.K_SPACE: Input.PRESS,
    pygame.K_RETURN: Input.SELECT,
    pygame.K_KP_ENTER: Input.SELECT,
    pygame.K_m: Input.MENU,
    pygame.K_TAB: Input.MENU,
    pygame.K_UP: Input.UP,
    pygame.K_DOWN: Input.DOWN,
    pygame.K_ESCAPE: Input.BACK,
}


class KioskFlow(Protocol):
    """What the kiosk's loop needs of the station's flow: the view to draw, a way to hand it
    what a person asked for, and a way to let it take in what the sensor threads queued."""

    @property
    def view(self) -> KioskView: ...

    def on_input(self, inp: Input, now: float, row: int | None = None) -> None: ...

    def drain(self, now: float) -> None: ...


def choose_driver(headless: bool) -> None:
    """Pick SDL's video driver: dummy headless, KMSDRM on a Linux console, else SDL's own."""
    if headless:
        os.environ["SDL_VIDEODRIVER"] = "dummy"
    elif (sys.platform.startswith("linux") and not os.environ.get("DISPLAY")
          and not os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("SDL_VIDEODRIVER", "kmsdrm")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")


def open_display(config: KioskConfig, headless: bool = False,
                 size: tuple[int, int] | None = None, hint: str = "") -> pygame.Surface:
    """The screen surface: full screen at the display's size, or a window of `size`; with
    none to be had, StationError with `hint` (what the command offers instead)."""
    choose_driver(headless)
    try:
        pygame.display.init()
        pygame.font.init()
        full = config.fullscreen and not headless and size is None
        wanted = (0, 0) if full else (size or (config.width, config.height))
        screen = pygame.display.set_mode(wanted, pygame.FULLSCREEN if full else 0)
    except pygame.error as exc:
        driver = os.environ.get("SDL_VIDEODRIVER", "default")
        raise StationError(f"no display ({driver}: {exc})" + (f"; {hint}" if hint else "")) \
            from None
    pygame.display.set_caption("Hinge Station")
    if full:
        pygame.mouse.set_visible(False)
    return screen


class KioskApp:
    """The window (or screen) and the loop that draws a flow's view on it."""

    def __init__(self, config: KioskConfig, headless: bool = False,
                 size: tuple[int, int] | None = None, hint: str = "") -> None:
        self.config = config
        self.headless = headless
        self.screen = open_display(config, headless, size, hint)
        self.renderer = Renderer(*self.screen.get_size())
        self.running = True
        self.windowed = headless or size is not None or not config.fullscreen

    def handle(self, event: pygame.event.Event, flow: KioskFlow, now: float) -> None:
        """One pygame event: a key, a tap or a click becomes an Input for the flow."""
        menu_open = flow.view.menu is not None
        if event.type == pygame.QUIT:
            self.running = False
        elif event.type == pygame.KEYDOWN:
            # Quit keys only in a window: full screen is the appliance, and a keyboard
            # plugged into it must not leave the gym a black screen.
            quit_key = (event.key == pygame.K_q and event.mod & pygame.KMOD_CTRL) or (
                event.key == pygame.K_ESCAPE and not menu_open)
            if quit_key and self.windowed:
                self.running = False
                return
            inp = KEYS.get(event.key)
            if inp is Input.SELECT and not menu_open:
                inp = Input.PRESS
            if inp is not None:
                flow.on_input(inp, now)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            self.tap(event.pos, flow, now)

    def tap(self, pos: tuple[int, int], flow: KioskFlow, now: float) -> None:
        """A tap (the touch screen sends taps as left clicks) at `pos`."""
        if flow.view.menu is not None:
            rows = self.renderer.menu_rows(len(flow.view.menu))
            hit = next((i for i, r in enumerate(rows) if r.collidepoint(pos)), None)
            flow.on_input(Input.SELECT if hit is not None else Input.BACK, now, row=hit)
        elif self.renderer.menu_button().collidepoint(pos):
            flow.on_input(Input.MENU, now)
        else:
            flow.on_input(Input.PRESS, now)

    def frame(self, flow: KioskFlow, now: float) -> None:
        """One frame at station time `now`: inputs, the flow's queue, drawing, showing."""
        for event in pygame.event.get():
            self.handle(event, flow, now)
        flow.drain(now)
        self.renderer.render(self.screen, flow.view)
        pygame.display.flip()

    def run(self, flow: KioskFlow, feed: Callable[[float], None] | None = None,
            after_frame: Callable[[], None] | None = None,
            clock: Callable[[], float] = time.monotonic, max_frames: int | None = None,
            hand_in: Callable[[float], None] | None = None) -> int:
        """Draw at the configured rate until quit (or `max_frames`); returns frames drawn.
        `feed(now)` hands in samples before each frame (the demo's simulated athlete, the
        station's parts and their health); `after_frame()` runs after each frame (a
        watchdog's ping). `hand_in(now)`, if given, runs every `HAND_IN_S` while the loop
        waits for its next frame, and the flow takes in at once what it and the sensor
        threads handed in: the coach hears of a stall, and the buzzer sounds, without
        waiting for the next frame."""
        tick = pygame.time.Clock()
        period = 1.0 / self.config.fps
        frames = 0
        while self.running and (max_frames is None or frames < max_frames):
            started = time.monotonic()
            now = clock()
            if feed is not None:
                feed(now)
            self.frame(flow, now)
            if after_frame is not None:
                after_frame()
            frames += 1
            if hand_in is None:
                tick.tick(self.config.fps)
            else:
                self._hand_in_until(started + period, flow, hand_in, clock)
        return frames

    @staticmethod
    def _hand_in_until(due: float, flow: KioskFlow, hand_in: Callable[[float], None],
                       clock: Callable[[], float]) -> None:
        """Until `due` (monotonic seconds): every `HAND_IN_S`, hand in and let the flow take
        it in (the coach, the buzzer, the time-driven steps; drawing waits for the frame)."""
        while (left := due - time.monotonic()) > 0.0:
            time.sleep(min(left, HAND_IN_S))
            now = clock()
            hand_in(now)
            flow.drain(now)

    def close(self) -> None:
        pygame.display.quit()
