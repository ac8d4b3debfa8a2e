"""Waiting out a broken settings file: show it, say it in the journal, start once it is fixed.

`station run` under systemd must not crash-loop on a typo in /etc/station/station.toml (the
screen would stay black and the journal fill with restarts). Instead it tells systemd it is
up, shows the one-line error on the screen with the fix, keeps the watchdog fed, and reads
the file again every couple of seconds; the moment it parses, the station starts.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

from station.appliance.kms import console_sdl_environment
from station.appliance.notice import draw_notice
from station.appliance.watchdog import Watchdog
from station.config import Config, load_config
from station.errors import ConfigError

TITLE = "The settings file has an error"
RETRY_S = 2.0


def fix_line(path: str | None) -> str:
    shown = path or "/etc/station/station.toml"
    return (f"Fix {shown} (sudo nano {shown}); the station starts by itself once the file "
            "is right. To start from the defaults: sudo ./install.sh --reset-config")


def wait_for_config(path: str | None, error: ConfigError, watchdog: Watchdog,
                    draw: Callable[[str], None] | None = None,
                    sleep: Callable[[float], None] = time.sleep,
                    clock: Callable[[], float] = time.monotonic,
                    give_up_after_s: float | None = None) -> Config | None:
    """Report `error`, then poll the file until it loads; the Config, or None on giving up.

    `draw(message)` puts the notice on the screen and is called again whenever the error
    changes; it also runs every tick, so it can pump the window's events.
    """
    message = str(error)
    print(f"station: error: {message}", file=sys.stderr, flush=True)
    watchdog.ready(status=f"waiting for a valid config: {message}")
    started = next_try = clock()
    while True:
        if draw is not None:
            draw(message)
        watchdog.ping()
        now = clock()
        if now >= next_try:
            next_try = now + RETRY_S
            try:
                config = load_config(path)
            except ConfigError as exc:
                if str(exc) != message:
                    message = str(exc)
                    print(f"station: error: {message}", file=sys.stderr, flush=True)
                    watchdog.status(f"waiting for a valid config: {message}")
            else:
                print("station: the settings file is fixed: starting", file=sys.stderr,
                      flush=True)
                watchdog.status("config fixed: starting")
                return config
        if give_up_after_s is not None and now - started >= give_up_after_s:
            return None
        sleep(0.2)


class NoticeScreen:
    """The screen, opened just to show the notice (KMSDRM on the Pi's console)."""

    def __init__(self, size: tuple[int, int] = (800, 480), fullscreen: bool = True) -> None:
        import pygame

        for key, value in console_sdl_environment(os.environ).items():
            os.environ.setdefault(key, value)
        os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
        self._pg = pygame
        pygame.display.init()
        pygame.font.init()
        self.surface = pygame.display.set_mode((0, 0) if fullscreen else size,
                                               pygame.FULLSCREEN if fullscreen else 0)

    def draw(self, path: str | None, message: str) -> None:
        self._pg.event.pump()
        draw_notice(self.surface, TITLE, message, fix_line(path))
        self._pg.display.flip()

    def close(self) -> None:
        self._pg.display.quit()
